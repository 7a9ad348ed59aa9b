#!/usr/bin/env python3
"""Traffic for the service tests (test-services.sh).

  svcprobe.py serve NAME TCP_PORT UDP_PORT
      A backend: answers every TCP connection on TCP_PORT and every UDP
      datagram on UDP_PORT with NAME and a newline, until killed; over
      IPv4 and IPv6 where the host has IPv6.

  svcprobe.py peer TCP_PORT
      Answers every TCP connection on TCP_PORT with the address it came
      from (what a host outside the cluster sees), until killed.

  svcprobe.py tcp HOST PORT COUNT
      Opens COUNT TCP connections to HOST:PORT one after another (a fresh
      source port each) and prints, per connection, the backend's answer,
      "refused" (a TCP RST), or "timeout" (nothing within 2 s).  HOST
      may be an IPv6 address (tcp and udp).

  svcprobe.py udp HOST PORT COUNT
      Sends COUNT datagrams, each from a fresh socket, and prints the
      answer, "refused" (an ICMP port unreachable) or "timeout".

  svcprobe.py stream HOST PORT RATE SECONDS
      Sends RATE numbered datagrams a second for SECONDS to an echoer
      (such as testpmd 5tswap) from one socket, and prints "sent N
      echoed M" once the last echo had 2 s to come back.

  svcprobe.py hold HOST PORT
      One long TCP connection: every 0.1 s sends a line and reads the
      backend's answer; prints "ok N NAME" per answer, and "broken N" and
      exits when an answer does not come within 2 s or the peer closes.
"""

import socket
import sys
import threading
import time


def any_socket(kind, port):
    """A socket of type 'kind' bound to 'port' of both families, or of
    IPv4 alone where there is no IPv6."""
    try:
        s = socket.socket(socket.AF_INET6, kind)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        addr = ("::", port)
    except OSError:
        s = socket.socket(socket.AF_INET, kind)
        addr = ("0.0.0.0", port)
    if kind == socket.SOCK_STREAM:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(addr)
    return s


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def serve(name, tcp_port, udp_port):
    answer = (name + "\n").encode()

    def tcp():
        srv = any_socket(socket.SOCK_STREAM, tcp_port)
        srv.listen(128)
        while True:
            conn, _ = srv.accept()
            threading.Thread(target=talk, args=(conn,), daemon=True).start()

    def talk(conn):
        with conn:
            conn.sendall(answer)
            conn.settimeout(30)
            try:
                while conn.recv(256):
                    conn.sendall(answer)
            except OSError:
                pass

    def udp():
        srv = any_socket(socket.SOCK_DGRAM, udp_port)
        while True:
            _, peer = srv.recvfrom(2048)
            srv.sendto(answer, peer)

    threading.Thread(target=tcp, daemon=True).start()
    udp()


def peer(tcp_port):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", tcp_port))
    srv.listen(16)
    while True:
        conn, addr = srv.accept()
        with conn:
            conn.sendall((addr[0] + "\n").encode())


def tcp_once(host, port):
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect((host, port))
        data = s.recv(256)
        return data.decode().strip() or "closed"
    except ConnectionRefusedError:
        return "refused"
    except socket.timeout:
        return "timeout"
    except OSError as e:
        return "error:" + e.__class__.__name__
    finally:
        s.close()


def udp_once(host, port):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.settimeout(2)
    try:
        s.connect((host, port))
        s.send(b"hello\n")
        return s.recv(256).decode().strip()
    except ConnectionRefusedError:
        return "refused"
    except socket.timeout:
        return "timeout"
    finally:
        s.close()


def hold(host, port):
    s = socket.create_connection((host, port), timeout=2)
    f = s.makefile("r")
    n = 0
    try:
        f.readline()
        while True:
            s.sendall(b"ping\n")
            line = f.readline()
            if not line:
                break
            n += 1
            print("ok", n, line.strip(), flush=True)
            time.sleep(0.1)
    except OSError:
        pass
    print("broken", n, flush=True)


def stream(host, port, rate, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, port))
    seen = set()
    done = threading.Event()

    def receive():
        s.settimeout(0.2)
        while not done.is_set():
            try:
                seen.add(s.recv(64))
            except OSError:
                pass

    t = threading.Thread(target=receive, daemon=True)
    t.start()
    n = int(rate * seconds)
    start = time.monotonic()
    for i in range(n):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        try:
            s.send(b"seq %d" % i)
        except OSError:
            pass
    time.sleep(2)
    done.set()
    t.join()
    print("sent", n, "echoed", len(seen), flush=True)


def main():
    mode = sys.argv[1]
    if mode == "serve":
        serve(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif mode == "peer":
        peer(int(sys.argv[2]))
    elif mode in ("tcp", "udp"):
        once = tcp_once if mode == "tcp" else udp_once
        for _ in range(int(sys.argv[4])):
            print(once(sys.argv[2], int(sys.argv[3])), flush=True)
    elif mode == "stream":
        stream(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]),
               float(sys.argv[5]))
    elif mode == "hold":
        hold(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
