"""Bandwidth sharing on the network of network.py (Network(sharing=True)):
the first two subscribers' hosts sit behind customer devices of their own,
each running aggr-cpe, joined by a third link; aggr-broker runs on a
management network (its own namespace, "noc") that the headend and the
devices reach; the headend polices each line to its plan and follows the
broker.

    sub1 host -- cpe1 ==(line S10/C1, 20/10 Mbit)== OVS -- headend
                  |  third link (10.200.12.0/30, up under   |
                  |  a contract only: the devices own it)  |
    sub2 host -- cpe2 ==(line S10/C2, 10/5 Mbit)===        noc: aggr-broker

Each subscriber owns a /29: its device's WAN address (.1), its host (.2)
and the device's LAN address (.6), the host's gateway. Subscribers are
named at the broker by their ids ("1", "2"), as the router reports them.
Used by tests/e2e/sharing_test.py and the demo."""
import ipaddress
import json
import os
import signal
import time

from netlab import wait_until


BROKER_PORT = 9470
TOKENS = {"router": "netlab-router-token-012345", "cpe1": "netlab-cpe1-token-0123456",
          "cpe2": "netlab-cpe2-token-0123456", "noc": "netlab-noc-token-01234567"}
THIRD_LINK = "10.200.12.0/30"
DEVICE_STATUS_PORT = 9480  # each device's aggr-cpe status, on its own localhost
# The management links: noc's end .1, the other .2, a /30 each.
MANAGEMENT = {"headend": "10.99.1.0/30", "cpe1": "10.99.2.0/30", "cpe2": "10.99.3.0/30"}
# A line trains faster than its plan, as DSL and PON lines do: the headend's
# policer holds each subscriber to the plan, and what the line itself
# would drop beyond it is what the policer found over the plan first (a
# borrower's excess, which then goes over its donor's line).
LINE_SYNC = 1.25  # the line's rate, a multiple of the plan
# TCP through the headend's policer gets 80 to 95 % of a plan: a line that
# busy counts as saturated (to the broker, and to sub1's device).
SHARING = {"lease": "5s", "notice": "2s", "saturation": 0.8, "saturated_for": "8s", "rating_interval": "2s",
           # A micro-unit a byte: each byte billed shows as one unit charged.
           "price_per_gb": 1000000000, "fee": 0.1}
# What a device lends at most, whatever its line could spare.
LEND = {1: "{down: 12Mbit}"}
# The borrower's device asks by itself; the other only follows the broker.
BORROW = {1: "{saturation: 0.8, saturated_for: 3s, min: 1Mbit, desired: 8Mbit, direction: both, interruptible: true, "
             "duration: 5m, retry: 5s}"}


def _host(subnet, n):
    return str(ipaddress.ip_network(subnet)[n])


def iperf_start(lab, s, isps, reverse, seconds, label, port):
    """An iperf3 client from the subscriber's host to its ISP's server, and
    the server for it. 16 flows: a borrower's device spreads flows over its
    links, not packets, by a hash; with 4 the weights of a typical contract
    (256:115) would leave all on the own line about one time in four."""
    server = isps[s["isp"]]["server"]
    lab.start(f"{label}-server", ["iperf3", "-s", "-1", "-B", server, "-p", str(port)], namespace=s["isp"])
    time.sleep(0.3)
    argv = ["iperf3", "-c", server, "-p", str(port), "-t", str(seconds), "-P", "16", "-J"] + (["-R"] if reverse else [])
    return lab.start(label, argv, namespace=s["name"])


def iperf_mbits(lab, process, label):
    """What an iperf3 client of iperf_start received, in Mbit/s; raises on
    iperf3's own error."""
    process.wait(60)
    report = json.loads(lab.log(label))
    if "error" in report:
        raise RuntimeError(f"{label}: {report['error']}")
    return report["end"]["sum_received"]["bits_per_second"] / 1e6


def broker_contract(redirect):
    """The broker's name of the contract behind one of aggrd's redirects."""
    return f"c{redirect['contract']}"


def subscriber_prefix(s):
    return str(ipaddress.ip_network(s["ipv4"] + "/29", strict=False))


class Sharing:
    def __init__(self, network, subscribers):
        self.net = network
        self.lab = network.lab
        self.subscribers = subscribers[:2]
        self.ids = {s["id"] for s in self.subscribers}
        self.agents = {}
        self.broker = None

    # ------------------------------------------------------------ topology

    def namespaces(self):
        return ["noc"] + [f"cpe{s['id']}" for s in self.subscribers]

    def has_device(self, s):
        return s["id"] in self.ids

    def management_links(self):
        """noc to the headend and to each device: the broker's network."""
        lab = self.lab
        for name, subnet in MANAGEMENT.items():
            lab.link("noc", f"to-{name}", name, "mgmt")
            lab.run("noc", f"ip addr add {_host(subnet, 1)}/30 dev to-{name}")
            lab.run(name, f"ip addr add {_host(subnet, 2)}/30 dev mgmt")

    def customer_device(self, s, access, shaped):
        """The subscriber's host behind its device, the device on the line."""
        lab, n, host, cpe = self.lab, s["id"], s["name"], f"cpe{s['id']}"
        prefix = ipaddress.ip_network(subscriber_prefix(s))
        wan, lan = str(prefix[1]), str(prefix[6])
        for name in (host, cpe):
            lab.run(name, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1")
        lab.link(host, "eth0", cpe, "lan0")
        lab.host_end(host, "eth0")
        lab.run(host, f"ip addr add {s['ipv4']}/32 dev eth0")
        lab.run(host, f"ip route add {lan}/32 dev eth0")
        lab.run(host, f"ip route add default via {lan}")
        lab.run(cpe, f"ip addr add {lan}/32 dev lan0")
        lab.run(cpe, f"ip route add {s['ipv4']}/32 dev lan0")
        port = f"p{host}"
        lab.link(cpe, "eth0", "access", port)
        access.add_line(port, *s["line"])
        lab.run(cpe, f"ip link set eth0 address {s['mac']}")
        lab.run(cpe, f"ip addr add {wan}/32 dev eth0")
        lab.run(cpe, f"ip route add {shaped['gateway']}/32 dev eth0")
        lab.run(cpe, f"ip route add default via {shaped['gateway']} dev eth0")
        down, up = (rate * LINE_SYNC for rate in s["rates"])
        lab.run(cpe, f"tc qdisc add dev eth0 root tbf rate {up}mbit burst 32kb latency 50ms")
        lab.run("access", f"tc qdisc add dev {port} root tbf rate {down}mbit burst 32kb latency 50ms")

    def third_link(self):
        """The cable between the two devices; each device's aggr-cpe puts
        its address on its end and brings it up, under a contract only."""
        a, b = self.subscribers
        self.lab.link(f"cpe{a['id']}", "tl0", f"cpe{b['id']}", "tl0")

    # ----------------------------------------------------- configurations

    def headend_subscriber(self, s):
        """The headend's addresses and plan for a subscriber with a device."""
        down, up = s["rates"]
        return f'addresses: ["{subscriber_prefix(s)}"], rate: {{up: {up}Mbit, down: {down}Mbit}}'

    def headend_section(self):
        return (f'broker: {{server: "{_host(MANAGEMENT["headend"], 1)}:{BROKER_PORT}", router: headend, '
                f"token_file: router.token, report_interval_ms: 500}}\n")

    def _write(self, name, text):
        path = os.path.join(self.lab.work_dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def _broker_config(self):
        for name, token in TOKENS.items():
            self._write(f"{name}.token", token + "\n")
        callers = ["  - {name: headend, role: router, router: headend, token_file: router.token}",
                   "  - {name: noc, role: operator, token_file: noc.token}"]
        lines = []
        for s in self.subscribers:
            callers.append(f'  - {{name: cpe{s["id"]}, role: device, subscriber: "{s["id"]}", '
                           f'token_file: cpe{s["id"]}.token}}')
            down, up = s["rates"]
            lines.append(f'  - {{subscriber: "{s["id"]}", router: headend, down: {down}Mbit, up: {up}Mbit}}')
        a, b = self.subscribers
        policy = ", ".join(f"{k}: {v}" for k, v in SHARING.items())
        return self._write("broker.yaml", f"""listen: 0.0.0.0:{BROKER_PORT}
database: sqlite:broker.db
callers:
""" + "\n".join(callers) + "\nlines:\n" + "\n".join(lines) + f"""
third_links: [["{a['id']}", "{b['id']}"]]
sharing: {{{policy}}}
""")

    def _device_config(self, s, gateway):
        n = s["id"]
        peer = next(p for p in self.subscribers if p["id"] != n)
        own_end = 1 if s is self.subscribers[0] else 2
        down, up = s["rates"]
        borrow = f"borrow: {BORROW[n]}\n" if n in BORROW else ""
        borrow += f"lend: {LEND[n]}\n" if n in LEND else ""
        return self._write(f"cpe{n}.yaml", f"""subscriber: "{n}"
broker: {{server: {_host(MANAGEMENT[f"cpe{n}"], 1)}:{BROKER_PORT}, token_file: cpe{n}.token}}
wan: {{interface: eth0, gateway: {gateway}, down: {down}Mbit, up: {up}Mbit}}
announce: {{down: {down * LINE_SYNC}Mbit, up: {up * LINE_SYNC}Mbit}}
third_links:
  - {{peer: "{peer['id']}", interface: tl0, address: {_host(THIRD_LINK, own_end)}/30,
     peer_address: {_host(THIRD_LINK, 3 - own_end)}, peer_prefixes: [{subscriber_prefix(peer)}]}}
{borrow}measure_interval: 1s
status: {{listen: 127.0.0.1:{DEVICE_STATUS_PORT}}}
""")

    # ----------------------------------------------------------- running

    def start_broker(self):
        path = self._broker_config()
        self.broker = self.lab.start("broker", [os.path.join(self.net.build_dir, "aggr-broker"), "--config", path],
                                     namespace="noc")

    def restart_broker(self):
        """kill -9 and start again, on the same database."""
        self.lab.stop(self.broker, signal.SIGKILL)
        self.start_broker()

    def start_devices(self, gateway):
        for s in self.subscribers:
            path = self._device_config(s, gateway)
            self.agents[s["id"]] = self.lab.start(f"cpe{s['id']}", [os.path.join(self.net.build_dir, "aggr-cpe"),
                                                                    "--config", path], namespace=f"cpe{s['id']}")

    def device_status(self, s):
        """What a subscriber's aggr-cpe shows of itself (GET /v1/status)."""
        return json.loads(self.lab.run(f"cpe{s['id']}", f"curl -sf http://127.0.0.1:{DEVICE_STATUS_PORT}/v1/status"))

    def device_metrics(self, s):
        """A subscriber's aggr-cpe's Prometheus text (GET /metrics)."""
        return self.lab.run(f"cpe{s['id']}", f"curl -sf http://127.0.0.1:{DEVICE_STATUS_PORT}/metrics")

    def redirects(self):
        """The redirects the headend enforces."""
        return json.loads(self.net.aggrctl("headend", "--json show redirects"))

    def redirect_for(self, borrower):
        """The headend's redirect for the borrower, or None."""
        return next((r for r in self.redirects() if str(r["borrower"]) == str(borrower["id"])), None)

    def quiet(self, donor, spare_bps, timeout=40):
        """No contract in force at the headend (those there cancelled), and
        the donor's line idle enough, in the broker's eyes, to lend
        spare_bps downstream. False on timeout."""
        for r in self.redirects():
            c = broker_contract(r)
            self.brokerctl(f"cancel {c} key=quiet-{c}", check=False)

        def ready():
            line = json.loads(self.brokerctl(f"--json line {donor['id']}"))
            return not self.redirects() and line["down"]["lendable_interruptible_bps"] >= spare_bps
        return wait_until(ready, timeout, 0.5)

    def contract(self, contract_id):
        """The broker's view of a contract: terms, usage, events."""
        return json.loads(self.brokerctl(f"--json contract {contract_id}"))

    def brokerctl(self, arguments, check=True):
        """aggr-brokerctl as the operator, from the noc."""
        return self.lab.run("noc", f"{self.net.build_dir}/aggr-brokerctl --api 127.0.0.1:{BROKER_PORT} "
                                   f"--token-file {self.lab.work_dir}/noc.token {arguments}", check)
