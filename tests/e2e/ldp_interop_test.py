#!/usr/bin/env python3
"""LDP interop: aggrd's speaker against FRRouting's ldpd (Debian frr), a
real LDP peer started by ../shared/interop/ldp-peer.sh in a namespace of
its own. aggrd runs as a headend on net_af_packet over the veth to FRR,
with a kernel mirror carrying its link address; the kernel routes towards
FRR's prefixes stand in for a routing suite's.

usage: ldp_interop_test.py BUILD_DIR [unittest arguments]   (as root)

Asserts: the session reaches OPERATIONAL on both sides; the label aggrd
binds for its subscriber pool is FRR's remote binding, and FRR's labels
for the ISPs' FECs are the headend's FTN entries; a FEC withdrawn on
either side is withdrawn on the other; the session comes back after FRR's
ldpd is killed and after aggrd restarts; a reload that changes aggrd's LDP
identity (LSR id, transport address, label range) brings the session up as
the new LSR, with labels of the new range; TCP MD5 on both sides, where a
wrong key never reaches OPERATIONAL; and tshark decodes every LDP message
aggrd sent with no malformed-packet or expert warning."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "netlab"))
from netlab import sh, wait_until  # noqa: E402

BUILD_DIR = None
PEER_SCRIPT = os.path.join(HERE, "..", "..", "..", "shared", "interop", "ldp-peer.sh")

FRR_ID, DUT_ID = "192.0.2.1", "192.0.2.2"
FRR_LINK = "192.0.2.129"
RED_FEC, GREEN_FEC = "203.0.113.0/24", "198.51.100.0/24"  # FRR's static routes: its labels are the ISPs'
POOL, SPARE_POOL = "100.64.0.0/16", "100.65.0.0/16"
KEY = "ldp-md5-s3cret"
# A second identity for aggrd's speaker, taken by a reload: another LSR id,
# its mirror's address as the transport, another label range.
NEW_ID, NEW_TRANSPORT, NEW_FIRST_LABEL = "192.0.2.3", "192.0.2.130", 1000
NEW_IDENTITY = f"\n  router_id: {NEW_ID}\n  transport_address: {NEW_TRANSPORT}\n  first_label: {NEW_FIRST_LABEL}"


def dut_config(work_dir, pools, password_file=None, tag="0", identity=""):
    neighbors = ""
    if password_file:
        neighbors = f"\n  neighbors: [{{lsr_id: {FRR_ID}, password_file: {password_file}, targeted: {FRR_ID}}}]"
    return f"""router: {{name: ldp-dut, role: headend, router_id: {DUT_ID}}}
eal: {{args: [--no-huge, -m, "256", --no-pci, --file-prefix=ldpi{tag}, --log-level=lib.eal:warning]}}
workers: {{lcores: [1], idle_polls: 64, idle_sleep_us: 500}}
management: {{listen: "127.0.0.1:9465"}}
metrics: {{listen: "127.0.0.1:9464"}}
ports:
  - {{name: access0, role: access, device: "net_null0,no-rx=1", gateways: [100.64.0.1]}}
  - {{name: core0, role: core, device: "net_af_packet0,iface=dut0", mtu: 1600,
     mirror: {{interface: mdut0, addresses: [192.0.2.130/30, "fd00:ab::2/64"]}}}}
subscriber_pools: [{", ".join(pools)}]
isps:
  - {{id: 1, name: red, fec: {RED_FEC}}}
  - {{id: 2, name: green, fec: {GREEN_FEC}}}
subscribers:
  - {{id: 1, isp: red, line: {{port: access0, svlan: 10, cvlan: 1}}, cpe_mac: "02:00:00:00:00:01",
     addresses: [100.64.0.10/32]}}
ldp:
  hello: {{interval: 1, hold_time: 5}}{neighbors}{identity}
"""


class LdpInteropTest(unittest.TestCase):
    dut_id = DUT_ID  # aggrd's LSR id, as FRR knows it now

    @classmethod
    def setUpClass(cls):
        tag = str(os.getpid() % 10000)
        cls.tag = tag
        cls.work_dir = tempfile.mkdtemp(prefix="aggr-ldp-")
        os.chmod(cls.work_dir, 0o755)  # FRR's daemons run as the frr user
        cls.env = dict(os.environ, STATE=os.path.join(cls.work_dir, "frr"), NS_FRR=f"lf{tag}", NS_DUT=f"ld{tag}",
                       DUT_KERNEL_ADDR="0", HELLO_INTERVAL="1", HELLO_HOLD="5")
        cls.ns_frr, cls.ns_dut = cls.env["NS_FRR"], cls.env["NS_DUT"]
        cls.aggrd = None
        cls.peer("up", timeout=60)
        # A veth leaves checksums to an offload no NIC does here: FRR's end
        # computes them, as a wire would carry them. The DUT's kernel keeps
        # off the veth that DPDK owns.
        sh(f"ip netns exec {cls.ns_frr} ethtool -K ldp0 tx off")
        sh(f"ip netns exec {cls.ns_dut} sysctl -qw net.ipv6.conf.dut0.disable_ipv6=1 "
           f"net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.dut0.rp_filter=1 net.ipv4.conf.dut0.arp_ignore=8")
        cls.password_file = os.path.join(cls.work_dir, "md5.key")
        with open(cls.password_file, "w") as f:
            f.write(KEY + "\n")
        cls.config = os.path.join(cls.work_dir, "dut.yaml")
        cls.write_config([POOL, SPARE_POOL])
        # On FRR's end of the link, which receives all aggrd sends (frames
        # DPDK's af_packet sends bypass the taps of its own end).
        cls.capture = os.path.join(cls.work_dir, "ldp0.pcap")
        cls.tshark = subprocess.Popen(["ip", "netns", "exec", cls.ns_frr, "tshark", "-q", "-i", "ldp0", "-f",
                                       "tcp port 646 or udp port 646", "-w", cls.capture],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.5)  # tshark listening before the first message
        cls.start_aggrd()

    @classmethod
    def tearDownClass(cls):
        cls.stop_aggrd()
        if cls.tshark.poll() is None:
            cls.tshark.terminate()
            cls.tshark.wait(10)
        cls.peer("down", timeout=60, check=False)

    # ------------------------------------------------------------- helpers

    @classmethod
    def peer(cls, *args, timeout=30, check=True):
        result = subprocess.run(["bash", PEER_SCRIPT, *args], env=cls.env, capture_output=True, text=True,
                                timeout=timeout)
        if check and result.returncode != 0:
            raise RuntimeError(f"ldp-peer.sh {' '.join(args)}: {result.stdout}{result.stderr}")
        return result.stdout

    @classmethod
    def vtysh(cls, *commands):
        args = []
        for c in commands:
            args += ["-c", c]
        return cls.peer("vtysh", cls.ns_frr, *args)

    @classmethod
    def write_config(cls, pools, password_file=None, identity=""):
        with open(cls.config, "w") as f:
            f.write(dut_config(cls.work_dir, pools, password_file, cls.tag, identity))

    @classmethod
    def start_aggrd(cls):
        with open(os.path.join(cls.work_dir, "aggrd.log"), "a") as log:
            cls.aggrd = subprocess.Popen(["ip", "netns", "exec", cls.ns_dut, os.path.join(BUILD_DIR, "aggrd"),
                                          "--config", cls.config], stdout=log, stderr=subprocess.STDOUT)
        if not wait_until(lambda: "mdut0" in sh(f"ip -n {cls.ns_dut} link show", check=False), 30):
            raise RuntimeError("aggrd did not create its mirror:\n" + cls.aggrd_log())
        # What a routing suite would install: FRR's transport address and the ISPs' FECs.
        for prefix in (FRR_ID + "/32", RED_FEC, GREEN_FEC):
            sh(f"ip -n {cls.ns_dut} route replace {prefix} via {FRR_LINK} dev mdut0")

    @classmethod
    def stop_aggrd(cls):
        if cls.aggrd is not None and cls.aggrd.poll() is None:
            cls.aggrd.send_signal(signal.SIGTERM)
            cls.aggrd.wait(20)
        cls.aggrd = None

    @classmethod
    def aggrd_log(cls):
        with open(os.path.join(cls.work_dir, "aggrd.log")) as f:
            return f.read()[-4000:]

    def aggrctl(self, *args):
        return json.loads(sh(f"ip netns exec {self.ns_dut} {os.path.join(BUILD_DIR, 'aggrctl')} --json " +
                             " ".join(args), stderr=False))

    @staticmethod
    def command_name(pid):
        try:
            with open(f"/proc/{pid}/comm") as f:
                return f.read().strip()
        except OSError:
            return None

    def dut_neighbor(self):
        neighbors = [n for n in self.aggrctl("show ldp neighbors") if n["lsr_id"] == FRR_ID + ":0"]
        return neighbors[0] if neighbors else None

    def frr_state(self):
        neighbors = json.loads(self.vtysh("show mpls ldp neighbor json")).get("neighbors", [])
        return next((n["state"] for n in neighbors if n["neighborId"] == self.dut_id), None)

    def operational(self):
        n = self.dut_neighbor()
        return n is not None and n["state"] == "operational" and self.frr_state() == "OPERATIONAL"

    def frr_bindings(self):
        """FRR's bindings: {fec: {"local": label or None, "remote_from_dut": label or None}}."""
        out = {}
        for b in json.loads(self.vtysh("show mpls ldp binding json")).get("bindings", []):
            entry = out.setdefault(b["prefix"], {"local": None, "remote_from_dut": None})
            if b.get("localLabel") not in (None, "-"):
                entry["local"] = b["localLabel"]
            if b.get("neighborId") == self.dut_id and b.get("remoteLabel") not in (None, "-"):
                entry["remote_from_dut"] = b["remoteLabel"]
        return out

    def dut_local_label(self, fec):
        return next((b["local_label"] for b in self.aggrctl("show ldp bindings") if b["fec"] == fec), None)

    def ftn(self, isp):
        """The installed FTN entry of an ISP: (labels, source), or None."""
        for f in self.aggrctl("show fec"):
            if f["fec"] == isp and f["installed"]:
                return f.get("labels"), f.get("source")
        return None

    def frr_label_as_int(self, fec):
        label = self.frr_bindings().get(fec, {}).get("local")
        return None if label is None else (3 if label == "imp-null" else int(label))

    def wait_operational(self, timeout=40):
        started = time.time()
        self.assertTrue(wait_until(self.operational, timeout, 0.2),
                        f"not OPERATIONAL: aggrd {self.dut_neighbor()}, FRR {self.frr_state()}\n{self.aggrd_log()}")
        return time.time() - started

    # --------------------------------------------------------------- tests

    def test_0_the_session_comes_up_and_labels_go_both_ways(self):
        self.wait_operational()
        n = self.dut_neighbor()
        self.assertEqual(n["role"], "active")  # 192.0.2.2 > 192.0.2.1: aggrd opens the connection
        self.assertEqual(n["keepalive_time"], 180)
        # aggrd's pools reach FRR under the labels aggrd bound.
        for pool in (POOL, SPARE_POOL):
            local = self.dut_local_label(pool)
            self.assertIsNotNone(local)
            self.assertGreaterEqual(local, 16)
            self.assertTrue(wait_until(lambda: self.frr_bindings().get(pool, {}).get("remote_from_dut") == str(local), 10),
                            f"FRR has no binding {local} from aggrd for {pool}: {self.frr_bindings()}")
        # FRR's labels for the ISPs' FECs are the headend's FTN entries, from LDP.
        for isp, fec in (("red", RED_FEC), ("green", GREEN_FEC)):
            label = self.frr_label_as_int(fec)
            self.assertIsNotNone(label)
            self.assertTrue(wait_until(lambda: self.ftn(isp) == ([label], "ldp"), 10),
                            f"{isp}: {self.ftn(isp)}, FRR's label {label}")

    def test_0b_prometheus_has_the_sessions_messages_and_bindings(self):
        self.wait_operational()
        metrics = sh(f"ip netns exec {self.ns_dut} curl -sf http://127.0.0.1:9464/metrics", stderr=False)
        self.assertIn('aggr_ldp_sessions{state="operational"} 1', metrics)
        self.assertIn('aggr_ldp_messages_total{peer="192.0.2.1:0",direction="received",type="initialization"} 1', metrics)
        self.assertRegex(metrics, r'aggr_ldp_messages_total\{peer="192.0.2.1:0",direction="sent",type="label_mapping"\} [1-9]')
        self.assertRegex(metrics, r'aggr_ldp_bindings\{kind="remote"\} [1-9]')
        self.assertIn('aggr_ldp_session_flaps_total{peer="192.0.2.1:0"} 0', metrics)

    def test_1_a_fec_withdrawn_by_frr_leaves_the_ftn(self):
        self.wait_operational()
        self.vtysh("configure terminal", f"no ip route {RED_FEC} 192.0.2.254")
        self.assertTrue(wait_until(lambda: self.ftn("red") is None, 15), f"red's FTN stays: {self.ftn('red')}")
        remote = [b for b in self.aggrctl("show ldp bindings") if b["fec"] == RED_FEC]
        self.assertTrue(not remote or not remote[0]["remote"], remote)
        self.assertIsNotNone(self.ftn("green"))  # the other ISP's entry untouched
        self.vtysh("configure terminal", f"ip route {RED_FEC} 192.0.2.254")
        self.assertTrue(wait_until(lambda: self.ftn("red") is not None, 15))
        self.assertEqual(self.ftn("red"), ([self.frr_label_as_int(RED_FEC)], "ldp"))

    def test_2_a_fec_aggrd_stops_originating_is_withdrawn_from_frr(self):
        self.wait_operational()
        self.assertIsNotNone(self.frr_bindings().get(SPARE_POOL, {}).get("remote_from_dut"))
        self.write_config([POOL])
        self.aggrd.send_signal(signal.SIGHUP)
        self.assertTrue(wait_until(lambda: self.frr_bindings().get(SPARE_POOL, {}).get("remote_from_dut") is None, 15),
                        f"FRR still has aggrd's label for {SPARE_POOL}: {self.frr_bindings().get(SPARE_POOL)}")
        self.assertEqual(self.dut_neighbor()["flaps"], 0)  # a reload keeps the session
        self.assertIsNotNone(self.frr_bindings().get(POOL, {}).get("remote_from_dut"))

    def test_3_the_session_comes_back_after_frrs_ldpd_is_killed(self):
        self.wait_operational()
        state = os.path.join(self.env["STATE"], self.ns_frr)
        pids = sh(f"ip netns pids {self.ns_frr}").split()
        ldpd = [p for p in pids if self.command_name(p) == "ldpd"]
        self.assertTrue(ldpd)
        sh("kill -9 " + " ".join(ldpd))
        self.assertTrue(wait_until(lambda: (self.dut_neighbor() or {}).get("state") != "operational", 20))
        self.assertTrue(wait_until(lambda: self.ftn("red") is None, 5), "the FTN outlived the session")
        flaps = self.dut_neighbor()["flaps"] if self.dut_neighbor() else None
        options = f"-d -P 0 -z {state}/zserv.api --vty_socket {state}"
        sh(f"ip netns exec {self.ns_frr} sh -c \"mount --bind {state}/vartmp /var/tmp && "
           f"/usr/lib/frr/ldpd {options} -f {state}/ldpd.conf -i {state}/ldpd.pid --ctl_socket {state}\"")
        sh(f"for p in $(ip netns pids {self.ns_frr}); do [ \"$(cat /proc/$p/comm)\" = ldpd ] && echo $p; done "
           f"> {state}/ldpd-all.pids", check=False)
        self.wait_operational(60)
        self.assertTrue(flaps is None or flaps >= 1)
        self.assertTrue(wait_until(lambda: self.ftn("red") == ([self.frr_label_as_int(RED_FEC)], "ldp"), 10))

    def test_4_the_session_comes_back_after_aggrd_restarts(self):
        self.wait_operational()
        self.stop_aggrd()
        self.assertTrue(wait_until(lambda: self.frr_state() != "OPERATIONAL", 20))
        self.start_aggrd()
        seconds = self.wait_operational(60)
        print(f"\n  aggrd restarted: OPERATIONAL with FRR {seconds:.1f} s after its mirror came up", file=sys.stderr)
        self.assertTrue(wait_until(lambda: self.ftn("green") == ([self.frr_label_as_int(GREEN_FEC)], "ldp"), 10))

    def test_4b_a_reload_with_a_new_identity_starts_the_speaker_anew(self):
        self.wait_operational()
        lo = lambda: sh(f"ip -n {self.ns_dut} -o addr show dev lo")  # noqa: E731
        self.assertIn(DUT_ID + "/32", lo())  # the speaker put its transport address there
        self.write_config([POOL], identity=NEW_IDENTITY)
        self.aggrd.send_signal(signal.SIGHUP)
        try:
            LdpInteropTest.dut_id = NEW_ID
            seconds = self.wait_operational(60)
            print(f"\n  a new identity by reload: OPERATIONAL with FRR as {NEW_ID} {seconds:.1f} s after SIGHUP",
                  file=sys.stderr)
            discovery = self.aggrctl("show ldp discovery")
            self.assertEqual((discovery["lsr_id"], discovery["transport_address"]), (NEW_ID + ":0", NEW_TRANSPORT))
            self.assertNotIn(DUT_ID + "/32", lo())  # the old speaker's transport address went with it
            # Labels from the new range, at FRR from the new LSR; FRR's
            # labels the headend's FTN again.
            local = self.dut_local_label(POOL)
            self.assertGreaterEqual(local, NEW_FIRST_LABEL)
            self.assertTrue(wait_until(lambda: self.frr_bindings().get(POOL, {}).get("remote_from_dut") == str(local),
                                       10), self.frr_bindings())
            self.assertTrue(wait_until(lambda: self.ftn("red") == ([self.frr_label_as_int(RED_FEC)], "ldp"), 10),
                            self.ftn("red"))
            reload = self.aggrctl("show status")["last_reload"]
            self.assertTrue(reload["ok"], reload)
        finally:
            # Back to the first identity, by a reload too.
            self.write_config([POOL])
            self.aggrd.send_signal(signal.SIGHUP)
            LdpInteropTest.dut_id = DUT_ID
        self.wait_operational(60)
        self.assertIn(DUT_ID + "/32", lo())
        self.assertLess(self.dut_local_label(POOL), NEW_FIRST_LABEL)
        self.assertTrue(wait_until(lambda: self.ftn("green") == ([self.frr_label_as_int(GREEN_FEC)], "ldp"), 10))

    def test_5_md5_on_both_sides_and_a_wrong_key_never_comes_up(self):
        self.wait_operational()
        self.vtysh("configure terminal", "mpls ldp", "address-family ipv4", f"neighbor {DUT_ID} targeted")
        self.vtysh("configure terminal", "mpls ldp", f"neighbor {DUT_ID} password {KEY}")
        # aggrd without the key: FRR's signed segments are not answered.
        self.assertTrue(wait_until(lambda: self.frr_state() != "OPERATIONAL", 30))
        time.sleep(8)
        self.assertNotEqual(self.frr_state(), "OPERATIONAL")
        self.assertNotEqual((self.dut_neighbor() or {}).get("state"), "operational")
        # With the key on both sides it comes up, signed: a reload gives
        # aggrd the key (and the targeted neighbor) without a restart.
        self.write_config([POOL], self.password_file)
        self.aggrd.send_signal(signal.SIGHUP)
        self.wait_operational(60)
        self.assertTrue(self.dut_neighbor()["md5"])
        # The neighbor is targeted too: a targeted adjacency beside the link one, both ways.
        def targeted():
            return any(a["type"] == "targeted" and a["lsr_id"] == FRR_ID + ":0"
                       for a in self.aggrctl("show ldp discovery")["adjacencies"])
        self.assertTrue(wait_until(targeted, 20), self.aggrctl("show ldp discovery"))
        self.assertIn("Targeted", self.vtysh("show mpls ldp discovery detail") + self.vtysh("show mpls ldp discovery"))
        self.vtysh("configure terminal", "mpls ldp", f"no neighbor {DUT_ID} password {KEY}")
        self.assertTrue(wait_until(lambda: self.frr_state() != "OPERATIONAL", 30))
        time.sleep(8)
        self.assertNotEqual(self.frr_state(), "OPERATIONAL")  # now aggrd insists on it
        self.vtysh("configure terminal", "mpls ldp", f"neighbor {DUT_ID} password {KEY}")
        self.wait_operational(60)

    def test_6_tshark_decodes_every_ldp_message_aggrd_sent(self):
        self.wait_operational()
        time.sleep(1)
        self.tshark.terminate()
        self.tshark.wait(10)
        read = f"tshark -r {self.capture} -o tcp.desegment_tcp_streams:TRUE"
        ours = f"ip.src == {DUT_ID} || ip.src == 192.0.2.130"
        types = sh(f"{read} -Y 'ldp && ({ours})' -T fields -e ldp.msg.type", stderr=False).split()
        seen = {int(t, 0) for line in types for t in line.split(",")}
        # Hello, Initialization, KeepAlive, Address, Label Mapping, Label Withdraw, Label Release, Notification
        for message_type in (0x001, 0x100, 0x200, 0x201, 0x300, 0x400, 0x402, 0x403):
            self.assertIn(message_type, seen, f"no message of type {message_type:#x} from aggrd in {sorted(seen)}")
        # Wireshark notes every targeted Hello without the GTSM flag (RFC 6720
        # gives that flag to link Hellos only); FRR's get the same note.
        gtsm = '_ws.expert.message contains "GTSM is not supported"'
        frr_targeted = sh(f"{read} -Y 'ip.src == {FRR_ID} && ldp.msg.type == 0x100 && {gtsm}'", stderr=False).strip()
        self.assertNotEqual(frr_targeted, "")
        bad = sh(f"{read} -Y '({ours}) && ldp && (_ws.malformed || (_ws.expert.severity >= 0x00600000 && !({gtsm})))'",
                 stderr=False).strip()
        self.assertEqual(bad, "", "frames from aggrd that tshark finds malformed or warns about")


def main():
    global BUILD_DIR
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    BUILD_DIR = os.path.abspath(sys.argv[1])
    if not os.path.exists("/usr/lib/frr/ldpd"):
        print("FRRouting's ldpd is missing (tools/setup.sh installs frr)", file=sys.stderr)
        return 1
    program = unittest.main(argv=[sys.argv[0]] + sys.argv[2:], exit=False, verbosity=2)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
