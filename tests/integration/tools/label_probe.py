#!/usr/bin/env python3
"""Sends labelled frames to a router on one interface and reports the
labelled frames that come back on it, as a host on a core link would see
them (every frame the veth delivers, whoever it is addressed to).

usage: label_probe.py IFACE ROUTER_MAC LABEL COUNT [LISTEN_SECONDS]
prints one JSON object: {"sent": N, "received": [{"dst": MAC, "label": L}, ...]}
"""
import json
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_MPLS = 0x8847


def mac_bytes(text):
    return bytes(int(part, 16) for part in text.split(":"))


def mac_text(raw):
    return ":".join(f"{b:02x}" for b in raw)


def ipv4_packet():
    payload = bytes(range(32))
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, 17, 0,
                         bytes([100, 64, 0, 1]), bytes([198, 51, 100, 7]))
    checksum = 0
    for i in range(0, 20, 2):
        checksum += (header[i] << 8) | header[i + 1]
    while checksum >> 16:
        checksum = (checksum & 0xFFFF) + (checksum >> 16)
    header = header[:10] + struct.pack("!H", ~checksum & 0xFFFF) + header[12:]
    return header + payload


def main():
    iface, router_mac, label, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    listen = float(sys.argv[5]) if len(sys.argv) > 5 else 1.0
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((iface, 0))
    own = sock.getsockname()[4][:6]
    entry = struct.pack("!I", (label << 12) | (1 << 8) | 64)
    frame = mac_bytes(router_mac) + own + struct.pack("!H", ETH_P_MPLS) + entry + ipv4_packet()
    for _ in range(count):
        sock.send(frame)
        time.sleep(0.002)
    received = []
    sock.settimeout(0.1)
    deadline = time.time() + listen
    while time.time() < deadline:
        try:
            data, address = sock.recvfrom(2048)
        except socket.timeout:
            continue
        if address[2] == socket.PACKET_OUTGOING or len(data) < 18:
            continue
        if struct.unpack("!H", data[12:14])[0] != ETH_P_MPLS:
            continue
        received.append({"dst": mac_text(data[0:6]), "label": struct.unpack("!I", data[14:18])[0] >> 12})
    print(json.dumps({"sent": count, "received": received}))


if __name__ == "__main__":
    main()
