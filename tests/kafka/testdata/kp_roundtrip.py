#!/usr/bin/python3
"""kafka-python KafkaProducer -> KafkaConsumer (assign + seek, no group).

usage: kp_roundtrip.py BOOTSTRAP TOPIC PARTITIONS N

Sends N records (key k<i>, value v<i>, header h=<i>, timestamp
TS0 + 1000 i) round-robin over the partitions with acks=all; partition 1
(if any) uses a gzip producer. Then a consumer without a group assigns
every partition, seeks to the beginning and reads everything back, seeks
partition 0 to offset 2 and reads one record, and looks up offsets by
timestamp (ListOffsets). Prints one JSON object (see main).
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

TS0 = 1600000000000


def main():
    bs, topic, nparts, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    plain = KafkaProducer(bootstrap_servers=bs, acks="all", retries=5, linger_ms=5, client_id="kp-producer")
    gz = KafkaProducer(bootstrap_servers=bs, acks="all", retries=5, linger_ms=5, compression_type="gzip",
                       client_id="kp-producer-gzip")
    futures = []
    for i in range(n):
        p = i % nparts
        prod = gz if p == 1 else plain
        futures.append((i, prod.send(topic, key=b"k%d" % i, value=b"v%d" % i, partition=p,
                                     headers=[("h", str(i).encode())], timestamp_ms=TS0 + 1000 * i)))
    plain.flush(30)
    gz.flush(30)
    sent = []
    errors = []
    for i, f in futures:
        try:
            md = f.get(timeout=30)
            sent.append([i, md.partition, md.offset])
        except Exception as e:  # noqa: BLE001 - reported to the Go test
            errors.append([i, repr(e)])
    plain.close()
    gz.close()

    c = KafkaConsumer(bootstrap_servers=bs, group_id=None, enable_auto_commit=False,
                      consumer_timeout_ms=10000, client_id="kp-consumer")
    tps = [TopicPartition(topic, p) for p in range(nparts)]
    c.assign(tps)
    beginning = {tp.partition: o for tp, o in c.beginning_offsets(tps).items()}
    end = {tp.partition: o for tp, o in c.end_offsets(tps).items()}
    c.seek_to_beginning()
    consumed = []
    deadline = time.time() + 30
    while len(consumed) < n and time.time() < deadline:
        for tp, msgs in c.poll(timeout_ms=1000).items():
            for m in msgs:
                consumed.append([m.partition, m.offset, m.key.decode(), m.value.decode(),
                                 [[k, v.decode()] for k, v in m.headers], m.timestamp])
    c.seek(TopicPartition(topic, 0), 2)
    seek = None
    deadline = time.time() + 10
    while seek is None and time.time() < deadline:
        for tp, msgs in c.poll(timeout_ms=1000, max_records=1).items():
            m = msgs[0]
            seek = [m.partition, m.offset, m.value.decode()]
    # Partition 0 holds records 0, N, 2N, ... (N = partitions): the first
    # with a timestamp >= TS0 + 1000 * (2 * nparts) - 500 is at offset 2.
    tp0 = TopicPartition(topic, 0)
    times = {}
    for name, ts in (("before_all", TS0 - 1), ("middle", TS0 + 1000 * 2 * nparts - 500), ("after_all", TS0 + 1000 * n)):
        r = c.offsets_for_times({tp0: ts})[tp0]
        times[name] = None if r is None else [r.offset, r.timestamp]
    c.close()
    json.dump({"sent": sent, "errors": errors, "beginning": beginning, "end": end,
               "consumed": consumed, "seek": seek, "times": times}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
