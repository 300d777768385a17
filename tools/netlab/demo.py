#!/usr/bin/env python3
"""The demo: builds the network of network.py (subscriber hosts, an access
node, headend, transit, tailend, two ISPs, and for bandwidth sharing two
customer devices and the broker), runs TCP from every subscriber to its
ISP's server at once, up then down, and prints what each subscriber got and
the per-ISP accounting of the headend and the tailend side by side. Then
the first subscriber saturates its line: its device asks the broker, which
grants the second's spare; its download before and after the grant, and
what the ledger billed.

usage: demo.py BUILD_DIR   (as root)"""
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netlab import wait_until  # noqa: E402
from network import ISPS, SUBSCRIBERS, Network  # noqa: E402
from sharing import broker_contract, iperf_mbits, iperf_start  # noqa: E402

SECONDS = 5


def throughput(net, reverse):
    """Mbit/s each subscriber's TCP got, all running at once."""
    servers, clients = [], []
    for s in SUBSCRIBERS:
        server, port = ISPS[s["isp"]]["server"], 5300 + s["id"]
        servers.append(net.lab.start(f"iperf-server-{s['name']}", ["iperf3", "-s", "-1", "-B", server, "-p", str(port)],
                                     namespace=s["isp"]))
    time.sleep(0.5)
    for s in SUBSCRIBERS:
        server, port = ISPS[s["isp"]]["server"], 5300 + s["id"]
        argv = ["iperf3", "-c", server, "-p", str(port), "-t", str(SECONDS), "-J"] + (["-R"] if reverse else [])
        clients.append((s, net.lab.start(f"iperf-{s['name']}-{int(reverse)}", argv, namespace=s["name"])))
    results = {}
    for s, client in clients:
        client.wait(SECONDS + 30)
        report = json.loads(net.lab.log(f"iperf-{s['name']}-{int(reverse)}"))
        results[s["name"]] = report["end"]["sum_received"]["bits_per_second"] / 1e6
    for server in servers:
        net.lab.stop(server)
    return results


def borrowing(net):
    """The first subscriber's download alone, then with the contract its
    device got; the contract's ledger once it is cancelled."""
    lab, sharing = net.lab, net.sharing
    borrower, donor = SUBSCRIBERS[0], SUBSCRIBERS[1]
    print(f"\n== bandwidth sharing: {borrower['name']} saturates its line; its device (aggr-cpe) asks the broker, "
          f"which lends it {donor['name']}'s spare", flush=True)

    if not sharing.quiet(donor, 8_000_000):
        raise RuntimeError(f"{donor['name']}'s line did not go quiet:\n{sharing.brokerctl('contracts')}")

    def download(label, port, seconds):
        return iperf_mbits(lab, iperf_start(lab, borrower, ISPS, True, seconds, label, port), label)
    # Shorter than the device waits before it asks (borrow.saturated_for).
    before = download("share-before", 5400, 2)
    saturating = iperf_start(lab, borrower, ISPS, True, 40, "share-saturating", 5401)
    started = time.time()
    if not wait_until(lambda: sharing.redirect_for(borrower), 30, 0.2):
        raise RuntimeError("no grant: " + lab.log("broker")[-2000:])
    granted_after = time.time() - started
    lab.stop(saturating)
    contract = broker_contract(sharing.redirect_for(borrower))
    terms = sharing.contract(contract)
    after = download("share-after", 5402, SECONDS)
    print(f"{borrower['name']} down on a {borrower['rates'][0]} Mbit/s plan: {before:.1f} Mbit/s before the grant, "
          f"{after:.1f} Mbit/s with contract {contract} ({terms['down_bps'] / 1e6:.1f} Mbit/s down, "
          f"{terms['up_bps'] / 1e6:.1f} up from {donor['name']}'s line, in the headend {granted_after:.1f} s "
          f"after the line saturated)")
    sharing.brokerctl(f"cancel {contract} key=demo-cancel")
    wait_until(lambda: sharing.contract(contract)["state"] == "closed", 15, 0.2)
    print(f"\n== aggr-brokerctl contract {contract}: what the headend counted and the ledger billed")
    print(sharing.brokerctl(f"contract {contract}"), end="")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    work_dir = tempfile.mkdtemp(prefix="aggr-demo-")
    net = Network(sys.argv[1], work_dir, "demo", sharing=True)
    print("building the network: 3 subscriber hosts (2 behind customer devices), an access node (Open vSwitch), "
          "headend, transit, tailend, 2 ISPs, the broker ...", flush=True)
    net.start()
    try:
        for router in net.ROUTERS:
            print(f"\n== {router}: aggrctl show adjacencies (next hops by address, resolved by its kernel)")
            print(net.aggrctl(router, "show adjacencies"), end="")
        print("\n== transit: aggrctl show ilm")
        print(net.aggrctl("transit", "show ilm"), end="")
        print(f"\n== TCP from every subscriber to its ISP's server at once, {SECONDS} s up, then {SECONDS} s down",
              flush=True)
        up, down = throughput(net, False), throughput(net, True)
        print(f"{'subscriber':<11}{'ISP':<7}{'line':<22}{'up Mbit/s':>14}{'down Mbit/s':>14}")
        for s in SUBSCRIBERS:
            line = "source prefix" if s["line"] is None else f"S{s['line'][0]}/C{s['line'][1]}"
            rates = f"{s['rates'][1]}/{s['rates'][0]}"
            print(f"{s['name']:<11}{s['isp']:<7}{line + ' ' + rates:<22}{up[s['name']]:>14.1f}{down[s['name']]:>14.1f}")
        time.sleep(1)
        headend, tailend = net.isp_counters("headend"), net.isp_counters("tailend")
        print("\n== per-ISP accounting: what the headend received for each ISP, what the tailend handed over")
        print(f"{'ISP':<7}{'dir':<6}{'headend packets':>17}{'tailend packets':>17}{'headend bytes':>16}"
              f"{'tailend bytes':>16}  equal")
        for isp in ISPS:
            for direction in ("up", "down"):
                h, t = headend[isp][direction], tailend[isp][direction]
                print(f"{isp:<7}{direction:<6}{h['packets']:>17}{t['packets']:>17}{h['bytes']:>16}{t['bytes']:>16}"
                      f"  {'yes' if h == t else 'no'}")
        # Downstream the headend holds each line to its plan: the TCP that
        # overshoots is dropped there, after the tailend counted it.
        over_plan = json.loads(net.aggrctl("headend", "--json show drops"))["meter_downstream"]
        handed, delivered = (sum(c[isp]["down"]["packets"] for isp in ISPS) for c in (tailend, headend))
        print(f"downstream: the tailend handed over {handed} packets = the headend's {delivered} delivered + "
              f"{over_plan} over the lines' plans (its meter): {'yes' if handed == delivered + over_plan else 'NO'}")
        borrowing(net)
        print(f"\n(configurations and logs: {work_dir})")
    finally:
        net.close()


if __name__ == "__main__":
    main()
