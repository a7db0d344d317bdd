#!/usr/bin/python3
"""A group consumer from kafka-python or confluent-kafka (librdkafka).

usage: group_consume.py LIB BOOTSTRAP GROUP TOPIC N

LIB is kafka-python or confluent. The consumer subscribes to TOPIC in
GROUP (auto.offset.reset earliest, auto-commit off), polls until it has N
records or 30 s pass without reaching N, commits synchronously, and closes
(leaving the group). Prints one JSON object: {"records": [[partition,
offset, value]...], "assigned": [partitions...]}.
"""
import json
import sys
import time


def kafka_python(bs, group, topic, n):
    from kafka import KafkaConsumer
    c = KafkaConsumer(topic, bootstrap_servers=bs, group_id=group, auto_offset_reset="earliest",
                      enable_auto_commit=False, session_timeout_ms=10000, heartbeat_interval_ms=1000,
                      api_version_auto_timeout_ms=10000)
    out, assigned = [], set()
    deadline = time.time() + 30
    while len(out) < n and time.time() < deadline:
        for tp, msgs in c.poll(timeout_ms=500).items():
            for m in msgs:
                out.append([m.partition, m.offset, m.value.decode()])
        assigned |= {tp.partition for tp in c.assignment()}
    c.commit()
    c.close()
    return out, assigned


def confluent(bs, group, topic, n):
    from confluent_kafka import Consumer
    c = Consumer({"bootstrap.servers": bs, "group.id": group, "auto.offset.reset": "earliest",
                  "enable.auto.commit": False, "session.timeout.ms": 10000, "heartbeat.interval.ms": 1000})
    c.subscribe([topic])
    out, assigned = [], set()
    deadline = time.time() + 30
    while len(out) < n and time.time() < deadline:
        m = c.poll(0.5)
        assigned |= {tp.partition for tp in c.assignment()}
        if m is None:
            continue
        if m.error():
            print("consumer error: %s" % m.error(), file=sys.stderr)
            continue
        out.append([m.partition(), m.offset(), m.value().decode()])
    if out:
        c.commit(asynchronous=False)
    c.close()
    return out, assigned


def main():
    lib, bs, group, topic, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    fn = {"kafka-python": kafka_python, "confluent": confluent}[lib]
    out, assigned = fn(bs, group, topic, n)
    json.dump({"records": out, "assigned": sorted(assigned)}, sys.stdout)


if __name__ == "__main__":
    main()
