#!/usr/bin/env python3
"""LDP's speed against FRRouting's, in the same namespaces (ldp-peer.sh):

1. FRR-FRR: a second ldpd as the device under test; seconds from its start
   to OPERATIONAL, and to holding every one of the first instance's N
   bindings.
2. aggrd: the same, from aggrd's start (its mirror up) to OPERATIONAL, and
   to N FECs installed (a swap each: N ILM entries and NHLFEs of source
   ldp), with the kernel routes towards them installed first; and aggrd's
   resident memory before and after.

usage: ldp_scale.py BUILD_DIR [--fecs N] [--runs R]   (as root; prints medians)"""
import argparse
import ipaddress
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEER_SCRIPT = os.path.join(HERE, "..", "..", "shared", "interop", "ldp-peer.sh")
FRR_LINK = "192.0.2.129"


def sh(command, env=None, check=True):
    r = subprocess.run(command, shell=True, capture_output=True, text=True, env=env)
    if check and r.returncode != 0:
        raise RuntimeError(f"{command}: {r.stdout}{r.stderr}")
    return r.stdout


def prefixes(n):
    base = int(ipaddress.ip_address("10.128.0.0"))
    return [f"{ipaddress.ip_address(base + (i << 8))}/24" for i in range(n)]


def wait(predicate, timeout, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


class Peer:
    def __init__(self, work, tag, fecs, dut_kernel_addr):
        self.env = dict(os.environ, STATE=os.path.join(work, f"frr-{tag}"), NS_FRR=f"sf{tag}", NS_DUT=f"sd{tag}",
                        DUT_KERNEL_ADDR=dut_kernel_addr, HELLO_INTERVAL="1", HELLO_HOLD="5")
        self.ns_frr, self.ns_dut = self.env["NS_FRR"], self.env["NS_DUT"]
        self.fecs, self.work, self.tag = fecs, work, tag

    def up(self):
        """The first FRR instance, with a static route (and so a binding) for each of the N prefixes."""
        self.run("up")
        routes = os.path.join(self.work, f"frr-routes-{self.tag}")
        with open(routes, "w") as f:
            f.writelines(f"ip route {p} 192.0.2.254\n" for p in prefixes(self.fecs))
        self.run("vtysh", self.ns_frr, "-f", routes)

        def bound():
            out = self.vtysh(self.ns_frr, "show mpls ldp binding")
            return sum(1 for line in out.splitlines() if " 10.1" in line) >= self.fecs
        if not wait(bound, 300, 0.5):
            raise RuntimeError("FRR did not bind every prefix")

    def run(self, *args, check=True):
        r = subprocess.run(["bash", PEER_SCRIPT, *args], env=self.env, capture_output=True, text=True, timeout=600)
        if check and r.returncode != 0:
            raise RuntimeError(f"ldp-peer.sh {args}: {r.stdout}{r.stderr}")
        return r.stdout

    def vtysh(self, ns, command):
        return self.run("vtysh", ns, "-c", command, check=False)


def frr_run(work, fecs, tag):
    peer = Peer(work, tag, fecs, "1")
    try:
        peer.up()
        sh(f"ip netns exec {peer.ns_frr} ethtool -K ldp0 tx off")
        sh(f"ip netns exec {peer.ns_dut} ethtool -K dut0 tx off")
        started = time.time()
        out = peer.run("selftest-frr")
        operational = next(float(w[:-1]) for line in out.splitlines() if "OPERATIONAL" in line and "after" in line
                           for w in line.split() if w.endswith("s") and w[:-1].replace(".", "").isdigit())

        def learned():
            b = json.loads(peer.vtysh(peer.ns_dut, "show mpls ldp binding json") or "{}")
            return sum(1 for x in b.get("bindings", []) if x.get("neighborId") == "192.0.2.1"
                       and x.get("prefix", "").startswith("10.1")) >= fecs
        wait(learned, 300, 0.5)
        return operational, time.time() - started
    finally:
        peer.run("down", check=False)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))


def aggrd_run(build, work, fecs, tag):
    peer = Peer(work, tag, fecs, "0")
    config = os.path.join(work, f"dut-{tag}.yaml")
    with open(config, "w") as f:
        f.write(f"""router: {{name: dut, role: transit, router_id: 192.0.2.2}}
eal: {{args: [--no-huge, -m, "512", --no-pci, --file-prefix=ldps{tag}, --log-level=lib.eal:warning]}}
workers: {{lcores: [1], idle_polls: 64, idle_sleep_us: 500}}
limits: {{nhlfes: {2 * fecs + 64}}}
metrics: {{listen: "off"}}
ports:
  - {{name: core0, role: core, device: "net_af_packet0,iface=dut0", mtu: 1600,
     mirror: {{interface: mdut0, addresses: [192.0.2.130/30]}}}}
ldp: {{hello: {{interval: 1, hold_time: 5}}}}
""")
    aggrd = None
    try:
        peer.up()
        sh(f"ip netns exec {peer.ns_frr} ethtool -K ldp0 tx off")
        sh(f"ip netns exec {peer.ns_dut} sysctl -qw net.ipv6.conf.dut0.disable_ipv6=1 net.ipv4.conf.dut0.arp_ignore=8")
        with open(os.path.join(work, f"aggrd-{tag}.log"), "w") as log:
            aggrd = subprocess.Popen(["ip", "netns", "exec", peer.ns_dut, os.path.join(build, "aggrd"), "--config", config],
                                     stdout=log, stderr=subprocess.STDOUT)
        if not wait(lambda: "mdut0" in sh(f"ip -n {peer.ns_dut} link show", check=False), 30):
            raise RuntimeError("no mirror")
        started = time.time()
        # The routes first, as a routing suite would have them.
        batch = os.path.join(work, f"routes-{tag}")
        with open(batch, "w") as f:
            f.write(f"route replace 192.0.2.1/32 via {FRR_LINK} dev mdut0\n")
            for p in prefixes(fecs):
                f.write(f"route replace {p} via {FRR_LINK} dev mdut0\n")
        sh(f"ip -n {peer.ns_dut} -batch {batch}")
        ctl = f"ip netns exec {peer.ns_dut} {os.path.join(build, 'aggrctl')} --json"
        pid = int(sh(f"ip netns pids {peer.ns_dut}").split()[0])
        rss_before = rss_kib(pid)

        def operational():
            n = json.loads(sh(f"{ctl} show ldp neighbors", check=False) or "[]")
            return bool(n) and n[0]["state"] == "operational"
        wait(operational, 120)
        t_operational = time.time() - started

        def installed():
            return sum(1 for e in json.loads(sh(f"{ctl} show ilm", check=False) or "[]") if e["source"] == "ldp") >= fecs
        wait(installed, 600, 0.5)
        t_installed = time.time() - started
        return t_operational, t_installed, rss_before, rss_kib(pid)
    finally:
        if aggrd is not None:
            aggrd.terminate()
            aggrd.wait(30)
        peer.run("down", check=False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--fecs", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    a = parser.parse_args()
    work = tempfile.mkdtemp(prefix="aggr-ldp-scale-")
    os.chmod(work, 0o755)
    frr, ours = [], []
    for run in range(a.runs):
        frr.append(frr_run(work, a.fecs, f"{os.getpid() % 1000}{run}f"))
        ours.append(aggrd_run(os.path.abspath(a.build), work, a.fecs, f"{os.getpid() % 1000}{run}a"))
        print(f"run {run}: FRR-FRR {frr[-1]}, aggrd {ours[-1]}", file=sys.stderr)
    med = statistics.median
    print(f"{a.fecs} FECs, medians of {a.runs} runs:")
    print(f"  FRR-FRR: OPERATIONAL {med(r[0] for r in frr):.2f} s after ldpd starts; every binding held after "
          f"{med(r[1] for r in frr):.2f} s")
    print(f"  aggrd:   OPERATIONAL {med(r[0] for r in ours):.2f} s after its mirror is up; every FEC installed after "
          f"{med(r[1] for r in ours):.2f} s; RSS {med(r[2] for r in ours) / 1024:.0f} -> "
          f"{med(r[3] for r in ours) / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
