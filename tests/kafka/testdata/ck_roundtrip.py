#!/usr/bin/python3
"""confluent-kafka (librdkafka) Producer -> Consumer with assign (no group
protocol: the binding requires a group.id, but assign() never joins).

usage: ck_roundtrip.py BOOTSTRAP TOPIC PARTITIONS N

Partition p is written by an idempotent acks=all producer using codec
CODECS[p % len(CODECS)] (none, gzip, snappy, lz4, zstd). Record i has key
k<i>, value v<i> and header h=<i>. A consumer then assigns every partition
from offset 0 and reads everything back. Prints one JSON object.
"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


def main():
    bs, topic, nparts, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    sent, errors = [], []

    def on_delivery(i):
        def cb(err, msg):
            if err is not None:
                errors.append([i, err.name(), err.str()])
            else:
                sent.append([i, msg.partition(), msg.offset()])
        return cb

    producers = {}
    for p in range(nparts):
        codec = CODECS[p % len(CODECS)]
        if codec not in producers:
            producers[codec] = Producer({"bootstrap.servers": bs, "acks": "all", "enable.idempotence": True,
                                         "compression.codec": codec, "linger.ms": 5,
                                         "client.id": "ck-producer-" + codec})
    for i in range(n):
        p = i % nparts
        prod = producers[CODECS[p % len(CODECS)]]
        prod.produce(topic, key=b"k%d" % i, value=b"v%d" % i, partition=p, headers=[("h", str(i).encode())],
                     on_delivery=on_delivery(i))
        prod.poll(0)
    left = sum(prod.flush(30) for prod in producers.values())

    c = Consumer({"bootstrap.servers": bs, "group.id": "ck-assign-only", "enable.auto.commit": False,
                  "client.id": "ck-consumer"})
    c.assign([TopicPartition(topic, p, 0) for p in range(nparts)])
    consumed, consume_errors = [], []
    deadline = time.time() + 30
    while len(consumed) < n and time.time() < deadline:
        m = c.poll(1.0)
        if m is None:
            continue
        if m.error():
            consume_errors.append([m.error().name(), m.error().str()])
            continue
        consumed.append([m.partition(), m.offset(), m.key().decode(), m.value().decode(),
                         [[k, v.decode()] for k, v in (m.headers() or [])]])
    watermarks = {p: list(c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)) for p in range(nparts)}
    c.close()
    json.dump({"sent": sent, "errors": errors, "left": left, "consumed": consumed,
               "consume_errors": consume_errors, "watermarks": watermarks}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
