#!/usr/bin/env python3
"""Watches one TCP verdict change over time (bench/policy-latency).

  verdict_probe.py HOST PORT

Run inside the client pod's network namespace.  Starts a fresh TCP
connection to HOST:PORT every 2 ms (each from a new ephemeral source port,
so no conntrack entry of an earlier attempt decides it), without waiting
for earlier ones: an attempt is open when it connects (or is refused: the
network let it through) and closed when nothing answers within 50 ms.
Attempts are judged in the order they started, and a line
"TIME_NS open|closed" is printed whenever the verdict differs from the
previous attempt's (and once at the start).  TIME_NS is CLOCK_REALTIME at
the start of the attempt that saw the new verdict, so a change is dated at
most one interval late, whatever the timeout.  Runs until killed.
"""

import errno
import selectors
import socket
import sys
import time

TIMEOUT_NS = 50_000_000
INTERVAL_NS = 2_000_000


def start(sel, host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    err = s.connect_ex((host, port))
    attempt = {"sock": s, "start": time.time_ns(), "verdict": None}
    if err in (0, errno.ECONNREFUSED):
        attempt["verdict"] = "open"
        s.close()
    elif err == errno.EINPROGRESS:
        sel.register(s, selectors.EVENT_WRITE, attempt)
    else:
        attempt["verdict"] = "closed"
        s.close()
    return attempt


def settle(sel, key):
    s, attempt = key.fileobj, key.data
    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    attempt["verdict"] = "open" if err in (0, errno.ECONNREFUSED) else "closed"
    sel.unregister(s)
    s.close()


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    sel = selectors.DefaultSelector()
    pending = []
    last = None
    next_start = time.time_ns()
    while True:
        now = time.time_ns()
        if now >= next_start:
            pending.append(start(sel, host, port))
            next_start = now + INTERVAL_NS
        for key, _ in sel.select(max(0, next_start - time.time_ns()) / 1e9):
            settle(sel, key)
        now = time.time_ns()
        for attempt in pending:
            if attempt["verdict"] is None and now - attempt["start"] > TIMEOUT_NS:
                attempt["verdict"] = "closed"
                sel.unregister(attempt["sock"])
                attempt["sock"].close()
        while pending and pending[0]["verdict"] is not None:
            attempt = pending.pop(0)
            if attempt["verdict"] != last:
                print(attempt["start"], attempt["verdict"], flush=True)
                last = attempt["verdict"]


if __name__ == "__main__":
    main()
