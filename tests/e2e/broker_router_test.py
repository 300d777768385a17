#!/usr/bin/env python3
"""aggrd and aggr-broker together, with frames on real (veth) links: a
borrower's device asks the broker for bandwidth; the broker grants it from a
donor it has measured through aggrd's reports; aggrd follows the instruction
by long poll and enforces it: the borrower's packets on the donor's line go
to the borrower's ISP (byte for byte), its downstream excess leaves over the
donor's line; aggrd counts them under the contract and reports them; after
the cancellation the ledger holds exactly the bytes aggrd counted, and the
postings balance. Under a steady stream of the borrower's packets, aggrd,
the broker and both are killed (SIGKILL) at random moments and started
again, many times: the ledger then holds exactly what aggrd reported and
the broker acknowledged in each of aggrd's counter epochs (seen by a proxy
between the two), never more than aggrd forwarded. Then the broker is
killed for good: the lease ends in aggrd by itself and the donor's line
refuses the borrower's packets again, while the subscribers' own traffic
goes on.

usage: broker_router_test.py BUILD_DIR   (as root)"""
import http.client
import http.server
import itertools
import json
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "netlab"))
from netlab import sh, wait_until  # noqa: E402

BUILD_DIR = None
TAG = str(os.getpid() % 10000)
ACCESS, ACCESS_PEER, CORE, CORE_PEER = f"bra{TAG}", f"brap{TAG}", f"brc{TAG}", f"brcp{TAG}"
ACCESS_MAC, CORE_MAC, RED_NEXT_HOP = "02:00:00:00:a0:00", "02:00:00:00:c0:00", "02:00:00:00:ff:01"
BORROWER_MAC, DONOR_MAC = "02:00:00:01:00:01", "02:00:00:01:00:02"
RED_LABEL, GREEN_LABEL, DOWN_LABEL = 1001, 2002, 100
TOKENS = {"router": "brt-router-token-0123456789", "device": "brt-device-token-0123456789",
          "operator": "brt-operator-token-012345678", "management": "brt-management-token-0123456"}
BROKER_PORT, MGMT_PORT, METRICS_PORT = 21000 + os.getpid() % 2000, 23000 + os.getpid() % 2000, 25000 + os.getpid() % 2000
PROXY_PORT = 27000 + os.getpid() % 2000
LEASE_S = 4
PACKET_OUTGOING = 4
SOL_PACKET, PACKET_AUXDATA = 263, 8
TP_STATUS_VLAN_VALID, TP_STATUS_VLAN_TPID_VALID = 0x10, 0x40


def mac(text):
    return bytes(int(b, 16) for b in text.split(":"))


def checksum(data):
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ipv4(src, dst, payload_len, ttl=64, ident=0):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, ident, 0, ttl, 17, 0,
                         socket.inet_aton(src), socket.inet_aton(dst))
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + bytes((ident + i) & 0xFF for i in range(payload_len))


def with_ttl(packet, ttl):
    header = bytearray(packet[:20])
    header[8] = ttl
    header[10:12] = b"\0\0"
    header[10:12] = struct.pack("!H", checksum(bytes(header)))
    return bytes(header) + packet[20:]


def line_frame(dst, src, tags, packet):
    """Ethernet with the line's tags: (S, C) QinQ, (S,) one 802.1Q tag."""
    frame = mac(dst) + mac(src)
    if len(tags) == 2:
        frame += struct.pack("!HHHH", 0x88A8, tags[0], 0x8100, tags[1])
    elif tags:
        frame += struct.pack("!HH", 0x8100, tags[0])
    return frame + b"\x08\x00" + packet


def mpls_frame(dst, src, label, ttl, packet):
    return mac(dst) + mac(src) + b"\x88\x47" + struct.pack("!I", label << 12 | 1 << 8 | ttl) + packet


class Http:
    def __init__(self, port, token=None):
        self.base, self.token = f"http://127.0.0.1:{port}", token

    def call(self, method, path, body=None, token=None, key=None):
        headers = {"Content-Type": "application/json"}
        if token or self.token:
            headers["Authorization"] = "Bearer " + (token or self.token)
        if key:
            headers["Idempotency-Key"] = key
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")


class RecordingProxy:
    """Between aggrd and the broker: forwards every request and records each
    report aggrd sent with what became of it: the broker's status, or None
    when the broker died with it in hand (committed or not)."""

    def __init__(self, port, upstream_port):
        self.reports, self.lock = [], threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                status, reply, kind = None, b"", "application/json"
                try:
                    upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    status, reply, kind = answer.status, answer.read(), answer.getheader("Content-Type", kind)
                    upstream.close()
                except (OSError, http.client.HTTPException):
                    pass
                if self.command == "POST" and self.path == "/v1/reports":
                    with proxy.lock:
                        proxy.reports.append((json.loads(body), status))
                try:
                    self.send_response(status or 502)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except OSError:
                    self.close_connection = True  # aggrd was killed waiting for it

            do_GET = do_POST = do_PUT = do_DELETE = forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def acknowledged_totals(self, contract):
        """The totals the ledger may hold for the contract: per aggrd counter
        epoch, the counts of the last report the broker answered, or of a
        later one it died with (committed or not); summed over the epochs."""
        with self.lock:
            reports = list(self.reports)
        epochs = {}
        for body, status in reports:
            for r in body.get("contracts", []):
                if r["contract"] == contract:
                    epochs.setdefault(r["epoch"], []).append((r["sequence"], r["up_bytes"] + r["down_bytes"], status))
        options = []
        for readings in epochs.values():
            answered = [r for r in readings if r[2] == 200]
            last = max(answered, default=(0, 0, 200))
            options.append({last[1]} | {r[1] for r in readings if r[2] is None and r[0] > last[0]})
        return {sum(choice) for choice in itertools.product(*options)}, len(epochs)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class BrokerRouterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="aggr-brt-")
        cls.processes = []
        for name, token in TOKENS.items():
            with open(os.path.join(cls.work, f"{name}.token"), "w") as f:
                f.write(token + "\n")
        for a, b in ((ACCESS, ACCESS_PEER), (CORE, CORE_PEER)):
            sh(f"ip link add {a} type veth peer name {b}")
            for end in (a, b):
                sh(f"sysctl -qw net.ipv6.conf.{end}.disable_ipv6=1")
                # Tags stay in the frames the sockets read.
                sh(f"ethtool -K {end} rxvlan off txvlan off rx-vlan-stag-hw-parse off tx-vlan-stag-hw-insert off",
                   check=False)
                sh(f"ip link set {end} up")
        cls.write_configs()
        cls.proxy = RecordingProxy(PROXY_PORT, BROKER_PORT)
        cls.broker = cls.start([os.path.join(BUILD_DIR, "aggr-broker"), "--config", cls.broker_config], "broker")
        cls.broker_http = Http(BROKER_PORT)
        assert wait_until(lambda: cls.reachable(cls.broker_http, "/v1/balances", TOKENS["operator"]), 20)
        cls.aggrd = cls.start([os.path.join(BUILD_DIR, "aggrd"), "--config", cls.router_config], "aggrd")
        cls.router_http = Http(MGMT_PORT, TOKENS["management"])
        assert wait_until(lambda: cls.reachable(cls.router_http, "/v1/status"), 60), cls.log("aggrd")
        cls.access = cls.raw_socket(ACCESS_PEER)
        cls.core = cls.raw_socket(CORE_PEER)

    @classmethod
    def tearDownClass(cls):
        for p in cls.processes:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
        if getattr(cls, "proxy", None):
            cls.proxy.close()
        for s in (getattr(cls, "access", None), getattr(cls, "core", None)):
            if s:
                s.close()
        for a in (ACCESS, CORE):
            sh(f"ip link del {a}", check=False)
        if os.environ.get("KEEP_WORK"):
            print("work directory kept:", cls.work)
        else:
            shutil.rmtree(cls.work, ignore_errors=True)

    @classmethod
    def write_configs(cls):
        cls.broker_config = os.path.join(cls.work, "broker.yaml")
        with open(cls.broker_config, "w") as f:
            f.write(f"""listen: 127.0.0.1:{BROKER_PORT}
database: sqlite:broker.db
callers:
  - {{name: headend, role: router, router: headend, token_file: router.token}}
  - {{name: cpe-sub1, role: device, subscriber: "1", token_file: device.token}}
  - {{name: noc, role: operator, token_file: operator.token}}
lines:
  - {{subscriber: "1", router: headend, down: 1Mbit, up: 1Mbit}}
  - {{subscriber: "2", router: headend, down: 10Mbit, up: 10Mbit}}
third_links: [["1", "2"]]
sharing: {{lease: {LEASE_S}s, notice: 2s, price_per_gb: 1000000000, fee: 0.1}}
""")
        cls.router_config = os.path.join(cls.work, "aggrd.yaml")
        with open(cls.router_config, "w") as f:
            f.write(f"""router: {{name: brt-headend, role: headend}}
eal: {{args: [--no-huge, -m, "256", --no-pci, --file-prefix=brt{TAG}, --log-level=lib.eal:warning]}}
workers: {{lcores: [1], idle_polls: 64, idle_sleep_us: 200}}
management: {{listen: "127.0.0.1:{MGMT_PORT}", token_file: management.token}}
metrics: {{listen: "127.0.0.1:{METRICS_PORT}"}}
broker: {{server: "127.0.0.1:{PROXY_PORT}", router: headend, token_file: router.token, report_interval_ms: 500}}
ports:
  - {{name: access0, role: access, device: "net_af_packet0,iface={ACCESS}", mac: "{ACCESS_MAC}"}}
  - {{name: core0, role: core, device: "net_af_packet1,iface={CORE}", mac: "{CORE_MAC}"}}
isps:
  - {{id: 1, name: red, labels: [{RED_LABEL}], next_hop: {{port: core0, mac: "{RED_NEXT_HOP}"}}}}
  - {{id: 2, name: green, labels: [{GREEN_LABEL}], next_hop: {{port: core0, mac: "{RED_NEXT_HOP}"}}}}
local_labels: [{{label: {DOWN_LABEL}, action: pop-to-subscriber}}]
subscribers:
  - {{id: 1, isp: red, line: {{port: access0, svlan: 10, cvlan: 1}}, cpe_mac: "{BORROWER_MAC}",
     addresses: [100.64.0.1/32], rate: {{up: 1Mbit, down: 1Mbit}}}}
  - {{id: 2, isp: green, line: {{port: access0, svlan: 20}}, cpe_mac: "{DONOR_MAC}",
     addresses: [100.64.0.8/29], rate: {{up: 10Mbit, down: 10Mbit}}}}
""")

    @classmethod
    def start(cls, argv, name):
        with open(os.path.join(cls.work, name + ".log"), "w") as log:
            p = subprocess.Popen(argv, cwd=cls.work, stdout=log, stderr=subprocess.STDOUT)
        cls.processes.append(p)
        return p

    @classmethod
    def log(cls, name):
        with open(os.path.join(cls.work, name + ".log")) as f:
            return f.read()[-4000:]

    @staticmethod
    def reachable(http, path, token=None):
        try:
            return http.call("GET", path, token=token)[0] == 200
        except OSError:
            return False

    @staticmethod
    def raw_socket(interface):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        # The kernel takes a received frame's outer tag off into metadata;
        # the auxiliary data gives it back.
        s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        s.bind((interface, 0))
        s.settimeout(0.05)
        return s

    @staticmethod
    def receive(s):
        """A frame as it was on the wire (its outer tag put back) and its address."""
        frame, ancillary, _, address = s.recvmsg(65535, socket.CMSG_SPACE(32))
        for level, kind, data in ancillary:
            if level != SOL_PACKET or kind != PACKET_AUXDATA or len(data) < 20:
                continue
            status, _, _, _, _, tci, tpid = struct.unpack("=IIIHHHH", data[:20])
            if status & TP_STATUS_VLAN_VALID:
                tpid = tpid if status & TP_STATUS_VLAN_TPID_VALID else 0x8100
                frame = frame[:12] + struct.pack("!HH", tpid, tci) + frame[12:]
        return frame, address

    def drain(self, s):
        while True:
            try:
                self.receive(s)
            except socket.timeout:
                return

    def exchange(self, send_on, frames, read_on, quiet=0.5):
        """Sends the frames; returns the frames read_on received (not its own) until it is quiet."""
        self.drain(read_on)
        for f in frames:
            send_on.send(f)
        received, last = [], time.time()
        while time.time() - last < quiet:
            try:
                frame, address = self.receive(read_on)
            except socket.timeout:
                continue
            if address[4] != PACKET_OUTGOING and len(frame) > 14:
                received.append(frame)
                last = time.time()
        return received

    def redirects(self):
        status, body = self.router_http.call("GET", "/v1/redirects")
        self.assertEqual(status, 200)
        return body

    def borrower_upstream(self, count, size=1000):
        """The borrower's packets, sent on the donor's line, and each as the red ISP must get it."""
        sent, expected = [], []
        for i in range(count):
            packet = ipv4("100.64.0.1", "198.51.100.7", size - 20, ttl=64, ident=i)
            sent.append(line_frame(ACCESS_MAC, BORROWER_MAC, (20,), packet))
            expected.append(mpls_frame(RED_NEXT_HOP, CORE_MAC, RED_LABEL, 63, with_ttl(packet, 63)))
        return sent, expected

    def test_a_contract_from_grant_to_balanced_ledger(self):
        # The donor is measured once aggrd has reported twice.
        self.wait_for_measured_donor()

        # Without a contract, the borrower's packets on the donor's line are spoofed.
        sent, expected = self.borrower_upstream(4)
        self.assertEqual([f for f in self.exchange(self.access, sent, self.core) if f[12:14] == b"\x88\x47"], [])

        asked = time.time()
        status, grant = self.broker_http.call("POST", "/v1/grants", {
            "subscriber": "1", "min_bps": 1000000, "desired_bps": 2000000, "direction": "both", "duration_s": 600},
            token=TOKENS["device"], key="grant-1")
        self.assertEqual(status, 201, grant)
        contract = grant["id"]
        number = int(contract[1:])
        self.assertTrue(wait_until(lambda: any(r["contract"] == number for r in self.redirects()), 10),
                        self.log("aggrd"))
        print(f"grant to redirect in force at aggrd: {(time.time() - asked) * 1000:.0f} ms")
        redirect = next(r for r in self.redirects() if r["contract"] == number)
        self.assertEqual((redirect["borrower"], redirect["donor"], redirect["source"]), (1, 2, "broker"))
        self.assertEqual(redirect["rate"], {"up": 2000000, "down": 2000000})
        self.assertTrue(wait_until(lambda: self.broker_http.call(
            "GET", f"/v1/contracts/{contract}", token=TOKENS["operator"])[1]["state"] == "active", 10))

        # Upstream: every one of them reaches the borrower's ISP, byte for byte.
        sent, expected = self.borrower_upstream(8)
        got = [f for f in self.exchange(self.access, sent, self.core) if f[12:14] == b"\x88\x47"]
        self.assertEqual(got, expected)

        # Downstream: beyond the borrower's plan, over the donor's line.
        down_sent, borrower_line, donor_line = [], [], []
        for i in range(40):
            packet = ipv4("198.51.100.7", "100.64.0.1", 980, ttl=64, ident=i)
            down_sent.append(mpls_frame(CORE_MAC, RED_NEXT_HOP, DOWN_LABEL, 64, packet))
            out = with_ttl(packet, 63)
            borrower_line.append(line_frame(BORROWER_MAC, ACCESS_MAC, (10, 1), out))
            donor_line.append(line_frame(DONOR_MAC, ACCESS_MAC, (20,), out))
        got = self.exchange(self.core, down_sent, self.access)
        on_borrower = [f for f in got if f in borrower_line]
        on_donor = [f for f in got if f in donor_line]
        self.assertEqual(len(on_borrower) + len(on_donor), len(got),
                         f"every frame on one of the two lines: {got[0][:40].hex()} vs {borrower_line[0][:40].hex()}")
        self.assertGreater(len(on_borrower), 0)
        self.assertGreater(len(on_donor), 0)
        print(f"downstream burst of 40: {len(on_borrower)} on the borrower's line, {len(on_donor)} over the donor's")

        redirect = next(r for r in self.redirects() if r["contract"] == number)
        self.assertEqual(redirect["carried"]["up"], {"packets": 8, "bytes": 8 * 1000})
        self.assertEqual(redirect["carried"]["down"], {"packets": len(on_donor), "bytes": len(on_donor) * 1000})
        with urllib.request.urlopen(f"http://127.0.0.1:{METRICS_PORT}/metrics", timeout=10) as r:
            metrics = r.read().decode()
        series = f'aggr_contract_bytes_total{{contract="{number}",borrower="1",donor="2",direction="upstream"}} 8000'
        self.assertIn(series, metrics)
        shown = subprocess.run([os.path.join(BUILD_DIR, "aggrctl"), "--api", f"127.0.0.1:{MGMT_PORT}", "show",
                                "redirects"], check=True, capture_output=True, text=True).stdout
        self.assertRegex(shown, rf"\n +{number} +1 +2 +2000000 +2000000 +interruptible .* broker +8000 B +{len(on_donor) * 1000} B")

        # The borrower cancels; aggrd removes the redirect and reports its last reading.
        status, body = self.broker_http.call("POST", f"/v1/contracts/{contract}/cancel", {},
                                             token=TOKENS["device"], key="cancel-1")
        self.assertEqual(status, 200, body)
        self.assertTrue(wait_until(lambda: not any(r["contract"] == number for r in self.redirects()), 10))
        self.assertTrue(wait_until(lambda: self.broker_http.call(
            "GET", f"/v1/contracts/{contract}", token=TOKENS["operator"])[1]["state"] == "closed", 10),
            self.log("broker"))
        usage = self.broker_http.call("GET", f"/v1/contracts/{contract}", token=TOKENS["operator"])[1]["usage"]
        self.assertEqual(usage["billed_up_bytes"], 8 * 1000)
        self.assertEqual(usage["billed_down_bytes"], len(on_donor) * 1000)
        # A micro-unit a byte: the borrower pays exactly what aggrd counted,
        # the donor and the provider share it, and the ledger sums to zero.
        balances = self.broker_http.call("GET", "/v1/balances", token=TOKENS["operator"])[1]
        print("ledger:", json.dumps(usage), json.dumps(balances))
        billed = 8 * 1000 + len(on_donor) * 1000
        accounts = balances["accounts"]
        self.assertEqual((balances["ledger_total"], balances["unbalanced_postings"]), (0, []))
        self.assertEqual(accounts[next(a for a in accounts if a.endswith(":1"))], -billed, balances)
        self.assertEqual(sum(v for a, v in accounts.items() if not a.endswith(":1")), billed, balances)

        # The operator's CLI shows the same.
        ctl = [os.path.join(BUILD_DIR, "aggr-brokerctl"), "--api", f"127.0.0.1:{BROKER_PORT}",
               "--token-file", os.path.join(self.work, "operator.token")]
        closed = json.loads(subprocess.run(ctl + ["--json", "contracts", "closed"], check=True,
                                           capture_output=True, text=True).stdout)
        self.assertEqual([c["id"] for c in closed], [contract])
        shown = subprocess.run(ctl + ["statement", "1"], check=True, capture_output=True, text=True).stdout
        self.assertIn(f"balance {-billed}", shown)
        shown = subprocess.run(ctl + ["balances"], check=True, capture_output=True, text=True).stdout
        self.assertIn("ledger total 0", shown)
        refused = subprocess.run(ctl + ["--token-file", os.path.join(self.work, "device.token"), "balances"],
                                 capture_output=True, text=True)
        self.assertEqual(refused.returncode, 1)
        self.assertIn("balances are the operator's", refused.stderr)
        # And aggrctl what the router enforces: nothing now.
        routerctl = subprocess.run([os.path.join(BUILD_DIR, "aggrctl"), "--api", f"127.0.0.1:{MGMT_PORT}",
                                    "show", "redirects"], check=True, capture_output=True, text=True).stdout
        self.assertNotIn("broker", routerctl)

        # Without the contract the donor's line refuses the borrower again.
        sent, _ = self.borrower_upstream(2)
        self.assertEqual([f for f in self.exchange(self.access, sent, self.core) if f[12:14] == b"\x88\x47"], [])

    def wait_for_measured_donor(self):
        self.assertTrue(wait_until(lambda: self.broker_http.call(
            "GET", "/v1/lines/2", token=TOKENS["operator"])[1]["down"]["lendable_interruptible_bps"] > 0, 20),
            self.log("broker"))

    def restart(self, which):
        """SIGKILL to aggrd, the broker or both at once, and each started again."""
        cls = type(self)
        victims = {"aggrd": [cls.aggrd], "broker": [cls.broker], "both": [cls.aggrd, cls.broker]}[which]
        for p in victims:
            p.send_signal(signal.SIGKILL)
        for p in victims:
            p.wait()
        cls.restarts = getattr(cls, "restarts", 0) + 1
        if which != "aggrd":
            cls.broker = cls.start([os.path.join(BUILD_DIR, "aggr-broker"), "--config", cls.broker_config],
                                   f"broker-{cls.restarts}")
            self.assertTrue(wait_until(lambda: self.reachable(self.broker_http, "/v1/balances", TOKENS["operator"]),
                                       20), self.log(f"broker-{cls.restarts}"))
        if which != "broker":
            cls.aggrd = cls.start([os.path.join(BUILD_DIR, "aggrd"), "--config", cls.router_config],
                                  f"aggrd-{cls.restarts}")
            self.assertTrue(wait_until(lambda: self.reachable(self.router_http, "/v1/status"), 60),
                            self.log(f"aggrd-{cls.restarts}"))

    def test_m_kills_of_aggrd_and_the_broker_under_traffic_bill_exactly_what_was_reported(self):
        self.wait_for_measured_donor()
        status, grant = self.broker_http.call("POST", "/v1/grants", {
            "subscriber": "1", "min_bps": 1000000, "desired_bps": 8000000, "direction": "up", "duration_s": 600},
            token=TOKENS["device"], key="grant-kills")
        self.assertEqual(status, 201, grant)
        contract, number = grant["id"], int(grant["id"][1:])
        self.assertTrue(wait_until(lambda: any(r["contract"] == number for r in self.redirects()), 10))
        # The borrower's packets on the donor's line, 200 bytes each, about
        # a thousand a second; what reaches the borrower's ISP is counted.
        stop, forwarded = threading.Event(), [0]
        frame = line_frame(ACCESS_MAC, BORROWER_MAC, (20,), ipv4("100.64.0.1", "198.51.100.7", 180))

        def send():
            while not stop.is_set():
                self.access.send(frame)
                time.sleep(0.001)

        def count():
            while not stop.is_set() or time.time() < drained_at[0]:
                try:
                    got, address = self.receive(self.core)
                except socket.timeout:
                    continue
                if address[4] != PACKET_OUTGOING and got[12:14] == b"\x88\x47" and got[30:34] == socket.inet_aton("100.64.0.1"):
                    forwarded[0] += 200
        drained_at = [float("inf")]
        threads = [threading.Thread(target=send), threading.Thread(target=count)]
        for t in threads:
            t.start()
        kills = ["aggrd", "broker", "both"] * 3
        random.shuffle(kills)
        try:
            for which in kills:
                time.sleep(random.uniform(0.2, 1.5))
                self.restart(which)
                self.assertTrue(wait_until(lambda: any(r["contract"] == number for r in self.redirects()), 15),
                                self.log("broker"))
            time.sleep(1)
        finally:
            drained_at[0] = time.time() + 0.5
            stop.set()
            for t in threads:
                t.join()
        # The contract ends: aggrd removes the redirect, reports its last
        # counts, and the broker settles.
        self.assertEqual(self.broker_http.call("POST", f"/v1/contracts/{contract}/cancel", {},
                                               token=TOKENS["device"], key="cancel-kills")[0], 200)
        self.assertTrue(wait_until(lambda: self.broker_http.call(
            "GET", f"/v1/contracts/{contract}", token=TOKENS["operator"])[1]["state"] == "closed", 15),
            self.log("broker"))
        usage = self.broker_http.call("GET", f"/v1/contracts/{contract}", token=TOKENS["operator"])[1]["usage"]
        totals, epochs = self.proxy.acknowledged_totals(contract)
        billed = usage["billed_up_bytes"] + usage["billed_down_bytes"]
        print(f"{len(kills)} kills ({', '.join(kills)}): {epochs} counter epochs of aggrd; forwarded {forwarded[0]} "
              f"bytes under the contract, billed {billed} (what aggrd reported and the broker acknowledged: "
              f"{sorted(totals)}); lost with killed aggrds: {forwarded[0] - billed}")
        self.assertEqual((usage["counted_up_bytes"], usage["counted_down_bytes"]),
                         (usage["billed_up_bytes"], usage["billed_down_bytes"]))
        self.assertIn(billed, totals)
        self.assertLessEqual(billed, forwarded[0])
        self.assertGreater(billed, 0)
        # An aggrd killed before its first report of the contract leaves no epoch.
        self.assertGreater(epochs, 1)
        balances = self.broker_http.call("GET", "/v1/balances", token=TOKENS["operator"])[1]
        self.assertEqual((balances["ledger_total"], balances["unbalanced_postings"]), (0, []))

    def test_y_a_clean_stop_reports_what_was_counted_last(self):
        self.wait_for_measured_donor()
        status, grant = self.broker_http.call("POST", "/v1/grants", {
            "subscriber": "1", "min_bps": 1000000, "desired_bps": 2000000, "direction": "up", "duration_s": 600},
            token=TOKENS["device"], key="grant-stop")
        self.assertEqual(status, 201, grant)
        contract, number = grant["id"], int(grant["id"][1:])
        self.assertTrue(wait_until(lambda: any(r["contract"] == number for r in self.redirects()), 10))
        sent, expected = self.borrower_upstream(5)
        self.assertEqual([f for f in self.exchange(self.access, sent, self.core, quiet=0.1) if f[12:14] == b"\x88\x47"],
                         expected)
        # Stopped at once, within a report interval of the traffic: its
        # last report carries what the periodic one may not have.
        type(self).aggrd.send_signal(signal.SIGTERM)
        type(self).aggrd.wait(timeout=30)
        usage = self.broker_http.call("GET", f"/v1/contracts/{contract}", token=TOKENS["operator"])[1]["usage"]
        self.assertEqual(usage["counted_up_bytes"], 5 * 1000, self.log("aggrd"))
        # Back up (a new counter epoch), and the contract ended cleanly.
        type(self).aggrd = self.start([os.path.join(BUILD_DIR, "aggrd"), "--config", self.router_config], "aggrd-2")
        self.assertTrue(wait_until(lambda: self.reachable(self.router_http, "/v1/status"), 60), self.log("aggrd-2"))
        self.assertEqual(self.broker_http.call("POST", f"/v1/contracts/{contract}/cancel", {},
                                               token=TOKENS["device"], key="cancel-stop")[0], 200)
        self.assertTrue(wait_until(lambda: self.broker_http.call(
            "GET", f"/v1/contracts/{contract}", token=TOKENS["operator"])[1]["state"] == "closed", 15),
            self.log("broker"))
        self.assertEqual(self.broker_http.call("GET", f"/v1/contracts/{contract}",
                                               token=TOKENS["operator"])[1]["usage"]["billed_up_bytes"], 5 * 1000)

    def test_z_without_its_broker_the_router_reverts_when_the_lease_ends(self):
        status, grant = self.broker_http.call("POST", "/v1/grants", {
            "subscriber": "1", "min_bps": 1000000, "desired_bps": 1000000, "direction": "up", "duration_s": 600},
            token=TOKENS["device"], key="grant-2")
        self.assertEqual(status, 201, grant)
        number = int(grant["id"][1:])
        self.assertTrue(wait_until(lambda: any(r["contract"] == number for r in self.redirects()), 10))
        self.broker.send_signal(signal.SIGKILL)
        self.broker.wait()
        sent, expected = self.borrower_upstream(2)
        self.assertEqual([f for f in self.exchange(self.access, sent, self.core) if f[12:14] == b"\x88\x47"],
                         expected)
        self.assertTrue(wait_until(lambda: not self.redirects(), LEASE_S + 3), self.log("aggrd"))
        self.assertEqual([f for f in self.exchange(self.access, sent, self.core) if f[12:14] == b"\x88\x47"], [])
        # The donor's own traffic goes on.
        packet = ipv4("100.64.0.9", "198.51.100.7", 200)
        own = line_frame(ACCESS_MAC, DONOR_MAC, (20,), packet)
        self.assertEqual([f for f in self.exchange(self.access, [own], self.core) if f[12:14] == b"\x88\x47"],
                         [mpls_frame(RED_NEXT_HOP, CORE_MAC, GREEN_LABEL, 63, with_ttl(packet, 63))])


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    BUILD_DIR = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
