#!/usr/bin/python3
"""Topic administration through librdkafka's AdminClient (confluent-kafka).

usage: ck_admin.py BOOTSTRAP < steps.json

Reads a JSON list of steps on stdin, runs them in order and prints one JSON
list with a result object per step. Steps (the same language as
kp_admin.py, so one Go table drives both clients):

  {"op": "create", "topic": T, "partitions": N, "rf": R, "configs": {...}}
        partitions/rf -1 = broker default, as kafka-topics --create sends
  {"op": "list"}                    -> {"topics": [sorted names]}
  {"op": "describe", "topics": [T]} -> {"topics": {T: {"error": E, "partitions": [...]}}}
  {"op": "configs", "topic": T}     -> {"configs": {name: {"value", "source", "default"}}}
  {"op": "broker_configs", "broker": ID} -> the same for a BROKER resource
  {"op": "partitions", "topic": T, "count": N}
  {"op": "delete", "topic": T}
  {"op": "cluster"}                 -> {"brokers": [...], "controller": id, "cluster_id": s}

Errors are {"error": {"code": int, "name": str, "message": str}}.
"""
import json
import sys
import time

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

TIMEOUT = 15

SOURCES = {
    0: "UNKNOWN",
    1: "DYNAMIC_TOPIC_CONFIG",
    2: "DYNAMIC_BROKER_CONFIG",
    3: "DYNAMIC_DEFAULT_BROKER_CONFIG",
    4: "STATIC_BROKER_CONFIG",
    5: "DEFAULT_CONFIG",
    6: "DYNAMIC_BROKER_LOGGER_CONFIG",
}


def err_obj(e):
    if isinstance(e, KafkaException) and e.args and hasattr(e.args[0], "code"):
        k = e.args[0]
        return {"code": k.code(), "name": k.name(), "message": k.str()}
    return {"code": -1, "name": type(e).__name__, "message": str(e)}


def one(futures):
    """Waits for a dict of one future; returns None or an error object."""
    for _, f in futures.items():
        try:
            f.result()
            return None
        except Exception as e:  # noqa: BLE001 - reported to the Go test
            return err_obj(e)


def run(a, step):
    op = step["op"]
    if op == "create":
        nt = NewTopic(step["topic"], step.get("partitions", -1), step.get("rf", -1),
                      config=step.get("configs") or {})
        return {"error": one(a.create_topics([nt], operation_timeout=TIMEOUT, request_timeout=TIMEOUT))}
    if op == "list":
        md = a.list_topics(timeout=TIMEOUT)
        return {"topics": sorted(md.topics)}
    if op == "describe":
        md = a.list_topics(timeout=TIMEOUT)
        out = {}
        for name in step["topics"]:
            t = md.topics.get(name)
            if t is None:
                out[name] = {"error": {"code": 3, "name": "UNKNOWN_TOPIC_OR_PART", "message": "not listed"}}
                continue
            parts = []
            for p in sorted(t.partitions):
                pm = t.partitions[p]
                parts.append({"partition": p, "leader": pm.leader, "replicas": list(pm.replicas),
                              "isr": list(pm.isrs),
                              "error": None if pm.error is None else pm.error.code()})
            out[name] = {"error": None if t.error is None else t.error.code(), "partitions": parts}
        return {"topics": out}
    if op == "configs":
        res = ConfigResource(ConfigResource.Type.TOPIC, step["topic"])
        try:
            cfg = list(a.describe_configs([res], request_timeout=TIMEOUT).values())[0].result()
        except Exception as e:  # noqa: BLE001
            return {"error": err_obj(e)}
        return {"configs": {k: {"value": e.value, "source": SOURCES.get(e.source, str(e.source)),
                                "default": bool(e.is_default)} for k, e in cfg.items()}}
    if op == "broker_configs":
        res = ConfigResource(ConfigResource.Type.BROKER, str(step["broker"]))
        try:
            cfg = list(a.describe_configs([res], request_timeout=TIMEOUT).values())[0].result()
        except Exception as e:  # noqa: BLE001
            return {"error": err_obj(e)}
        return {"configs": {k: {"value": e.value, "source": SOURCES.get(e.source, str(e.source)),
                                "default": bool(e.is_default)} for k, e in cfg.items()}}
    if op == "partitions":
        np = NewPartitions(step["topic"], step["count"])
        return {"error": one(a.create_partitions([np], operation_timeout=TIMEOUT, request_timeout=TIMEOUT))}
    if op == "delete":
        return {"error": one(a.delete_topics([step["topic"]], operation_timeout=TIMEOUT, request_timeout=TIMEOUT))}
    if op == "cluster":
        md = a.list_topics(timeout=TIMEOUT)
        return {"brokers": sorted([{"id": b.id, "host": b.host, "port": b.port} for b in md.brokers.values()],
                                  key=lambda b: b["id"]),
                "controller": md.controller_id, "cluster_id": md.cluster_id}
    raise SystemExit("unknown op %r" % op)


def main():
    a = AdminClient({"bootstrap.servers": sys.argv[1], "client.id": "ck-admin"})
    steps = json.load(sys.stdin)
    out = []
    for s in steps:
        start = time.monotonic()
        try:
            r = run(a, s)
        except Exception as e:  # noqa: BLE001
            r = {"error": err_obj(e), "exception": True}
        r["ms"] = int((time.monotonic() - start) * 1000)
        out.append(r)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
