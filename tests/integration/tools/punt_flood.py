#!/usr/bin/env python3
"""Floods a router's port with frames for the router itself, of the kinds
its punt policer tells apart: ARP requests for its address, IPv6 neighbour
solicitations to a solicited-node group, and UDP to the LDP port (646),
at RATE frames a second of each kind, for a number of seconds.

usage: punt_flood.py IFACE ROUTER_MAC ROUTER_IPV4 SECONDS RATE
prints the number of frames sent, by kind, as JSON."""
import json
import socket
import struct
import sys
import time


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def main():
    iface, router_mac, router_ip, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    rate = float(sys.argv[5])
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    own = sock.getsockname()[4][:6]
    router = bytes(int(b, 16) for b in router_mac.split(":"))
    own_ip, target = socket.inet_aton("10.77.0.2"), socket.inet_aton(router_ip)
    arp = (b"\xff" * 6 + own + b"\x08\x06" +
           struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + own + own_ip + b"\0" * 6 + target)
    udp_payload = b"\0" * 20
    udp = struct.pack("!HHHH", 646, 646, 8 + len(udp_payload), 0) + udp_payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 1, 17, 0, own_ip, target)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    ldp = router + own + b"\x08\x00" + ip + udp
    source6 = socket.inet_pton(socket.AF_INET6, "fe80::2")
    group = socket.inet_pton(socket.AF_INET6, "ff02::1:ff00:1")
    solicitation = struct.pack("!BBHI", 135, 0, 0, 0) + socket.inet_pton(socket.AF_INET6, "fe80::1")
    pseudo = source6 + group + struct.pack("!I3xB", len(solicitation), 58) + solicitation
    solicitation = solicitation[:2] + struct.pack("!H", checksum(pseudo)) + solicitation[4:]
    nd = (b"\x33\x33\xff\x00\x00\x01" + own + b"\x86\xdd" +
          struct.pack("!IHBB", 0x60000000, len(solicitation), 58, 255) + source6 + group + solicitation)
    sent = {"arp": 0, "nd": 0, "ldp": 0}
    start = time.time()
    while time.time() < start + seconds:
        # Bursts of 100 of each kind, paced to the rate.
        for _ in range(100):
            sock.send(arp)
            sock.send(nd)
            sock.send(ldp)
        for kind in sent:
            sent[kind] += 100
        ahead = start + sent["arp"] / rate - time.time()
        if ahead > 0:
            time.sleep(ahead)
    print(json.dumps(sent))


if __name__ == "__main__":
    main()
