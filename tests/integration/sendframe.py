#!/usr/bin/env python3
"""Crafted Ethernet frames for the SpoofGuard test, and a UDP counter.

  sendframe.py udp IFNAME SRC_MAC DST_MAC SRC_IP DST_IP DPORT COUNT [TAG]
      COUNT IPv4/UDP frames written on IFNAME with an AF_PACKET raw socket,
      exactly as given (no kernel routing or neighbour lookup), payload
      "TAG i".
  sendframe.py arp IFNAME ETH_SRC SENDER_MAC SENDER_IP TARGET_IP COUNT WAIT_S
      COUNT ARP requests, then listens WAIT_S seconds and prints how many
      ARP replies for TARGET_IP came back to SENDER_MAC.
  sendframe.py na IFNAME TARGET MAC DST COUNT
      COUNT unsolicited IPv6 neighbour advertisements (override flag set)
      saying that TARGET is at MAC, sent to DST through IFNAME.
  sendframe.py ra IFNAME DST COUNT
      COUNT IPv6 router advertisements (a default router for 1800 s and the
      autonomous prefix 2001:db8:bad::/64), sent to DST through IFNAME.
  sendframe.py udp-count PORT TIMEOUT_S
      counts UDP datagrams on PORT by TAG until one tagged "end" arrives (or
      TIMEOUT_S passes) and prints the counts as JSON.
"""
import json
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_frame(src_mac, dst_mac, src_ip, dst_ip, sport, dport, payload):
    src = socket.inet_aton(src_ip)
    dst = socket.inet_aton(dst_ip)
    udp_len = 8 + len(payload)
    pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_UDP, udp_len)
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
    csum = checksum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0x4000, 64,
                     socket.IPPROTO_UDP, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = mac_bytes(dst_mac) + mac_bytes(src_mac) + struct.pack("!H", ETH_P_IP)
    return eth + ip + udp


def arp_request(eth_src, sender_mac, sender_ip, target_ip):
    eth = b"\xff" * 6 + mac_bytes(eth_src) + struct.pack("!H", ETH_P_ARP)
    arp = struct.pack("!HHBBH6s4s6s4s", 1, ETH_P_IP, 6, 4, 1,
                      mac_bytes(sender_mac), socket.inet_aton(sender_ip),
                      b"\0" * 6, socket.inet_aton(target_ip))
    return eth + arp


def raw_socket(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifname, 0))
    return s


def cmd_udp(ifname, src_mac, dst_mac, src_ip, dst_ip, dport, count, tag="x"):
    s = raw_socket(ifname)
    for i in range(int(count)):
        s.send(udp_frame(src_mac, dst_mac, src_ip, dst_ip, 40000, int(dport),
                         ("%s %d" % (tag, i)).encode()))
    return 0


def cmd_arp(ifname, eth_src, sender_mac, sender_ip, target_ip, count, wait_s):
    s = raw_socket(ifname)
    frame = arp_request(eth_src, sender_mac, sender_ip, target_ip)
    for _ in range(int(count)):
        s.send(frame)
    replies = 0
    want_spa = socket.inet_aton(target_ip)
    want_tha = mac_bytes(sender_mac)
    deadline = time.monotonic() + float(wait_s)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data, addr = s.recvfrom(2048)
        except socket.timeout:
            break
        if addr[2] == socket.PACKET_OUTGOING or len(data) < 42:
            continue
        if struct.unpack("!H", data[12:14])[0] != ETH_P_ARP:
            continue
        op, sha, spa, tha = struct.unpack("!6xH6s4s6s4x", data[14:42])
        if op == 2 and spa == want_spa and tha == want_tha:
            replies += 1
    print(replies)
    return 0


def cmd_udp_count(port, timeout_s):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(port)))
    print("listening", file=sys.stderr, flush=True)
    counts = {}
    deadline = time.monotonic() + float(timeout_s)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data = s.recv(2048)
        except socket.timeout:
            break
        tag = data.split(b" ")[0].decode(errors="replace")
        counts[tag] = counts.get(tag, 0) + 1
        if tag == "end":
            break
    print(json.dumps(counts, sort_keys=True), flush=True)
    return 0


def send_icmp6(ifname, dst, message, count):
    """Neighbour discovery as the kernel would send it: hop limit 255, the
    checksum filled in by the kernel (raw ICMPv6 sockets always do)."""
    sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW,
                         socket.IPPROTO_ICMPV6)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
    # The sender's own stack must not take its own forgery to heart.
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE,
                    ifname.encode())
    index = socket.if_nametoindex(ifname)
    for _ in range(int(count)):
        sock.sendto(message, (dst, 0, 0, index))
    return 0


def cmd_na(ifname, target, mac, dst, count):
    message = (struct.pack("!BBHI", 136, 0, 0, 0x20000000)
               + socket.inet_pton(socket.AF_INET6, target)
               + struct.pack("!BB", 2, 1) + mac_bytes(mac))
    return send_icmp6(ifname, dst, message, count)


def cmd_ra(ifname, dst, count):
    prefix = (struct.pack("!BBBBIII", 3, 4, 64, 0xc0, 86400, 14400, 0)
              + socket.inet_pton(socket.AF_INET6, "2001:db8:bad::"))
    message = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0) + prefix
    return send_icmp6(ifname, dst, message, count)


COMMANDS = {"udp": cmd_udp, "arp": cmd_arp, "udp-count": cmd_udp_count,
            "na": cmd_na, "ra": cmd_ra}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    sys.exit(COMMANDS[sys.argv[1]](*sys.argv[2:]))
