#!/usr/bin/env python3
"""End to end, bandwidth sharing with real TCP: the network of
network_test.py with its first two subscribers behind customer devices
running aggr-cpe, joined by a third link, and aggr-broker (on SQLite) on a
management network (tools/netlab/sharing.py).

The borrower's line (sub1) gets its plan, no more; saturated, its device
asks the broker, which grants the donor's (sub2's) spare; the headend and
both devices carry it, and the borrower's TCP rises above its plan both
ways; the devices bring the third link up for the contract (and down
after it), and show it all on their status endpoints. The ledger then bills exactly the bytes the headend counted under the
contract, and the devices' routes go back to their own lines. The broker
also finds a saturated line by itself (sub2's device never asks) and grants
it sub1's spare; when the donor then needs its own line, the interruptible
contract yields to it. With the broker killed, the leases run out and the
headend and both devices go back to the own lines by themselves.

usage: sharing_test.py BUILD_DIR [unittest arguments]   (as root)"""
import json
import os
import re
import signal
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "netlab"))
from netlab import wait_until  # noqa: E402
from network import ISPS, SUBSCRIBERS, Network  # noqa: E402
from sharing import broker_contract, iperf_mbits, iperf_start, subscriber_prefix  # noqa: E402

BUILD_DIR = None
BORROWER, DONOR = SUBSCRIBERS[0], SUBSCRIBERS[1]


class SharingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work_dir = tempfile.mkdtemp(prefix="aggr-share-")
        cls.net = Network(BUILD_DIR, cls.work_dir, f"sh{os.getpid() % 10000}", "static", sharing=True)
        cls.net.start()
        cls.lab, cls.sharing = cls.net.lab, cls.net.sharing
        cls.port = 5300

    @classmethod
    def tearDownClass(cls):
        cls.net.close()

    # ------------------------------------------------------------ helpers

    def iperf_start(self, s, reverse, seconds, label):
        SharingTest.port += 1
        return iperf_start(self.lab, s, ISPS, reverse, seconds, label, self.port)

    def mbits(self, s, reverse, seconds=5):
        label = f"iperf-{s['name']}-{self.port}"
        return iperf_mbits(self.lab, self.iperf_start(s, reverse, seconds, label), label)

    def redirects(self):
        return self.sharing.redirects()

    def contract(self, contract_id):
        return self.sharing.contract(contract_id)

    def routes(self, cpe):
        return self.lab.run(cpe, "ip route show")

    def default_route_hops(self, cpe):
        """The default route's next hops: [(gateway, weight)]."""
        text = self.routes(cpe)
        default = text[text.index("default"):].split("\n")
        hops = [re.search(r"via (\S+).*weight (\d+)", line) for line in default[1:] if line.strip().startswith("nexthop")]
        if hops and all(hops):
            return [(h.group(1), int(h.group(2))) for h in hops]
        return [(re.search(r"via (\S+)", default[0]).group(1), 1)]

    def third_link(self, s):
        """A device's end of the third link: (link up, its addresses)."""
        text = self.lab.run(f"cpe{s['id']}", "ip -o addr show dev tl0")
        flags = self.lab.run(f"cpe{s['id']}", "ip -o link show dev tl0")
        return ",UP" in flags or "<UP" in flags, re.findall(r"inet (\S+)", text)

    def assert_third_link_down(self):
        for s in (BORROWER, DONOR):
            self.assertTrue(wait_until(lambda: self.third_link(s) == (False, []), 10, 0.2), self.third_link(s))
            link = self.sharing.device_status(s)["third_links"][0]
            self.assertEqual((link["state"], link["in_use"], link["owned"]), ("down", False, True))

    def wait_for_redirect(self, borrower, timeout):
        self.assertTrue(wait_until(lambda: self.sharing.redirect_for(borrower), timeout, 0.2),
                        f"no redirect for {borrower['name']}:\n{self.lab.log('broker')[-3000:]}\n{self.lab.log('cpe1')}\n"
                        f"{self.sharing.brokerctl('line ' + str(borrower['id']))}{self.sharing.brokerctl('contracts')}")
        return self.sharing.redirect_for(borrower)

    def assert_back_on_own_lines(self):
        def reverted():
            return all(self.default_route_hops(f"cpe{s['id']}") == [("100.64.0.1", 1)] and
                       f"{subscriber_prefix(other)} via" not in self.routes(f"cpe{s['id']}")
                       for s, other in ((BORROWER, DONOR), (DONOR, BORROWER)))
        self.assertTrue(wait_until(reverted, 15, 0.2), self.routes("cpe1") + self.routes("cpe2"))

    def upstream_diagnosis(self):
        """Where the borrower's upstream went: the devices' links and routes,
        the headend's redirects and drops."""
        return "\n".join([self.lab.run("cpe1", "ip -s link show"), self.routes("cpe1"),
                          self.lab.run("cpe2", "ip -s link show"), self.routes("cpe2"),
                          self.lab.run("cpe2", "sysctl net.ipv4.conf.all.rp_filter net.ipv4.conf.tl0.rp_filter "
                                               "net.ipv4.ip_forward"),
                          self.net.aggrctl("headend", "show redirects"), self.net.aggrctl("headend", "show drops"),
                          self.net.aggrctl("headend", "show status"), self.lab.log("cpe1"), self.lab.log("cpe2"),
                          self.lab.log("broker")])

    # -------------------------------------------------------------- tests

    def test_1_without_a_contract_a_line_gets_its_plan(self):
        down = self.mbits(BORROWER, True, 2)
        print(f"borrower alone, down: {down:.1f} Mbit/s on a {BORROWER['rates'][0]} Mbit/s plan")
        self.assertLess(down, 1.1 * BORROWER["rates"][0])
        self.assertGreater(down, 0.6 * BORROWER["rates"][0])
        self.assertEqual(self.redirects(), [])
        self.assertEqual(self.default_route_hops("cpe1"), [("100.64.0.1", 1)])
        # No contract: the devices keep the third link down and bare.
        self.assert_third_link_down()
        status = self.sharing.device_status(BORROWER)
        self.assertEqual(status["contracts"], [])
        self.assertEqual(status["line"]["plan"], {"down_bps": BORROWER["rates"][0] * 1_000_000,
                                                  "up_bps": BORROWER["rates"][1] * 1_000_000})
        self.assertTrue(status["broker"]["reachable"])
        # The borrower's device lends at most 12 Mbit/s down, as it told the
        # broker; a broker that restarts forgets it, and the device, finding
        # it back, tells it again.
        def lend_caps():
            try:
                line = json.loads(self.sharing.brokerctl("--json line 1"))
                return line["down"]["lend_cap_bps"], line["up"]["lend_cap_bps"]
            except Exception:  # the broker starting
                return None
        self.assertTrue(wait_until(lambda: lend_caps() == (12_000_000, None), 10), lend_caps())
        self.sharing.restart_broker()
        self.assertTrue(wait_until(lambda: lend_caps() == (12_000_000, None), 20),
                        f"{lend_caps()}\n{self.lab.log('cpe1')}")

    def test_2_a_saturated_borrower_asks_and_gets_the_donors_spare_both_ways(self):
        plan_down, plan_up = BORROWER["rates"]
        saturating = self.iperf_start(BORROWER, True, 40, "saturating")
        started = time.time()
        redirect = self.wait_for_redirect(BORROWER, 25)
        granted_after = time.time() - started
        self.lab.stop(saturating)
        contract_id = broker_contract(redirect)
        terms = self.contract(contract_id)
        print(f"contract {contract_id} in the headend {granted_after:.1f} s after the line saturated: "
              f"{terms['down_bps'] / 1e6:.1f} Mbit/s down, {terms['up_bps'] / 1e6:.2f} up, from {terms['donor']}")
        self.assertEqual(terms["borrower"], "1")
        self.assertEqual(terms["donor"], "2")
        self.assertEqual(terms["down_bps"], 8_000_000)  # desired, within the donor's 9 Mbit/s lendable
        self.assertGreater(terms["up_bps"], 4_000_000)  # the donor's 5 Mbit/s, less the headroom
        # Both devices carry it: the borrower spreads its flows over its own
        # line and the third link by the upstream rates; the donor routes
        # the borrower's prefix over the link.
        self.assertTrue(wait_until(lambda: len(self.default_route_hops("cpe1")) == 2, 10, 0.2), self.routes("cpe1"))
        hops = dict(self.default_route_hops("cpe1"))
        self.assertEqual(hops["100.64.0.1"], 256)
        self.assertEqual(hops["10.200.12.2"], round(terms["up_bps"] * 256 / (plan_up * 1e6)))
        self.assertIn(f"{subscriber_prefix(BORROWER)} via 10.200.12.1 dev tl0", self.routes("cpe2"))
        # ... over the third link, which each device brought up for it.
        self.assertEqual(self.third_link(BORROWER), (True, ["10.200.12.1/30"]))
        self.assertEqual(self.third_link(DONOR), (True, ["10.200.12.2/30"]))
        status = self.sharing.device_status(BORROWER)
        self.assertEqual([(c["contract"], c["role"], c["peer"]) for c in status["contracts"]],
                         [(contract_id, "borrower", "2")])
        self.assertEqual(status["third_links"][0]["state"], "up")
        self.assertEqual(len(status["routes"]["default"]), 2)
        self.assertGreaterEqual(status["grants"]["granted"], 1)
        metrics = self.sharing.device_metrics(DONOR)
        self.assertIn('aggr_cpe_contracts{role="donor"} 1\n', metrics)
        self.assertIn(f'aggr_cpe_contract_rate_bps{{role="donor",direction="down"}} {terms["down_bps"]}\n', metrics)
        self.assertIn('aggr_cpe_third_link_in_use{peer="1",interface="tl0"} 1\n', metrics)

        down = self.mbits(BORROWER, True)
        up = self.mbits(BORROWER, False)
        print(f"borrower with the contract: down {down:.1f} Mbit/s (plan {plan_down} + {terms['down_bps'] / 1e6:.1f}), "
              f"up {up:.1f} Mbit/s (plan {plan_up} + {terms['up_bps'] / 1e6:.2f})")
        self.assertGreater(down, 1.15 * plan_down)
        self.assertLess(down, 1.1 * (plan_down + terms["down_bps"] / 1e6))
        self.assertGreater(up, 1.15 * plan_up, self.upstream_diagnosis() + self.sharing.brokerctl(f"contract {contract_id}"))
        self.assertLess(up, 1.1 * (plan_up + terms["up_bps"] / 1e6))
        carried = next(r for r in self.redirects() if r["contract"] == redirect["contract"])["carried"]
        self.assertGreater(carried["down"]["bytes"], 0)
        self.assertGreater(carried["up"]["bytes"], 0)
        SharingTest.first_redirect = redirect["contract"]

    def test_3_the_ledger_bills_exactly_what_the_headend_counted(self):
        time.sleep(1)  # nothing in flight
        redirect = next(r for r in self.redirects() if r["contract"] == SharingTest.first_redirect)
        contract_id = broker_contract(redirect)
        self.assertEqual(redirect["epoch"], 1, "amended while in force: the headend shows the last epoch only")
        carried = redirect["carried"]
        self.sharing.brokerctl(f"cancel {contract_id} key=cancel-{contract_id}")
        self.assertTrue(wait_until(lambda: self.contract(contract_id)["state"] == "closed", 15, 0.2),
                        self.contract(contract_id))
        usage = self.contract(contract_id)["usage"]
        print(f"headend counted {carried['down']['bytes']} bytes down and {carried['up']['bytes']} up "
              f"under {contract_id}; the ledger billed {usage['billed_down_bytes']} and {usage['billed_up_bytes']}")
        self.assertEqual(usage["billed_down_bytes"], carried["down"]["bytes"])
        self.assertEqual(usage["billed_up_bytes"], carried["up"]["bytes"])
        billed = carried["down"]["bytes"] + carried["up"]["bytes"]
        balances = json.loads(self.sharing.brokerctl("--json balances"))
        self.assertEqual(balances["ledger_total"], 0)
        self.assertEqual(balances["unbalanced_postings"], [])
        borrower = json.loads(self.sharing.brokerctl("--json statement 1"))
        self.assertEqual(borrower["balance"], -billed)  # a micro-unit a byte
        self.assert_back_on_own_lines()
        self.assert_third_link_down()
        self.assertEqual(self.redirects(), [])

    def test_4_the_broker_finds_a_saturated_line_and_an_interruptible_contract_yields_to_its_donor(self):
        # sub2's device never asks: the broker sees the line saturated in
        # the headend's reports and grants it sub1's spare downstream.
        saturating = self.iperf_start(DONOR, True, 60, "donor-saturating")
        started = time.time()
        redirect = self.wait_for_redirect(DONOR, 40)
        print(f"the broker granted {redirect['contract']} to sub2 {time.time() - started:.1f} s after its line "
              f"saturated: {redirect['rate']['down'] / 1e6:.1f} Mbit/s down from sub1")
        self.assertEqual(str(redirect["donor"]), "1")
        self.assertTrue(wait_until(lambda: f"{subscriber_prefix(DONOR)} via 10.200.12.2 dev tl0" in self.routes("cpe1"),
                                   10, 0.2), self.routes("cpe1"))
        self.assertEqual(self.default_route_hops("cpe2"), [("100.64.0.1", 1)])  # downstream only
        time.sleep(2)
        # sub1 now needs its own line, while sub2 borrows it.
        own = self.mbits(BORROWER, True, 6)
        self.lab.stop(saturating)
        terms = self.contract(broker_contract(redirect))
        print(f"sub1's own download while lending: {own:.1f} Mbit/s on a {BORROWER['rates'][0]} Mbit/s plan; "
              f"the contract is {terms['state']} at {terms['down_bps'] / 1e6:.1f} Mbit/s")
        self.assertGreater(own, 0.8 * BORROWER["rates"][0])
        self.assertTrue(terms["state"] in ("preempting", "settling", "closed") or
                        terms["down_bps"] < redirect["rate"]["down"], terms)

    def test_5_with_the_broker_dead_the_leases_end_and_everything_reverts(self):
        self.assertTrue(self.sharing.quiet(DONOR, 2_000_000), self.redirects())
        self.sharing.brokerctl("grant 1 min=1Mbit desired=2Mbit direction=down key=before-the-broker-dies")
        self.wait_for_redirect(BORROWER, 10)
        self.assertTrue(wait_until(lambda: self.third_link(DONOR) == (True, ["10.200.12.2/30"]), 10),
                        self.third_link(DONOR))
        killed = time.time()
        self.lab.stop(self.sharing.broker, signal.SIGKILL)
        try:
            # Nobody renews the lease (5 s): the headend and both devices
            # revert by themselves.
            self.assertTrue(wait_until(lambda: not self.redirects(), 15), self.redirects())
            self.assert_back_on_own_lines()
            self.assert_third_link_down()
            print(f"broker killed: everything back on the own lines {time.time() - killed:.1f} s later")
            status = self.sharing.device_status(DONOR)
            self.assertEqual(status["contracts"], [])
            self.assertFalse(status["broker"]["reachable"])
            self.assertIn("aggr_cpe_broker_up 0\n", self.sharing.device_metrics(DONOR))
        finally:
            self.sharing.start_broker()


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("sharing_test.py needs root (network namespaces)", file=sys.stderr)
        sys.exit(2)
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    BUILD_DIR = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
