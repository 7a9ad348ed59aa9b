#!/usr/bin/env python3
"""Holds many TCP connections open, for bench/flow-export.

  conn_hold.py serve PORT            accepts and keeps every connection
  conn_hold.py open IP PORT N FILE   opens N connections to IP:PORT, writes
                                     "open N" to FILE once all are
                                     established, and keeps them until
                                     killed
"""
import resource
import selectors
import socket
import sys
import time


def raise_fd_limit(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(max(soft, n + 64), hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def serve(port):
    raise_fd_limit(1 << 17)
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("0.0.0.0", port))
    lsock.listen(4096)
    held = []
    while True:
        conn, _ = lsock.accept()
        held.append(conn)


def open_all(ip, port, n, path):
    raise_fd_limit(n)
    sel = selectors.DefaultSelector()
    pending = 0
    socks = []
    started = 0
    # A few hundred handshakes in flight at once: the listen backlog and
    # the switch's upcalls keep up.
    while started < n or pending:
        while started < n and pending < 256:
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex((ip, port))
            sel.register(s, selectors.EVENT_WRITE)
            socks.append(s)
            pending += 1
            started += 1
        for key, _ in sel.select(timeout=5):
            err = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                sys.exit("connect: error %d" % err)
            sel.unregister(key.fileobj)
            pending -= 1
    with open(path, "w") as f:
        f.write("open %d\n" % len(socks))
    while True:
        time.sleep(3600)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    elif len(sys.argv) == 6 and sys.argv[1] == "open":
        open_all(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
