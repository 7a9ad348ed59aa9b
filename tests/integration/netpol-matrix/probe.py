#!/usr/bin/env python3
"""Traffic for the NetworkPolicy truth table (test-netpol-matrix.sh).

  probe.py serve [--ipv6]
      In a pod's namespace: echoes TCP on ports 80 and 8080 and UDP on
      port 53, until killed; over IPv4, and with --ipv6 over IPv6 too.

  probe.py matrix --round N [--timeout S] POD=NETNS=IP[,IP6]...
      Probes every ordered pair of distinct pods on tcp/80, tcp/8080 and
      udp/53, over IPv4 and, when every pod has an IP6, over IPv6 as well,
      all at once, and prints one line per family and pair:
      "FAMILY SRC DST CELL", FAMILY being 4 or 6 (the IPv4 lines first),
      CELL three characters, one per probe in that
      order: T (tcp) or U (udp) when the echo came back within the timeout,
      '.' when nothing came back (dropped), 'x' on any other error (a
      refused connection: the network let it through but no one listened).
      Sockets are made inside each source pod's namespace (setns), so one
      process probes the whole matrix.  Each probe binds its own source
      port, derived from the round number, so a probe never reuses the
      5-tuple, and with it the conntrack entry, of a recent probe: an
      established entry would skip the policy stages.  A probe and its
      IPv6 twin share the source port (their addresses differ).

  probe.py conn HOST PORT
      A long TCP connection (HOST an IPv4 or IPv6 address): sends a line every 0.1 s and prints "ok N"
      when its echo is back, until killed; it ends after printing
      "stalled N" (no echo within 2 s) or "closed N" (the peer closed).
"""

import asyncio
import ctypes
import errno
import os
import selectors
import socket
import sys
import time

CLONE_NEWNET = 0x40000000
PROBES = (("tcp", 80, "T"), ("tcp", 8080, "T"), ("udp", 53, "U"))
# Source ports: a window below the kernel's ephemeral range (32768-60999),
# so that a bound probe never collides with a connection the kernel made.
SPORT_BASE = 10000
SPORT_SPAN = 22000


def listening(af, kind, port):
    """A socket bound to every address of its family on PORT; an IPv6 one
    is IPv6-only, so that the IPv4 one may have the same port."""
    sock = socket.socket(af, kind)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if af == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sock.bind(("0.0.0.0" if af == socket.AF_INET else "::", port))
    sock.setblocking(False)
    return sock


def serve(args):
    families = [socket.AF_INET]
    if args == ["--ipv6"]:
        families.append(socket.AF_INET6)
    elif args:
        sys.exit(__doc__)

    async def echo_stream(reader, writer):
        try:
            while True:
                data = await reader.read(4096)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    class EchoDatagram(asyncio.DatagramProtocol):
        def connection_made(self, transport):
            self.transport = transport

        def datagram_received(self, data, addr):
            self.transport.sendto(data, addr)

    async def main():
        loop = asyncio.get_running_loop()
        servers = []
        for af in families:
            for port in (80, 8080):
                sock = listening(af, socket.SOCK_STREAM, port)
                servers.append(await asyncio.start_server(echo_stream,
                                                          sock=sock))
            await loop.create_datagram_endpoint(
                EchoDatagram, sock=listening(af, socket.SOCK_DGRAM, 53))
        print("serving tcp/80 tcp/8080 udp/53 over IPv%s"
              % " and IPv".join("4" if af == socket.AF_INET else "6"
                                for af in families), flush=True)
        await asyncio.gather(*(s.serve_forever() for s in servers))

    asyncio.run(main())


class Netns:
    """Moves this (single-threaded) process between network namespaces."""

    def __init__(self):
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.home = os.open("/proc/self/ns/net", os.O_RDONLY)

    def _set(self, fd):
        if self.libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))

    def enter(self, name):
        fd = os.open("/run/netns/" + name, os.O_RDONLY)
        try:
            self._set(fd)
        finally:
            os.close(fd)

    def leave(self):
        self._set(self.home)


class Probe:
    def __init__(self, family, src, dst, index, proto, ip, port, sport):
        self.family, self.src, self.dst, self.index = family, src, dst, index
        self.proto, self.ip, self.port = proto, ip, port
        self.payload = ("probe %s %s %s/%d ipv%d\n"
                        % (src, dst, proto, port, family)).encode()
        self.verdict = "."
        self.done = False
        kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
        af = socket.AF_INET if family == 4 else socket.AF_INET6
        self.sock = socket.socket(af, kind)
        self.sock.setblocking(False)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == 6:
            # So that the IPv4 twin may bind the same port.
            self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        self.sock.bind(("0.0.0.0" if family == 4 else "::", sport))
        self.got = b""

    def start(self, sel):
        if self.proto == "udp":
            self.sock.sendto(self.payload, (self.ip, self.port))
            sel.register(self.sock, selectors.EVENT_READ, self)
            return
        rc = self.sock.connect_ex((self.ip, self.port))
        if rc not in (0, errno.EINPROGRESS):
            self.finish(sel, "x", registered=False)
            return
        sel.register(self.sock, selectors.EVENT_WRITE, self)

    def event(self, sel, mask):
        if self.proto == "udp":
            try:
                data = self.sock.recv(4096)
            except OSError:
                data = None
            self.finish(sel, "U" if data == self.payload else "x")
            return
        if mask & selectors.EVENT_WRITE:
            err = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                self.finish(sel, "x")
                return
            self.sock.send(self.payload)
            sel.modify(self.sock, selectors.EVENT_READ, self)
            return
        try:
            data = self.sock.recv(4096)
        except OSError:
            self.finish(sel, "x")
            return
        self.got += data
        if not data:
            self.finish(sel, "x")
        elif self.got == self.payload:
            self.finish(sel, "T")

    def finish(self, sel, verdict, registered=True):
        self.verdict = verdict
        self.done = True
        if registered:
            sel.unregister(self.sock)
        self.sock.close()


def matrix(args):
    rnd, timeout, pods = 0, 1.0, []
    while args:
        a = args.pop(0)
        if a == "--round":
            rnd = int(args.pop(0))
        elif a == "--timeout":
            timeout = float(args.pop(0))
        else:
            name, netns, ips = a.split("=")
            pods.append((name, netns, ips.split(",")))
    families = (4, 6) if all(len(ips) == 2 for _, _, ips in pods) else (4,)

    ns = Netns()
    sel = selectors.DefaultSelector()
    probes = []
    per_source = (len(pods) - 1) * len(PROBES)
    try:
        for src, netns, _ in pods:
            ns.enter(netns)
            n = 0
            for dst, _, ips in pods:
                if dst == src:
                    continue
                for index, (proto, port, _) in enumerate(PROBES):
                    sport = SPORT_BASE + (rnd * per_source + n) % SPORT_SPAN
                    n += 1
                    for i, family in enumerate(families):
                        probes.append(Probe(family, src, dst, index, proto,
                                            ips[i], port, sport))
    finally:
        ns.leave()

    for p in probes:
        p.start(sel)
    deadline = time.monotonic() + timeout
    while any(not p.done for p in probes):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        for key, mask in sel.select(left):
            key.data.event(sel, mask)
    for p in probes:
        if not p.done:
            p.sock.close()

    cells = {}
    for p in probes:
        cell = cells.setdefault((p.family, p.src, p.dst), ["."] * len(PROBES))
        cell[p.index] = p.verdict
    for family in families:
        for src, _, _ in pods:
            for dst, _, _ in pods:
                if dst != src:
                    print(family, src, dst,
                          "".join(cells[(family, src, dst)]))


def conn(host, port):
    sock = socket.create_connection((host, int(port)), timeout=2)
    sock.settimeout(2)
    n = 0
    while True:
        n += 1
        line = ("%d\n" % n).encode()
        sock.sendall(line)
        got = b""
        try:
            while len(got) < len(line):
                data = sock.recv(len(line) - len(got))
                if not data:
                    print("closed %d" % n, flush=True)
                    return
                got += data
        except socket.timeout:
            print("stalled %d" % n, flush=True)
            return
        print("ok %d" % n, flush=True)
        time.sleep(0.1)


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "serve":
        serve(sys.argv[2:])
    elif len(sys.argv) >= 2 and sys.argv[1] == "matrix":
        matrix(sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "conn":
        conn(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
