"""Building blocks of an emulated network on one Linux machine: network
namespaces joined by veth pairs, and Open vSwitch's userspace datapath
(datapath_type=netdev: no kernel module) as an access node that puts each
subscriber host on its QinQ line. Everything made here is named with the
lab's tag and removed by close(), whatever state it is in."""
import os
import shutil
import signal
import subprocess
import time


class CommandFailed(RuntimeError):
    pass


def sh(command, check=True, timeout=60, stderr=True):
    """Runs a shell command; its output (stdout, then stderr unless not
    wanted). Raises CommandFailed with both when it fails and check is set."""
    result = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise CommandFailed(f"{command}\n-> exit {result.returncode}\n{result.stdout}{result.stderr}")
    return result.stdout + result.stderr if stderr else result.stdout


def wait_until(predicate, timeout, interval=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class Lab:
    """Namespaces, veths and background processes, all removed by close()."""

    def __init__(self, tag, work_dir):
        self.tag = tag
        self.work_dir = work_dir
        self.namespaces = []
        self.processes = []  # (name, Popen)
        os.makedirs(work_dir, exist_ok=True)

    def ns(self, name):
        """The full name of the lab's namespace `name`."""
        return f"{self.tag}-{name}"

    def add_namespace(self, name):
        full = self.ns(name)
        sh(f"ip netns add {full}")
        self.namespaces.append(full)
        sh(f"ip -n {full} link set lo up")
        return full

    def run(self, name, command, check=True, timeout=60):
        return sh(f"ip netns exec {self.ns(name)} {command}", check, timeout)

    def link(self, a, a_if, b, b_if, mtu=1500):
        """A veth pair between namespaces a and b, both ends up."""
        sh(f"ip link add {a_if} netns {self.ns(a)} mtu {mtu} type veth peer name {b_if} netns {self.ns(b)} mtu {mtu}")
        sh(f"ip -n {self.ns(a)} link set {a_if} up")
        sh(f"ip -n {self.ns(b)} link set {b_if} up")

    def quiet_router_end(self, name, interface):
        """A veth end that a DPDK af_packet port uses: the namespace's own
        kernel must leave its frames to the router (no IPv6, no ARP
        answers, and addresses that live on the mirrors are not taken in on
        the veth: strict reverse-path filtering)."""
        self.run(name, f"sysctl -qw net.ipv6.conf.{interface}.disable_ipv6=1 net.ipv4.conf.all.rp_filter=1 "
                       f"net.ipv4.conf.{interface}.rp_filter=1 net.ipv4.conf.{interface}.arp_ignore=8")

    def host_end(self, name, interface):
        """A kernel host's interface: checksums in software, as a NIC's wire
        carries them (a veth otherwise leaves TCP's to an offload that never comes)."""
        self.run(name, f"ethtool -K {interface} tx off", check=True)

    def start(self, label, argv, namespace=None):
        """A background process, its output in work_dir/label.log."""
        if namespace is not None:
            argv = ["ip", "netns", "exec", self.ns(namespace)] + argv
        with open(os.path.join(self.work_dir, f"{label}.log"), "w") as log:
            process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append((label, process))
        return process

    def stop(self, process, sig=signal.SIGTERM, timeout=20):
        """Stops one process; its exit status."""
        if process.poll() is None:
            os.killpg(process.pid, sig)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        return process.returncode

    def log(self, label):
        try:
            with open(os.path.join(self.work_dir, f"{label}.log")) as f:
                return f.read()
        except OSError:
            return ""

    def close(self):
        for _, process in reversed(self.processes):
            try:
                self.stop(process, timeout=10)
            except ProcessLookupError:
                pass
        for full in reversed(self.namespaces):
            # Whatever still runs inside (OVS's daemons, iperf3) goes with it.
            pids = sh(f"ip netns pids {full}", check=False).split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            sh(f"ip netns del {full}", check=False)
        self.namespaces = []


class AccessNode:
    """Open vSwitch with the userspace datapath in its own namespace, with
    private database and run directories: the DSLAM/OLT that tags each
    subscriber port with its S- and C-VLAN towards the headend."""

    def __init__(self, lab, namespace, uplink):
        self.lab = lab
        self.namespace = namespace
        self.uplink = uplink
        self.dir = os.path.join(lab.work_dir, "ovs")
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.env = f"OVS_RUNDIR={self.dir} OVS_DBDIR={self.dir} OVS_LOGDIR={self.dir} OVS_SYSCONFDIR={self.dir}"
        db = os.path.join(self.dir, "conf.db")
        self.db = f"unix:{self.dir}/db.sock"
        sh(f"ovsdb-tool create {db} /usr/share/openvswitch/vswitch.ovsschema")
        self._in_ns(f"ovsdb-server {db} --remote=p{self.db} --pidfile={self.dir}/ovsdb.pid --detach "
                    f"--log-file={self.dir}/ovsdb.log")
        self.vsctl("--no-wait init")
        self._in_ns(f"ovs-vswitchd {self.db} --pidfile={self.dir}/vswitchd.pid --detach "
                    f"--log-file={self.dir}/vswitchd.log")
        self.vsctl(f"add-br access -- set bridge access datapath_type=netdev protocols=OpenFlow13 "
                   f"-- set Open_vSwitch . other_config:vlan-limit=2 -- add-port access {uplink}")
        self.ofctl("del-flows access")

    def _in_ns(self, command, check=True):
        return sh(f"ip netns exec {self.lab.ns(self.namespace)} env {self.env} {command}", check)

    def vsctl(self, arguments):
        return self._in_ns(f"ovs-vsctl --db={self.db} {arguments}")

    def ofctl(self, arguments):
        return self._in_ns(f"ovs-ofctl -O OpenFlow13 {arguments}")

    def close(self):
        for daemon in ("ovs-vswitchd", "ovsdb-server"):
            self._in_ns(f"ovs-appctl -t {daemon} exit", check=False)

    def add_line(self, port, svlan, cvlan):
        """Puts `port` (a veth end in the access node's namespace) on the
        line (svlan, cvlan): tags pushed towards the uplink, popped from it."""
        self.vsctl(f"add-port access {port}")
        self.ofctl(f"add-flow access 'in_port={port},actions=push_vlan:0x8100,set_field:{4096 + cvlan}->vlan_vid,"
                   f"push_vlan:0x88a8,set_field:{4096 + svlan}->vlan_vid,output:{self.uplink}'")
        # The S-VLAN travels to the second table as metadata, once its tag is popped.
        self.ofctl(f"add-flow access 'table=0,in_port={self.uplink},dl_vlan={svlan},actions=pop_vlan,"
                   f"write_metadata:{svlan},goto_table:1'")
        self.ofctl(f"add-flow access 'table=1,metadata={svlan},dl_vlan={cvlan},actions=pop_vlan,output:{port}'")
