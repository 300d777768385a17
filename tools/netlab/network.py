"""The whole network of DESIGN.md on one machine, with static labels or
with labels distributed by LDP (labels="ldp": each router's speaker, and
the kernel routes a routing suite would install on its mirrors):
subscriber hosts behind an access node (Open vSwitch, QinQ lines) and on a
source-prefix port, a headend, a transit and a tailend (each aggrd on
net_af_packet over veths in a namespace of its own, with kernel mirrors on
their core and ISP ports), and two ISPs, each a gateway namespace with a
server. Every next hop is named by address and resolved by the routers'
kernels. Used by tests/e2e/network_test.py and tools/demo.sh (demo.py).

    sub1 (red,   S10/C1, 20/10 Mbit) \\
                                      OVS -- access0 \\
    sub2 (green, S10/C2, 10/5 Mbit)  /                headend -- transit -- tailend -- red   (198.51.100.10)
    sub3 (red, source prefix, untagged) -- access1  /                              \\- green (203.0.113.10)
"""
import ipaddress
import json
import os
import time

from netlab import AccessNode, Lab, sh, wait_until
from sharing import Sharing

# The subscribers: name, ISP, line (svlan, cvlan; None: the source-prefix
# port), MAC, IPv4 and IPv6 addresses, and the line's rates (down, up) in Mbit/s.
SUBSCRIBERS = [
    dict(name="sub1", id=1, isp="red", line=(10, 1), mac="02:00:00:01:00:01", ipv4="100.64.1.2",
         ipv6="2001:db8:1::2", rates=(20, 10)),
    dict(name="sub2", id=2, isp="green", line=(10, 2), mac="02:00:00:01:00:02", ipv4="100.64.2.2",
         ipv6=None, rates=(10, 5)),
    dict(name="sub3", id=3, isp="red", line=None, mac="02:00:00:01:00:03", ipv4="100.64.3.2",
         ipv6=None, rates=(10, 10)),
]
GATEWAY_IPV4, GATEWAY_IPV6 = "100.64.0.1", "2001:db8:ff::1"

# The ISPs: handoff subnet (the tailend's mirror address is .1, the
# gateway's .2), the server's addresses, and the labels the tailend binds.
ISPS = {
    "red": dict(id=1, handoff="192.0.2.0/30", handoff6="fd00:f00:1::/64", server="198.51.100.10",
                server6="fd00:beef:1::10", label=3001, headend_label=1001),
    "green": dict(id=2, handoff="192.0.2.4/30", handoff6="fd00:f00:2::/64", server="203.0.113.10",
                  server6="fd00:beef:2::10", label=3002, headend_label=2001),
}

CORE_MTU = 1600  # room for the labels above a host's 1500
ROUTER_IDS = {"headend": "10.255.0.1", "transit": "10.255.0.2", "tailend": "10.255.0.3", "transit2": "10.255.0.4"}
POOLS = ["100.64.0.0/16", "2001:db8::/32"]
# The core links' subnets: headend-transit (12) and transit-tailend (23).
LINK12, LINK12_6, LINK23, LINK23_6 = "10.0.12.0/30", "fd00:12::/64", "10.0.23.0/30", "fd00:23::/64"
# With LDP, a second transit is the alternate path: headend-transit2 (14), transit2-tailend (43).
LINK14, LINK14_6, LINK43, LINK43_6 = "10.0.14.0/30", "fd00:14::/64", "10.0.43.0/30", "fd00:43::/64"


def ldp_section(router, extra=""):
    """Fast Hellos, and graceful restart with the router's state file
    beside its configuration."""
    return (f"{{hello: {{interval: 1, hold_time: 5}}, graceful_restart: {{reconnect_time: 60, recovery_time: 30, "
            f"state_file: {router}-ldp.json}}{extra}}}")

EAL = '{args: [--no-huge, -m, "384", --no-pci, --log-level=lib.eal:warning]}'
COMMON = f"""eal: {EAL}
workers: {{lcores: [1], idle_polls: 64, idle_sleep_us: 200}}
management: {{listen: "127.0.0.1:9465"}}
metrics: {{listen: "off"}}
"""


def host_address(subnet, host):
    """The `host`th address of a subnet: host_address("192.0.2.0/30", 1) is "192.0.2.1"."""
    return str(ipaddress.ip_network(subnet)[host])


def link_address(subnet, host):
    return f"{host_address(subnet, host)}/{ipaddress.ip_network(subnet).prefixlen}"


def alternate_port(name, device, link, link6, host):
    """A core port towards the second transit, with its mirror."""
    return (f"  - {{name: {name}, role: core, device: \"net_af_packet{device},iface={name}\", mtu: {CORE_MTU},\n"
            f"     mirror: {{interface: m{name}, addresses: [{link_address(link, host)}, \"{link_address(link6, host)}\"]}}}}\n")


def headend_config(ldp=False, sharing=None):
    lines = []
    for s in SUBSCRIBERS:
        line = "{port: access1}" if s["line"] is None else f"{{port: access0, svlan: {s['line'][0]}, cvlan: {s['line'][1]}}}"
        addresses = [s["ipv4"] + "/32"] + ([str(ipaddress.ip_interface(s["ipv6"] + "/64").network)] if s["ipv6"] else [])
        fields = (sharing.headend_subscriber(s) if sharing and sharing.has_device(s)
                  else f"addresses: [{', '.join(json.dumps(a) for a in addresses)}]")
        lines.append(f"  - {{id: {s['id']}, isp: {s['isp']}, line: {line}, cpe_mac: \"{s['mac']}\", {fields}}}")
    if ldp:  # the FTN entries follow the labels the transit gives the ISPs' FECs
        isps = "\n".join(f"  - {{id: {i['id']}, name: {name}, fec: {i['handoff']}}}" for name, i in ISPS.items())
        labels = f"ldp: {ldp_section('headend')}"
    else:
        isps = "\n".join(f"  - {{id: {i['id']}, name: {name}, labels: [{i['headend_label']}], "
                         f"next_hop: {{port: core0, address: 10.0.12.2}}}}" for name, i in ISPS.items())
        labels = "local_labels: [{label: 100, action: pop-to-subscriber}]"
    return f"""router: {{name: headend, role: headend, router_id: {ROUTER_IDS['headend']}}}
{COMMON}ports:
  - {{name: access0, role: access, device: "net_af_packet0,iface=acc0", mtu: {CORE_MTU},
     gateways: [{GATEWAY_IPV4}, "{GATEWAY_IPV6}"]}}
  - {{name: access1, role: access, device: "net_af_packet1,iface=acc1,qdisc_bypass=0",
     classify: source-prefix,
     gateways: [{GATEWAY_IPV4}]}}
  - {{name: core0, role: core, device: "net_af_packet2,iface=core0", mtu: {CORE_MTU},
     mirror: {{interface: mcore0, addresses: [{link_address(LINK12, 1)}, "{link_address(LINK12_6, 1)}"]}}}}
{alternate_port("core1", 3, LINK14, LINK14_6, 1) if ldp else ""}subscriber_pools: [{", ".join(json.dumps(p) for p in POOLS)}]
isps:
{isps}
{labels}
{sharing.headend_section() if sharing else ""}subscribers:
""" + "\n".join(lines) + "\n"


def transit2_config(ldp=True):
    """The alternate transit. Its labels start at 1000, apart from the
    first transit's, so that a frame sent to it with the other's label
    (a stale one) shows on the wire."""
    return f"""router: {{name: transit2, role: transit, router_id: {ROUTER_IDS['transit2']}}}
{COMMON}ports:
  - {{name: west, role: core, device: "net_af_packet0,iface=west", mtu: {CORE_MTU},
     mirror: {{interface: mwest, addresses: [{link_address(LINK14, 2)}, "{link_address(LINK14_6, 2)}"]}}}}
  - {{name: east, role: core, device: "net_af_packet1,iface=east", mtu: {CORE_MTU},
     mirror: {{interface: meast, addresses: [{link_address(LINK43, 1)}, "{link_address(LINK43_6, 1)}"]}}}}
ldp: {ldp_section('transit2', ', first_label: 1000')}
"""


def transit_config(ldp=False):
    swaps = "\n".join(f"  - {{label: {i['headend_label']}, action: swap, out_labels: [{i['label']}], "
                      f"next_hop: {{port: east, address: 10.0.23.2}}}}" for i in ISPS.values())
    labels = f"ldp: {ldp_section('transit')}" if ldp else f"""local_labels:
{swaps}
  - {{label: 4100, action: swap, out_labels: [100], next_hop: {{port: west, address: 10.0.12.1}}}}"""
    return f"""router: {{name: transit, role: transit, router_id: {ROUTER_IDS['transit']}}}
{COMMON}ports:
  - {{name: west, role: core, device: "net_af_packet0,iface=west", mtu: {CORE_MTU},
     mirror: {{interface: mwest, addresses: [{link_address(LINK12, 2)}, "{link_address(LINK12_6, 2)}"]}}}}
  - {{name: east, role: core, device: "net_af_packet1,iface=east", mtu: {CORE_MTU},
     mirror: {{interface: meast, addresses: [{link_address(LINK23, 1)}, "{link_address(LINK23_6, 1)}"]}}}}
{labels}
"""


def tailend_config(ldp=False):
    ports, isps, labels = [], [], []
    for n, (name, i) in enumerate(ISPS.items()):
        mirror = f"[{host_address(i['handoff'], 1)}/30, \"{host_address(i['handoff6'], 1)}/64\"]"
        ports.append(f"  - {{name: {name}0, role: isp, device: \"net_af_packet{n + 1},iface={name}0\", "
                     f"mirror: {{interface: m{name}, addresses: {mirror}}}}}")
        isps.append(f"  - {{id: {i['id']}, name: {name}, handoff: {{port: {name}0, address: "
                    f"{host_address(i['handoff'], 2)}}}}}")
        labels.append(f"  - {{label: {i['label']}, action: pop-to-isp, isp: {name}}}")
    if ldp:  # each ISP's FEC (its handoff link) originated; the pools' labels followed
        pools = ", ".join(json.dumps(p) for p in POOLS)
        labelling = f"ldp: {ldp_section('tailend', f', subscriber_fecs: [{pools}]')}\n"
    else:
        labelling = "local_labels:\n" + "\n".join(labels) + "\nprefix_fecs:\n" + "".join(
            f"  - {{prefix: {json.dumps(p)}, labels: [4100], next_hop: {{port: core0, address: 10.0.23.1}}}}\n" for p in POOLS)
    return f"""router: {{name: tailend, role: tailend, router_id: {ROUTER_IDS['tailend']}}}
{COMMON}ports:
  - {{name: core0, role: core, device: "net_af_packet0,iface=core0", mtu: {CORE_MTU},
     mirror: {{interface: mcore0, addresses: [{link_address(LINK23, 2)}, "{link_address(LINK23_6, 2)}"]}}}}
""" + (alternate_port("core1", 3, LINK43, LINK43_6, 2) if ldp else "") + "\n".join(ports) + "\nisps:\n" + "\n".join(isps) + "\n" + labelling

# With LDP, the routes a routing suite would install on each router's
# mirrors: towards the other routers, the ISPs' FECs and the pools.
ISP_LINKS = "192.0.2.0/29"
LDP_ROUTES = {
    "headend": [(f"{ROUTER_IDS['transit']}/32", "10.0.12.2", "mcore0"), (f"{ROUTER_IDS['tailend']}/32", "10.0.12.2", "mcore0"),
                (LINK23, "10.0.12.2", "mcore0"), (ISP_LINKS, "10.0.12.2", "mcore0"),
                (f"{ROUTER_IDS['transit2']}/32", "10.0.14.2", "mcore1")],
    "transit": [(f"{ROUTER_IDS['headend']}/32", "10.0.12.1", "mwest"), (POOLS[0], "10.0.12.1", "mwest"),
                (POOLS[1], "fd00:12::1", "mwest"), (f"{ROUTER_IDS['tailend']}/32", "10.0.23.2", "meast"),
                (ISP_LINKS, "10.0.23.2", "meast")],
    "tailend": [(f"{ROUTER_IDS['headend']}/32", "10.0.23.1", "mcore0"), (f"{ROUTER_IDS['transit']}/32", "10.0.23.1", "mcore0"),
                (LINK12, "10.0.23.1", "mcore0"), (POOLS[0], "10.0.23.1", "mcore0"), (POOLS[1], "fd00:23::1", "mcore0"),
                (f"{ROUTER_IDS['transit2']}/32", "10.0.43.1", "mcore1")],
    "transit2": [(f"{ROUTER_IDS['headend']}/32", "10.0.14.1", "mwest"), (POOLS[0], "10.0.14.1", "mwest"),
                 (POOLS[1], "fd00:14::1", "mwest"), (f"{ROUTER_IDS['tailend']}/32", "10.0.43.2", "meast"),
                 (ISP_LINKS, "10.0.43.2", "meast")],
}
# The same destinations through the second transit, at a worse metric: what
# an IGP would fall back to when the first transit's path fails.
PRIMARY_METRIC, ALTERNATE_METRIC = 10, 20
ALTERNATE_ROUTES = {
    "headend": [(f"{ROUTER_IDS['tailend']}/32", "10.0.14.2", "mcore1"), (ISP_LINKS, "10.0.14.2", "mcore1")],
    "tailend": [(f"{ROUTER_IDS['headend']}/32", "10.0.43.1", "mcore1"), (POOLS[0], "10.0.43.1", "mcore1"),
                (POOLS[1], "fd00:43::1", "mcore1")],
}


class Network:
    ROUTERS = {"headend": headend_config, "transit": transit_config, "tailend": tailend_config}
    # With LDP, a second transit too: the alternate path.
    LDP_ROUTERS = dict(ROUTERS, transit2=transit2_config)

    def __init__(self, build_dir, work_dir, tag, labels="static", time_convergence=False, sharing=False):
        self.build_dir = os.path.abspath(build_dir)
        self.ldp = labels == "ldp"
        # With LDP: echo requests from a subscriber every 10 ms while the
        # network comes up, to time its first labelled frames (they leave
        # drops at the headend, so tests that count drops do without).
        self.time_convergence = time_convergence and self.ldp
        self.convergence = {}
        self.routers = self.LDP_ROUTERS if self.ldp else self.ROUTERS
        self.lab = Lab(tag, work_dir)
        self.aggrd = {}
        self.access = None
        # With sharing: the first two subscribers behind customer devices
        # with a third link, and the broker (tools/netlab/sharing.py).
        self.sharing = Sharing(self, SUBSCRIBERS) if sharing else None

    # ---------------------------------------------------------------- building

    def start(self):
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    def _build(self):
        lab = self.lab
        extra = self.sharing.namespaces() if self.sharing else []
        for name in ["access"] + list(self.routers) + [s["name"] for s in SUBSCRIBERS] + list(ISPS) + extra:
            lab.add_namespace(name)
        # The access node is a switch: its ports send nothing of their own.
        lab.run("access", "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1")
        # Core links, and the headend's access ports.
        core = [("headend", "core0", "transit", "west"), ("transit", "east", "tailend", "core0")]
        if self.ldp:
            core += [("headend", "core1", "transit2", "west"), ("transit2", "east", "tailend", "core1")]
        for a, a_if, b, b_if in core:
            lab.link(a, a_if, b, b_if, CORE_MTU)
            lab.quiet_router_end(a, a_if)
            lab.quiet_router_end(b, b_if)
        lab.link("access", "uplink", "headend", "acc0", CORE_MTU)
        lab.quiet_router_end("headend", "acc0")
        self.access = AccessNode(lab, "access", "uplink")
        for s in SUBSCRIBERS:
            if self.sharing and self.sharing.has_device(s):
                self.sharing.customer_device(s, self.access, {"gateway": GATEWAY_IPV4})
            else:
                self._subscriber_host(s)
        if self.sharing:
            self.sharing.third_link()
            self.sharing.management_links()
            self.sharing.start_broker()
        for name, isp in ISPS.items():
            self._isp(name, isp)
        probe = self._start_probe() if self.time_convergence else None
        for router, config in self.routers.items():
            self._start_router(router, config(self.ldp, self.sharing) if router == "headend" else config(self.ldp))
        if self.ldp:
            routers_up = time.time()
            self._route()
            if self.time_convergence:
                if not wait_until(self._sessions_operational, 60, 0.05):
                    raise RuntimeError("LDP sessions did not come up")
                self.convergence["sessions_operational"] = time.time() - routers_up
            if not wait_until(self._ldp_converged, 60, 0.05):
                raise RuntimeError("LDP did not converge:\n" + "\n".join(
                    self.aggrctl(r, "show ldp neighbors") + self.aggrctl(r, "show ldp fec") for r in self.routers))
            self.convergence["ldp_converged"] = time.time() - routers_up
            if probe is not None:
                self.convergence["first_echo_reply"] = self._first_reply(probe) - routers_up
        for router in self.routers:
            if not wait_until(lambda: self._all_resolved(router), 30, 0.2):
                raise RuntimeError(f"{router}: next hops not resolved:\n{self.aggrctl(router, 'show adjacencies')}\n"
                                   f"{lab.log(router)}")
        if self.sharing:
            self.sharing.start_devices(GATEWAY_IPV4)

    def _start_probe(self):
        s = SUBSCRIBERS[0]
        return self.lab.start("first-frame-probe", ["ping", "-D", "-n", "-i", "0.01", "-w", "120",
                                                    ISPS[s["isp"]]["server"]], namespace=s["name"])

    def _first_reply(self, probe):
        """The time of the probe's first echo reply: a labelled frame went
        through every router both ways."""
        def replied():
            return " bytes from " in self.lab.log("first-frame-probe")
        if not wait_until(replied, 20, 0.05):
            raise RuntimeError("no echo reply through the LSPs")
        self.lab.stop(probe)
        line = next(l for l in self.lab.log("first-frame-probe").splitlines() if " bytes from " in l)
        return float(line[line.index("[") + 1:line.index("]")])

    def _route(self, only=None):
        """What a routing suite would install: each router's routes (or
        only one's), the first transit's path preferred, the second's as
        the alternate."""
        for metric, table in ((PRIMARY_METRIC, LDP_ROUTES), (ALTERNATE_METRIC, ALTERNATE_ROUTES)):
            for router, routes in table.items():
                if only is not None and router != only:
                    continue
                for prefix, via, dev in routes:
                    self.lab.run(router, f"ip route replace {prefix} via {via} dev {dev} metric {metric}")

    def restart_router(self, router):
        """Stops a router's aggrd and starts it again with the same
        configuration; its routes come back with its mirrors, as a routing
        suite's would. Returns the seconds from the stop to the new one
        answering."""
        started = time.time()
        self.lab.stop(self.aggrd[router])
        with open(os.path.join(self.lab.work_dir, f"{router}.yaml")) as f:
            config = f.read()
        self._start_router(router, config)
        if self.ldp:
            self._route(router)
        return time.time() - started

    def fail_first_transit(self):
        """The link between the first transit and the tailend goes down, and
        routing withdraws the paths over it, as an IGP would: the headend's
        and the tailend's traffic falls back to the second transit."""
        self.lab.run("transit", "ip link set east down")
        for router in ("headend", "tailend"):
            for prefix, via, dev in LDP_ROUTES[router]:
                if any(prefix == alternate for alternate, _, _ in ALTERNATE_ROUTES[router]):
                    self.lab.run(router, f"ip route del {prefix} via {via} dev {dev} metric {PRIMARY_METRIC}")

    def _subscriber_host(self, s):
        lab, name = self.lab, s["name"]
        if s["line"] is None:
            lab.link(name, "eth0", "headend", "acc1")
            lab.quiet_router_end("headend", "acc1")
            shaped_down = ("headend", "acc1")  # the port sends through the qdisc (qdisc_bypass=0)
        else:
            port = f"p{name}"
            lab.link(name, "eth0", "access", port)
            self.access.add_line(port, *s["line"])
            shaped_down = ("access", port)
        lab.run(name, f"ip link set eth0 address {s['mac']}")
        lab.host_end(name, "eth0")
        # An IPoE host: its address, and its gateway on the link.
        lab.run(name, f"ip addr add {s['ipv4']}/32 dev eth0")
        lab.run(name, f"ip route add {GATEWAY_IPV4}/32 dev eth0")
        lab.run(name, f"ip route add default via {GATEWAY_IPV4}")
        if s["ipv6"]:
            lab.run(name, f"ip -6 addr add {s['ipv6']}/128 dev eth0 nodad")
            lab.run(name, f"ip -6 route add {GATEWAY_IPV6}/128 dev eth0")
            lab.run(name, f"ip -6 route add default via {GATEWAY_IPV6}")
        # The line's capacity, both ways (the access node's port is the downstream end).
        down, up = s["rates"]
        lab.run(name, f"tc qdisc add dev eth0 root tbf rate {up}mbit burst 32kb latency 50ms")
        lab.run(shaped_down[0], f"tc qdisc add dev {shaped_down[1]} root tbf rate {down}mbit burst 32kb latency 50ms")

    def _isp(self, name, isp):
        lab = self.lab
        lab.link(name, "eth0", "tailend", f"{name}0")
        lab.quiet_router_end("tailend", f"{name}0")
        lab.host_end(name, "eth0")
        lab.run(name, f"ip addr add {host_address(isp['handoff'], 2)}/30 dev eth0")
        lab.run(name, f"ip -6 addr add {host_address(isp['handoff6'], 2)}/64 dev eth0 nodad")
        lab.run(name, f"ip addr add {isp['server']}/32 dev lo")
        lab.run(name, f"ip -6 addr add {isp['server6']}/128 dev lo")
        # The subscriber pools are behind the tailend.
        lab.run(name, f"ip route add 100.64.0.0/16 via {host_address(isp['handoff'], 1)}")
        lab.run(name, f"ip -6 route add 2001:db8::/32 via {host_address(isp['handoff6'], 1)}")

    def _start_router(self, router, config):
        path = os.path.join(self.lab.work_dir, f"{router}.yaml")
        with open(path, "w") as f:
            f.write(config)
        prefix = f"{self.lab.tag}-{router}"
        self.aggrd[router] = self.lab.start(
            router, [os.path.join(self.build_dir, "aggrd"), "--config", path, "--summary-json",
                     self.summary_path(router), "-E", f"--file-prefix={prefix}"], namespace=router)
        if not wait_until(lambda: self._answers(router), 30, 0.2):
            raise RuntimeError(f"{router} did not start:\n{self.lab.log(router)}")

    def _answers(self, router):
        if self.aggrd[router].poll() is not None:
            raise RuntimeError(f"{router} exited:\n{self.lab.log(router)}")
        return "generation" in self.aggrctl(router, "show status", check=False)

    def _sessions_operational(self):
        return all(n["state"] == "operational" for r in self.routers
                   for n in json.loads(self.aggrctl(r, "--json show ldp neighbors")))

    def _ldp_converged(self):
        """Every ISP has its FTN entry at the headend, every pool its entry by prefix at the tailend."""
        isps = json.loads(self.aggrctl("headend", "--json show fec"))
        pools = json.loads(self.aggrctl("tailend", "--json show ldp fec"))
        return (all(f["installed"] and f.get("source") == "ldp" for f in isps) and len(isps) == len(ISPS) and
                sum(1 for f in pools if f.get("prefix_ftn_installed")) == len(POOLS))

    def expected_labels(self):
        """The labels on each core link, captured where it is received:
        {(router, port): {label, ...}}. Upstream the headend's label for each
        ISP, then the tailend's; downstream the tailend's label for the
        pools, then the headend's."""
        if not self.ldp:
            return {("transit", "west"): {i["headend_label"] for i in ISPS.values()},
                    ("tailend", "core0"): {i["label"] for i in ISPS.values()},
                    ("transit", "east"): {4100},
                    ("headend", "core0"): {100}}

        def bindings(router):
            return {b["fec"]: b for b in json.loads(self.aggrctl(router, "--json show ldp bindings"))}
        headend, transit, tailend = bindings("headend"), bindings("transit"), bindings("tailend")
        handoffs, pools = [i["handoff"] for i in ISPS.values()], POOLS
        return {("transit", "west"): {headend[f]["in_use"] for f in handoffs},
                ("tailend", "core0"): {transit[f]["in_use"] for f in handoffs},
                ("transit", "east"): {tailend[p]["in_use"] for p in pools},
                ("headend", "core0"): {transit[p]["in_use"] for p in pools}}

    def second_path_labels(self):
        """With LDP, the labels that belong on the second transit's links,
        captured where each is received: {(router, port): {label, ...}}, as
        strings, the way tshark prints them. Upstream the second transit's
        label for each ISP, then the tailend's; downstream its label for
        the pools, then the headend's."""
        def local(router, fecs):
            bindings = {b["fec"]: b for b in json.loads(self.aggrctl(router, "--json show ldp bindings"))}
            return {str(bindings[f]["local_label"]) for f in fecs}
        handoffs = [i["handoff"] for i in ISPS.values()]
        return {("transit2", "west"): local("transit2", handoffs),
                ("tailend", "core1"): local("tailend", handoffs),
                ("transit2", "east"): local("transit2", POOLS),
                ("headend", "core1"): local("headend", POOLS)}

    def _all_resolved(self, router):
        adjacencies = json.loads(self.aggrctl(router, "--json show adjacencies"))
        return adjacencies and all(a["state"] == "resolved" for a in adjacencies if a["nhlfes"] > 0)

    # ---------------------------------------------------------------- using

    def summary_path(self, router):
        return os.path.join(self.lab.work_dir, f"{router}-summary.json")

    def aggrctl(self, router, arguments, check=True):
        return self.lab.run(router, f"{self.build_dir}/aggrctl {arguments}", check)

    def isp_counters(self, router):
        """{isp: {"up": {...}, "down": {...}}} as the router counts them."""
        return {i["name"]: {"up": i["up"], "down": i["down"]}
                for i in json.loads(self.aggrctl(router, "--json show isps"))}

    def stop_routers(self):
        """Stops the routers; their summaries by router."""
        summaries = {}
        for router, process in self.aggrd.items():
            if self.lab.stop(process) != 0:
                raise RuntimeError(f"{router} exited with {process.returncode}:\n{self.lab.log(router)}")
            with open(self.summary_path(router)) as f:
                summaries[router] = json.load(f)
        self.aggrd = {}
        return summaries

    def close(self):
        if self.access is not None:
            self.access.close()
        self.lab.close()
