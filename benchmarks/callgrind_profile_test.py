"""Tests of callgrind_profile over small profiles written in callgrind's
format: what `benchmarks/run --instructions` divides by (packets) and splits
(self instructions by object) must come out exact.

Run: /usr/bin/python3 -m unittest discover -s benchmarks -p '*_test.py'
"""
import os
import tempfile
import unittest

import callgrind_profile

PROGRAM = "/opt/aggrd"
PCAP = "/usr/lib/librte_net_pcap.so.23"
NULL = "/usr/lib/librte_net_null.so.23"
LOADER = "/lib/ld-linux-x86-64.so.2"

# A worker loop in aggrd (self 300) that calls net_pcap's receive 10 times
# (inclusive 900) and net_null's transmit 10 times (inclusive 500). Inside
# net_pcap (self 800), a call to net_pcap's own helper 4 times must not count
# as bursts; inside net_null (self 450), the loader (self 50). The names are
# compressed as callgrind writes them: "(n) name" at first use, "(n)" after.
PROFILE = f"""# callgrind format
version: 1
creator: callgrind-3.19.0
events: Ir

ob=(1) {PROGRAM}
fn=(1) worker_loop
10 100
+1 200
cob=(2) {PCAP}
cfn=(2) eth_pcap_rx_infinite
calls=10 0x1000
* 900
cob=(3) {NULL}
cfn=(3) eth_null_tx
calls=10 0x2000
* 500

ob=(2)
fn=(2)
5 700
cfn=(4) pcap_copy
calls=4 0x1100
* 100
fn=(4)
6 100

ob=(3)
fn=(3)
7 450
cob=(4) {LOADER}
cfn=(5) __tls_get_addr
calls=20 0x3000
* 50

ob=(4)
fn=(5)
8 50

totals: 1600
"""


class ReadProfileTest(unittest.TestCase):
    def write(self, text):
        handle, path = tempfile.mkstemp(suffix=".callgrind")
        with os.fdopen(handle, "w") as out:
            out.write(text)
        self.addCleanup(os.remove, path)
        return path

    def test_counts_bursts_from_outside_net_pcap_and_self_costs_by_object(self):
        profile = callgrind_profile.read_profile(self.write(PROFILE))
        self.assertEqual(profile["instructions"], 1600)
        self.assertEqual(profile["packets"], 10 * callgrind_profile.BURST)
        self.assertEqual(profile["by_object"], {PROGRAM: 300, PCAP: 800, NULL: 450, LOADER: 50})

    def test_refuses_a_profile_whose_self_costs_miss_its_totals(self):
        with self.assertRaisesRegex(ValueError, "self costs sum to 1600, the file's totals say 1700"):
            callgrind_profile.read_profile(self.write(PROFILE.replace("totals: 1600", "totals: 1700")))

    def test_split_by_object(self):
        by_object = {PROGRAM: 300, PCAP: 800, NULL: 450, LOADER: 50}
        self.assertEqual(callgrind_profile.split_by_object(by_object, PROGRAM),
                         {"program": 300, "dpdk": 1250, "other": 50})


if __name__ == "__main__":
    unittest.main()
