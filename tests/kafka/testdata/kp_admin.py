#!/usr/bin/python3
"""Topic administration through kafka-python's KafkaAdminClient.

usage: kp_admin.py BOOTSTRAP < steps.json

The same step language and result shapes as ck_admin.py (see there).
kafka-python's CreateTopics goes up to v3, which cannot carry -1 partitions
or replication factor, so steps for this client give explicit values.
"""
import ast
import json
import re
import sys
import time

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewPartitions, NewTopic
from kafka.errors import KafkaError, for_code

TIMEOUT_MS = 15000

SOURCES = {
    0: "UNKNOWN",
    1: "DYNAMIC_TOPIC_CONFIG",
    2: "DYNAMIC_BROKER_CONFIG",
    3: "DYNAMIC_DEFAULT_BROKER_CONFIG",
    4: "STATIC_BROKER_CONFIG",
    5: "DEFAULT_CONFIG",
    6: "DYNAMIC_BROKER_LOGGER_CONFIG",
}

MSG_RE = re.compile(r"""error_message=('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


def err_obj(e):
    if isinstance(e, KafkaError) and getattr(e, "errno", None) is not None:
        # _send_request_to_controller puts the whole response in the text.
        m = MSG_RE.search(str(e))
        return {"code": e.errno, "name": type(e).__name__,
                "message": ast.literal_eval(m.group(1)) if m else str(e)}
    return {"code": -1, "name": type(e).__name__, "message": str(e)}


def guarded(fn):
    try:
        fn()
        return None
    except Exception as e:  # noqa: BLE001 - reported to the Go test
        return err_obj(e)


def run(a, step):
    op = step["op"]
    if op == "create":
        nt = NewTopic(step["topic"], step["partitions"], step["rf"], topic_configs=step.get("configs") or {})
        return {"error": guarded(lambda: a.create_topics([nt], timeout_ms=TIMEOUT_MS))}
    if op == "list":
        return {"topics": sorted(a.list_topics())}
    if op == "describe":
        out = {}
        for t in a.describe_topics(step["topics"]):
            parts = [{"partition": p["partition"], "leader": p["leader"], "replicas": list(p["replicas"]),
                      "isr": list(p["isr"]), "error": p["error_code"] or None}
                     for p in sorted(t["partitions"], key=lambda p: p["partition"])]
            out[t["topic"]] = {"error": t["error_code"] or None, "partitions": parts}
        return {"topics": out}
    if op == "configs":
        resp = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, step["topic"])])[0]
        code, message, _, _, entries = resp.resources[0]
        if code:
            return {"error": {"code": code, "name": for_code(code).__name__, "message": message}}
        out = {}
        for e in entries:
            # v1+: (name, value, read_only, source, is_sensitive, synonyms)
            name, value, _, source = e[0], e[1], e[2], e[3]
            out[name] = {"value": value, "source": SOURCES.get(source, str(source)), "default": source == 5}
        return {"configs": out}
    if op == "broker_configs":
        resp = a.describe_configs([ConfigResource(ConfigResourceType.BROKER, str(step["broker"]))])[0]
        code, message, _, _, entries = resp.resources[0]
        if code:
            return {"error": {"code": code, "name": for_code(code).__name__, "message": message}}
        return {"configs": {e[0]: {"value": e[1], "source": SOURCES.get(e[3], str(e[3])), "default": e[3] == 5}
                            for e in entries}}
    if op == "partitions":
        return {"error": guarded(lambda: a.create_partitions({step["topic"]: NewPartitions(step["count"])},
                                                             timeout_ms=TIMEOUT_MS))}
    if op == "delete":
        return {"error": guarded(lambda: a.delete_topics([step["topic"]], timeout_ms=TIMEOUT_MS))}
    if op == "cluster":
        c = a.describe_cluster()
        return {"brokers": sorted([{"id": b["node_id"], "host": b["host"], "port": b["port"]} for b in c["brokers"]],
                                  key=lambda b: b["id"]),
                "controller": c["controller_id"], "cluster_id": c["cluster_id"]}
    raise SystemExit("unknown op %r" % op)


def main():
    a = KafkaAdminClient(bootstrap_servers=sys.argv[1], client_id="kp-admin", request_timeout_ms=TIMEOUT_MS)
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
    a.close()
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
