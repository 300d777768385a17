#!/usr/bin/env python3
"""End to end: real kernel hosts and real TCP through a headend, a transit
and a tailend (tools/netlab/network.py) to two ISPs, with static labels.

usage: network_test.py BUILD_DIR [--ldp] [unittest arguments]   (as root)

With --ldp the labels are not configured: the three routers' LDP speakers
distribute them, over the routes their kernels have, and the same
assertions hold.

Each subscriber reaches its own ISP's server, by ping and by TCP both ways
at its line's rate, and never the other ISP's; every frame on the core
links carries the labels this network binds, and none is malformed; a
gateway whose MAC changes is followed with nothing sent to the old MAC;
and the headend and the tailend count exactly the same packets and bytes
for each ISP, both ways."""
import json
import os
import re
import signal
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "netlab"))
from netlab import sh, wait_until  # noqa: E402
from network import ISPS, ROUTER_IDS, SUBSCRIBERS, Network  # noqa: E402

BUILD_DIR = None
LABELS = "static"


def other_isp(isp):
    return next(name for name in ISPS if name != isp)


class NetworkTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work_dir = tempfile.mkdtemp(prefix="aggr-e2e-")
        cls.net = Network(BUILD_DIR, cls.work_dir, f"e2{os.getpid() % 10000}", LABELS)
        cls.net.start()
        cls.lab = cls.net.lab

    @classmethod
    def tearDownClass(cls):
        cls.net.close()

    def ping(self, host, address, count=3):
        """The share of echo requests answered."""
        out = self.lab.run(host, f"ping -c {count} -i 0.2 -W 2 {address}", check=False)
        match = re.search(r"(\d+) received", out)
        return int(match.group(1)) / count if match else 0.0

    def up_packets(self, router):
        return {isp: c["up"]["packets"] for isp, c in self.net.isp_counters(router).items()}

    # ------------------------------------------------------------------ tests

    def test_0_the_headend_shows_its_gateways_and_pools(self):
        ports = {p["name"]: p for p in json.loads(self.net.aggrctl("headend", "--json show ports"))}
        self.assertEqual(ports["access0"]["gateways"], ["100.64.0.1", "2001:db8:ff::1"])
        self.assertEqual(ports["core0"]["gateways"], [])
        status = json.loads(self.net.aggrctl("headend", "--json show status"))
        self.assertEqual(status["subscriber_pools"], ["100.64.0.0/16", "2001:db8::/32"])

    def test_1_each_subscriber_reaches_its_own_isp_and_never_the_other(self):
        for s in SUBSCRIBERS:
            own, other = ISPS[s["isp"]], ISPS[other_isp(s["isp"])]
            self.assertEqual(self.ping(s["name"], own["server"]), 1.0, s["name"])
            if s["ipv6"]:
                self.assertEqual(self.ping(s["name"], own["server6"]), 1.0, s["name"] + " over IPv6")
            # The other ISP's server: the requests go to the subscriber's own
            # ISP (which has no route there); the other ISP sees none of them.
            before = self.up_packets("tailend")
            self.assertEqual(self.ping(s["name"], other["server"]), 0.0, s["name"])
            after = self.up_packets("tailend")
            self.assertEqual(after[other_isp(s["isp"])], before[other_isp(s["isp"])], s["name"])
            self.assertEqual(after[s["isp"]], before[s["isp"]] + 3, s["name"])

    def test_2_tcp_both_ways_at_each_lines_rate(self):
        for s in SUBSCRIBERS:
            server, port = ISPS[s["isp"]]["server"], 5200 + s["id"]
            down, up = s["rates"]
            for reverse, rate in [(False, up), (True, down)]:
                iperf = self.lab.start(f"iperf-{s['name']}-{int(reverse)}",
                                       ["iperf3", "-s", "-1", "-B", server, "-p", str(port)], namespace=s["isp"])
                time.sleep(0.3)
                out = self.lab.run(s["name"], f"iperf3 -c {server} -p {port} -t 3 -J {'-R' if reverse else ''}",
                                   check=False, timeout=30)
                self.lab.stop(iperf)
                report = json.loads(out)
                self.assertNotIn("error", report, out)
                mbit = report["end"]["sum_received"]["bits_per_second"] / 1e6
                what = f"{s['name']} {'down' if reverse else 'up'}: {mbit:.1f} Mbit/s on a {rate} Mbit/s line"
                print(what)
                self.assertGreater(mbit, 0.5 * rate, what)
                self.assertLess(mbit, 1.1 * rate, what)

    def test_3_core_links_carry_the_expected_labels(self):
        # Each link captured where it is received (a DPDK af_packet port's
        # own frames bypass the kernel's taps on its side): upstream the
        # headend's label for each ISP, then the tailend's; downstream the
        # tailend's label for the subscriber pools, then the headend's.
        captures = self.net.expected_labels()
        print("labels on the core links:", {f"{r}/{p}": sorted(labels) for (r, p), labels in captures.items()})
        paths = {where: os.path.join(self.work_dir, f"{where[0]}-{where[1]}.pcap") for where in captures}
        tsharks = [self.lab.start(f"tshark-{where[0]}-{where[1]}",
                                  ["tshark", "-i", where[1], "-w", path, "-a", "duration:6", "-q"], namespace=where[0])
                   for where, path in paths.items()]
        self.assertTrue(wait_until(lambda: all(os.path.exists(p) for p in paths.values()), 10))
        time.sleep(1)
        for s in SUBSCRIBERS:
            self.assertEqual(self.ping(s["name"], ISPS[s["isp"]]["server"], 5), 1.0)
            if s["ipv6"]:
                self.assertEqual(self.ping(s["name"], ISPS[s["isp"]]["server6"], 5), 1.0)
        for t in tsharks:
            t.wait(20)
        for where, labels in captures.items():
            path = paths[where]
            fields = sh(stderr=False, command=f"tshark -r {path} -T fields -e eth.type -e mpls.label "
                                              f"-e udp.port -e tcp.port")
            labelled = 0
            for line in fields.splitlines():
                ethertype, stack, udp, tcp = (line.split("\t") + ["", "", ""])[:4]
                if ethertype == "0x8847":
                    labelled += 1
                    self.assertIn(stack, {str(label) for label in labels}, f"{where}: one label, the LSP's")
                elif ethertype == "0x0800":  # the routers' own LDP, between mirrors
                    self.assertIn("646", (udp + "," + tcp).split(","), f"{where}: {line}")
                else:  # and ARP and IPv6 ND
                    self.assertIn(ethertype, ("0x0806", "0x86dd"), f"{where}: {line}")
            # Five echo requests or replies, IPv4 for each subscriber and IPv6 for one.
            self.assertGreaterEqual(labelled, 5 * 4, where)
            malformed = sh(stderr=False, command=f"tshark -r {path} -Y '_ws.malformed || _ws.expert.severity >= warning'")
            self.assertEqual(malformed.strip(), "", f"{where}: {malformed}")

    def test_4_a_gateway_with_a_new_mac_is_followed(self):
        red = ISPS["red"]
        old_mac = self.lab.run("red", "cat /sys/class/net/eth0/address").strip()
        new_mac = "02:00:00:0e:d0:99"
        # The ISP replaces its gateway's card: the new one announces itself
        # as it resolves the tailend (its ARP request carries its MAC).
        self.lab.run("red", f"ip link set eth0 address {new_mac}")
        self.lab.run("red", "ip neigh flush dev eth0")
        self.lab.run("red", "ping -c 1 -W 2 192.0.2.1")

        def tailend_has_new_mac():
            for a in json.loads(self.net.aggrctl("tailend", "--json show adjacencies")):
                if a["port"] == "red0":
                    return a["mac"] == new_mac
            return False

        self.assertTrue(wait_until(tailend_has_new_mac, 10), self.net.aggrctl("tailend", "show adjacencies"))
        capture = os.path.join(self.work_dir, "red-handoff.pcap")
        tshark = self.lab.start("tshark-red", ["tshark", "-i", "eth0", "-w", capture, "-a", "duration:4", "-q"],
                                namespace="red")
        self.assertTrue(wait_until(lambda: os.path.exists(capture), 10))
        time.sleep(1)
        self.assertEqual(self.ping("sub1", red["server"], 10), 1.0)
        tshark.wait(20)
        # Forwarded traffic, that is: the tailend's kernel may still probe the
        # old MAC for its own neighbour entries (RFC 4861 unreachability
        # detection), which is how it finds them gone.
        to_old = sh(stderr=False, command=f"tshark -r {capture} -Y 'eth.dst == {old_mac} && !arp && "
                                          f"!(icmpv6.type == 135)'").strip()
        to_new = sh(stderr=False, command=f"tshark -r {capture} -Y 'eth.dst == {new_mac} && ip.dst == {red['server']}'").strip()
        self.assertEqual(to_old, "", to_old)
        self.assertGreaterEqual(len(to_new.split("\n")), 10, to_new)

    def test_5_headend_and_tailend_count_the_same_for_each_isp(self):
        time.sleep(1)  # nothing in flight
        headend, tailend = self.net.isp_counters("headend"), self.net.isp_counters("tailend")
        print("per ISP, headend / tailend:", json.dumps(headend), "/", json.dumps(tailend))
        for isp in ISPS:
            for direction in ("up", "down"):
                self.assertGreater(headend[isp][direction]["packets"], 1000, f"{isp} {direction}")
                self.assertEqual(headend[isp][direction], tailend[isp][direction], f"{isp} {direction}")
        for router in self.net.routers:
            drops = {reason: n for reason, n in json.loads(self.net.aggrctl(router, "--json show drops")).items() if n}
            # On the headend, only what hosts send for the router that it
            # does not answer (router solicitations, MLD reports).
            allowed = {"unanswered"} if router == "headend" else set()
            self.assertLessEqual(set(drops), allowed, f"{router}: {drops}\n{self.drop_diagnosis(router)}")

    def drop_diagnosis(self, router):
        """What may explain a router's drops: its LDP sessions and FECs,
        and what its log says about them."""
        parts = []
        if LABELS == "ldp":
            parts += [self.net.aggrctl(router, "show ldp neighbors"), self.net.aggrctl(router, "show ldp fec")]
        parts += [line for line in self.lab.log(router).splitlines()
                  if any(word in line.lower() for word in ("ldp", "session", "warn", "error", "fec"))][-40:]
        return "\n".join(parts)

    def test_6_with_ldp_a_transit_restarts_gracefully_under_traffic(self):
        if LABELS != "ldp":
            self.skipTest("static labels")

        def ilm(router):
            return {e["label"]: e.get("labels") for e in json.loads(self.net.aggrctl(router, "--json show ilm"))}

        def ftn():
            return {f["fec"]: (f.get("labels"), f.get("out_port")) for f in json.loads(self.net.aggrctl("headend", "--json show fec"))}
        transit_before, ftn_before = ilm("transit"), ftn()
        s, prober = SUBSCRIBERS[0], SUBSCRIBERS[2]  # TCP from sub1, pings from sub3: both red, both through the transit
        server, port = ISPS[s["isp"]]["server"], 5251
        iperf = self.lab.start("iperf-restart-server", ["iperf3", "-s", "-1", "-B", server, "-p", str(port)],
                               namespace=s["isp"])
        time.sleep(0.3)
        client = self.lab.start("iperf-restart", ["iperf3", "-c", server, "-p", str(port), "-t", "12", "-i", "1", "-J"],
                                namespace=s["name"])
        ping = self.lab.start("ping-restart", ["ping", "-i", "0.01", "-c", "1000", "-q", server], namespace=prober["name"])
        # What the transit sends the headend as it comes back, captured where it is received.
        pcap = os.path.join(self.work_dir, "restart-headend-core0.pcap")
        tshark = self.lab.start("tshark-restart", ["tshark", "-i", "core0", "-w", pcap, "-f", "tcp port 646", "-q"],
                                namespace="headend")
        self.assertTrue(wait_until(lambda: os.path.exists(pcap), 10))
        time.sleep(2)
        window = self.net.restart_router("transit")
        client.wait(60)
        ping.wait(60)
        self.lab.stop(iperf)
        self.lab.stop(tshark, signal.SIGINT)
        report = json.loads(self.lab.log("iperf-restart"))
        self.assertNotIn("error", report)
        seconds = [i["sum"]["bits_per_second"] / 1e6 for i in report["intervals"]]
        match = re.search(r"(\d+) packets transmitted, (\d+) received", self.lab.log("ping-restart"))
        lost = int(match.group(1)) - int(match.group(2))
        print(f"transit restarted in {window:.2f} s; pings lost: {lost} (every 10 ms); TCP Mbit/s each second:",
              " ".join(f"{x:.1f}" for x in seconds))
        # Nothing lost beyond the restarted dataplane's own window: the peers
        # kept its labels and it came back with the same ones.
        self.assertLessEqual(lost * 0.01, window + 0.5)
        self.assertEqual(ilm("transit"), transit_before)
        self.assertEqual(ftn(), ftn_before)
        self.assertGreater(min(seconds[-3:]), 0.5 * s["rates"][1], seconds)
        # Its Initialization carried the FT Session TLV (RFC 3478): its
        # reconnect timeout, and a recovery time since it kept its state;
        # and tshark finds nothing malformed in what it sent.
        transit = ROUTER_IDS["transit"]
        ft = sh(stderr=False, command=f"tshark -r {pcap} -Y 'ip.src == {transit} && ldp.msg.tlv.ft_sess.flags' -T fields "
                                      f"-e ldp.msg.tlv.ft_sess.reconn_to -e ldp.msg.tlv.ft_sess.recovery_time")
        self.assertEqual(set(ft.strip().splitlines()), {"60000\t30000"}, ft)
        warnings = sh(stderr=False, command=f"tshark -r {pcap} -Y '_ws.malformed || _ws.expert.severity >= warning'")
        self.assertEqual(warnings.strip(), "", warnings)
        # And the sessions with it are back.
        for router in ("headend", "tailend"):
            def all_up():
                return all(n["state"] == "operational"
                           for n in json.loads(self.net.aggrctl(router, "--json show ldp neighbors")))
            self.assertTrue(wait_until(all_up, 20), router)

    def test_7_with_ldp_tcp_survives_the_first_transits_failure(self):
        if LABELS != "ldp":
            self.skipTest("static labels: no alternate path")
        s = SUBSCRIBERS[0]
        server, port = ISPS[s["isp"]]["server"], 5250
        # The second path's links, captured where each is received, with
        # the only labels that belong on them: the second transit's own
        # labels (numbered apart from the first's) from the headend and
        # from the tailend, and the ends' own labels from it.
        second_path = self.net.second_path_labels()
        captures = {where: (self.lab.start(f"tshark-failover-{where[0]}-{where[1]}",
                                           ["tshark", "-i", where[1], "-w", path, "-q"], namespace=where[0]), path)
                    for where in second_path
                    for path in [os.path.join(self.work_dir, f"failover-{where[0]}-{where[1]}.pcap")]}
        self.assertTrue(wait_until(lambda: all(os.path.exists(p) for _, p in captures.values()), 10))
        iperf = self.lab.start("iperf-failover-server", ["iperf3", "-s", "-1", "-B", server, "-p", str(port)],
                               namespace=s["isp"])
        time.sleep(0.3)
        client = self.lab.start("iperf-failover", ["iperf3", "-c", server, "-p", str(port), "-t", "10", "-i", "1", "-J"],
                                namespace=s["name"])
        time.sleep(3)
        failed_at = time.time()
        self.net.fail_first_transit()
        client.wait(40)
        self.lab.stop(iperf)
        time.sleep(0.5)
        for process, _ in captures.values():
            self.lab.stop(process, signal.SIGINT)
        first_frames = []
        for where, (_, path) in captures.items():
            frames = self.labelled_frames(path)
            self.assertTrue(frames, f"{where}: nothing labelled after the failure")
            stale = {label for _, label in frames} - second_path[where]
            self.assertFalse(stale, f"{where}: frames on labels that do not belong on this path")
            first_frames.append(min(t for t, _ in frames))
        print(f"first labelled frame on the second path {min(first_frames) - failed_at:.2f} s after the failure")
        report = json.loads(self.lab.log("iperf-failover"))
        self.assertNotIn("error", report)
        seconds = [i["sum"]["bits_per_second"] / 1e6 for i in report["intervals"]]
        print("Mbit/s each second, the first transit failing after 3 s:", " ".join(f"{x:.1f}" for x in seconds))
        # The same TCP connection carries on over the second transit at the line's rate.
        self.assertGreater(min(seconds[-3:]), 0.5 * s["rates"][1], seconds)
        # Both ends' entries now go by the second transit, from LDP.
        fec = {f["fec"]: f for f in json.loads(self.net.aggrctl("headend", "--json show fec"))}
        self.assertEqual(fec[s["isp"]]["out_port"], "core1")
        self.assertEqual(fec[s["isp"]]["source"], "ldp")
        pools = {f["fec"]: f for f in json.loads(self.net.aggrctl("tailend", "--json show ldp fec"))}
        self.assertEqual(pools["100.64.0.0/16"]["next_hop"]["port"], "core1")
        self.assertTrue(pools["100.64.0.0/16"]["prefix_ftn_installed"])

    def labelled_frames(self, path):
        """[(epoch time, label stack)] of a capture's MPLS frames."""
        fields = sh(stderr=False, command=f"tshark -r {path} -Y mpls -T fields -e frame.time_epoch -e mpls.label")
        return [(float(t), stack) for t, stack in (line.split("\t") for line in fields.splitlines())]

    def test_8_the_routers_stop_cleanly(self):
        summaries = self.net.stop_routers()
        self.assertEqual(set(summaries), set(self.net.routers))

    def test_0b_with_ldp_every_entry_is_ldps_and_every_session_is_up(self):
        if LABELS != "ldp":
            self.skipTest("static labels")
        # Each router's neighbours: the headend and the tailend have both transits.
        for router, peers in (("headend", 2), ("transit", 2), ("tailend", 2), ("transit2", 2)):
            neighbors = json.loads(self.net.aggrctl(router, "--json show ldp neighbors"))
            self.assertEqual([n["state"] for n in neighbors], ["operational"] * peers, router)
            self.assertTrue(all(n["flaps"] == 0 for n in neighbors), router)
            # A connection that came before its peer's Hello waited for it
            # rather than being refused.
            discovery = json.loads(self.net.aggrctl(router, "--json show ldp discovery"))
            self.assertEqual(discovery["connections_refused"], 0, router)
        ilm = json.loads(self.net.aggrctl("transit", "--json show ilm"))
        self.assertTrue(ilm and all(e["source"] == "ldp" for e in ilm), ilm)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    BUILD_DIR = sys.argv.pop(1)
    if len(sys.argv) > 1 and sys.argv[1] == "--ldp":
        LABELS = sys.argv.pop(1)[2:]
    unittest.main(verbosity=2)
