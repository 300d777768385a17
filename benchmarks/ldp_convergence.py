#!/usr/bin/env python3
"""How soon a network of aggrd routers forwards with labels LDP gave it.

Builds the end-to-end network of tools/netlab/network.py with LDP (headend,
two transits, tailend, each aggrd in a namespace of its own) while a
subscriber sends echo requests to its ISP's server every 10 ms. From the
moment the last router answers and the kernel routes are in (what a routing
suite would install on the mirrors), it reports the seconds until every
ISP's FTN entry and every pool's entry by prefix are installed from LDP, and
until the first echo reply: a labelled frame through headend, transit and
tailend and one back.

FRR's ldpd is no reference here: with no MPLS forwarding in this kernel it
forwards no labelled frame. benchmarks/ldp_scale.py compares the time to
OPERATIONAL with FRR's.

usage: ldp_convergence.py BUILD_DIR [--runs R]   (as root; prints medians)"""
import argparse
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "netlab"))
from network import Network  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--runs", type=int, default=3)
    a = parser.parse_args()
    runs = []
    for run in range(a.runs):
        work = tempfile.mkdtemp(prefix="aggr-ldp-conv-")
        net = Network(a.build, work, f"lc{os.getpid() % 1000}{run}", "ldp", time_convergence=True)
        try:
            net.start()
            runs.append(net.convergence)
            print(f"run {run}: {net.convergence}", file=sys.stderr)
        finally:
            net.close()
    med = statistics.median
    print(f"medians of {a.runs} runs, from the last router up and the routes in:")
    print(f"  every session OPERATIONAL: {med(r['sessions_operational'] for r in runs):.2f} s")
    print(f"  every FTN installed from LDP: {med(r['ldp_converged'] for r in runs):.2f} s")
    print(f"  first echo reply through the LSPs: {med(r['first_echo_reply'] for r in runs):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
