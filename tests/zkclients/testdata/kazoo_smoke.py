#!/usr/bin/python3
"""kazoo smoke test for the Samsa coordinator.

Usage: kazoo_smoke.py HOST:PORT

Prints a deterministic transcript on stdout (no zxids, times or session ids);
the Go test compares it across server kinds. Exits non-zero on an unexpected
exception. Every wait is bounded.
"""
import sys
import threading

from kazoo.client import KazooClient
from kazoo.exceptions import (BadVersionError, NoNodeError, NodeExistsError,
                              NotEmptyError, RolledBackError)
from kazoo.protocol.states import EventType

WAIT = 10.0


def out(*args):
    print(*args, flush=True)


def stat_str(st, sid=None):
    owner = st.ephemeralOwner
    if owner == 0:
        owner_s = "0"
    elif sid is not None and owner == sid:
        owner_s = "self"
    else:
        owner_s = "other"
    return ("version=%d cversion=%d aversion=%d owner=%s dataLength=%d "
            "numChildren=%d czxid<=mzxid=%s" % (
                st.version, st.cversion, st.aversion, owner_s, st.dataLength,
                st.numChildren, st.czxid <= st.mzxid))


def result_str(r):
    if isinstance(r, Exception):
        return type(r).__name__
    if hasattr(r, "czxid"):
        return "Stat(version=%d)" % r.version
    return repr(r)


def main():
    hosts = sys.argv[1]
    zk = KazooClient(hosts=hosts, timeout=10.0)
    zk.start(timeout=WAIT)
    sid = zk.client_id[0]
    out("connected", zk.connected, "state", zk.state)

    # ensure_path and plain create / exists
    zk.ensure_path("/kz/a/b")
    out("ensure_path /kz/a/b exists:", zk.exists("/kz/a/b") is not None)
    zk.ensure_path("/kz/a/b")  # idempotent
    out("create:", zk.create("/kz/node", b"v0"))
    try:
        zk.create("/kz/node", b"again")
    except NodeExistsError:
        out("create existing: NodeExistsError")
    try:
        zk.create("/kz/missing/child", b"")
    except NoNodeError:
        out("create without parent: NoNodeError")
    out("create makepath:", zk.create("/kz/deep/er/path", b"d", makepath=True))

    # sequence and ephemeral
    out("seq:", zk.create("/kz/seq-", b"s", sequence=True))
    out("seq:", zk.create("/kz/seq-", b"s", sequence=True))
    out("eph:", zk.create("/kz/eph", b"e", ephemeral=True))
    out("eph seq:", zk.create("/kz/eseq-", b"e", ephemeral=True, sequence=True))
    _, st = zk.get("/kz/eph")
    out("eph stat:", stat_str(st, sid))
    try:
        zk.create("/kz/eph/child", b"")
    except Exception as e:  # NoChildrenForEphemeralsError
        out("child of ephemeral:", type(e).__name__)
    p, st = zk.create("/kz/withstat", b"xyz", include_data=True)
    out("create include_data:", p, stat_str(st, sid))

    # get / set with versions
    data, st = zk.get("/kz/node")
    out("get:", data, stat_str(st, sid))
    st = zk.set("/kz/node", b"v1", version=0)
    out("set v0:", stat_str(st, sid))
    try:
        zk.set("/kz/node", b"v2", version=0)
    except BadVersionError:
        out("set stale version: BadVersionError")
    st = zk.set("/kz/node", b"v2")
    out("set any:", stat_str(st, sid))
    out("get:", zk.get("/kz/node")[0])
    try:
        zk.get("/kz/nope")
    except NoNodeError:
        out("get missing: NoNodeError")
    try:
        zk.delete("/kz/node", version=7)
    except BadVersionError:
        out("delete bad version: BadVersionError")
    try:
        zk.delete("/kz/a")
    except NotEmptyError:
        out("delete non-empty: NotEmptyError")
    out("exists missing:", zk.exists("/kz/nope"))
    out("children /kz:", sorted(zk.get_children("/kz")))
    kids, st = zk.get_children("/kz", include_data=True)
    out("children include_data:", len(kids), stat_str(st, sid))

    # get_children with a watch that fires
    fired = threading.Event()
    events = []

    def child_watch(ev):
        events.append((ev.type, ev.path))
        fired.set()

    zk.get_children("/kz/a", watch=child_watch)
    zk.create("/kz/a/c", b"")
    out("child watch fired:", fired.wait(WAIT), events)

    fired2 = threading.Event()
    events2 = []

    def data_watch(ev):
        events2.append((ev.type, ev.path))
        fired2.set()

    zk.exists("/kz/later", watch=data_watch)
    zk.create("/kz/later", b"")
    out("exists watch fired:", fired2.wait(WAIT), events2)

    # transaction: committed
    t = zk.transaction()
    t.create("/kz/tx", b"t0")
    t.check("/kz/node", 2)
    t.set_data("/kz/tx", b"t1")
    t.delete("/kz/withstat")
    out("txn ok:", [result_str(r) for r in t.commit()])
    out("txn ok effects:", zk.get("/kz/tx")[0], zk.exists("/kz/withstat"))
    # transaction: fails on the check, everything rolled back
    t = zk.transaction()
    t.create("/kz/tx2", b"")
    t.check("/kz/node", 99)
    t.set_data("/kz/tx", b"t2")
    t.delete("/kz/tx")
    res = t.commit()
    out("txn fail:", [result_str(r) for r in res])
    out("txn fail effects:", zk.exists("/kz/tx2"), zk.get("/kz/tx")[0])
    t = zk.transaction()
    t.create("/kz/tx3", b"")
    t.delete("/kz/nope")
    out("txn fail 2:", [result_str(r) for r in t.commit()])

    # DataWatch / ChildrenWatch recipes
    seen_data = []
    data_cv = threading.Condition()

    @zk.DataWatch("/kz/dw")
    def watch_node(data, stat, event=None):
        with data_cv:
            seen_data.append((data, None if stat is None else stat.version,
                              None if event is None else event.type))
            data_cv.notify_all()

    def wait_len(cv, lst, n):
        with cv:
            return cv.wait_for(lambda: len(lst) >= n, WAIT)

    wait_len(data_cv, seen_data, 1)
    zk.create("/kz/dw", b"one")
    wait_len(data_cv, seen_data, 2)
    zk.set("/kz/dw", b"two")
    wait_len(data_cv, seen_data, 3)
    zk.delete("/kz/dw")
    wait_len(data_cv, seen_data, 4)
    out("DataWatch:", seen_data)

    seen_kids = []
    kids_cv = threading.Condition()
    zk.ensure_path("/kz/cw")

    @zk.ChildrenWatch("/kz/cw")
    def watch_kids(children):
        with kids_cv:
            seen_kids.append(sorted(children))
            kids_cv.notify_all()

    out("ChildrenWatch initial:", wait_len(kids_cv, seen_kids, 1) and seen_kids[0])
    zk.create("/kz/cw/x", b"")
    wait_len(kids_cv, seen_kids, 2)
    zk.create("/kz/cw/y", b"")
    wait_len(kids_cv, seen_kids, 3)
    zk.delete("/kz/cw/x")
    wait_len(kids_cv, seen_kids, 4)
    out("ChildrenWatch:", seen_kids)

    # Lock recipe between two clients
    zk2 = KazooClient(hosts=hosts, timeout=10.0)
    zk2.start(timeout=WAIT)
    lock1 = zk.Lock("/kz/lock", "client-1")
    lock2 = zk2.Lock("/kz/lock", "client-2")
    out("lock1 acquire:", lock1.acquire(timeout=WAIT))
    out("lock2 try:", lock2.acquire(blocking=False))
    got2 = threading.Event()

    def take2():
        if lock2.acquire(timeout=WAIT):
            got2.set()

    th = threading.Thread(target=take2)
    th.start()
    # wait until client-2 is queued as a contender
    for _ in range(200):
        if len(lock1.contenders()) == 2:
            break
        threading.Event().wait(0.05)
    out("contenders:", lock1.contenders())
    out("lock2 before release:", got2.is_set())
    lock1.release()
    out("lock2 after release:", got2.wait(WAIT))
    th.join(WAIT)
    out("contenders after:", lock2.contenders())
    lock2.release()
    out("contenders end:", lock1.contenders())
    zk2.stop()
    zk2.close()

    # 4lw through kazoo (envi must be whitelisted)
    ver = zk.server_version()
    out("server_version major.minor:", ver[:2])
    out("ruok:", zk.command(b"ruok"))

    # ephemerals go away with the session
    zk3 = KazooClient(hosts=hosts, timeout=10.0)
    zk3.start(timeout=WAIT)
    zk3.create("/kz/eph3", b"", ephemeral=True)
    zk3.stop()
    zk3.close()
    out("eph of closed session:", zk.exists("/kz/eph3"))

    # cleanup
    zk.delete("/kz", recursive=True)
    out("deleted /kz:", zk.exists("/kz"))
    zk.stop()
    zk.close()
    out("stopped", zk.state)


if __name__ == "__main__":
    main()
