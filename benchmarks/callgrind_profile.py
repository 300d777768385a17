"""Reads one thread's callgrind profile (format: valgrind's
docs/callgrind-format) for benchmarks/run --instructions: the instructions
executed, split by the object that executed them, and the packets received.

Packets are counted inside the profile, not through the ports' counters: a
callgrind_control command takes effect whenever callgrind next polls for
one, seconds after it was sent under load, so counters read beside the
command would belong to another window. Every case receives from net_pcap
with infinite_rx=1, whose receive function returns the whole burst asked
for (it allocates the burst's mbufs all at once; its ring never runs dry),
and every program asks for bursts of 32 (testpmd's default, l3fwd's
MAX_PKT_BURST, aggrd's kBurstSize). So the packets received are 32 for each
call into net_pcap from outside it.
"""
import re

BURST = 32
_OBJECT = re.compile(r"^(ob|cob)=\((\d+)\)(.*)$")


def read_profile(path):
    """Returns dict(instructions, packets, by_object={object: self Ir})."""
    objects = {}  # name compression: a name comes with its number's first use
    ob = callee_ob = None  # the object of the costs that follow; of the next call
    after_calls = False
    instructions = 0
    pcap_calls = 0
    by_object = {}
    with open(path) as profile:
        for line in profile:
            named = _OBJECT.match(line)
            if named:
                kind, number, name = named.groups()
                if name.strip():
                    objects[number] = name.strip()
                if kind == "ob":
                    ob, callee_ob = objects[number], None
                else:
                    callee_ob = objects[number]
                continue
            if line.startswith("calls="):
                target = callee_ob or ob
                if "librte_net_pcap" in target and "librte_net_pcap" not in ob:
                    pcap_calls += int(line.split("=", 1)[1].split()[0])
                after_calls = True  # the next cost line is the call's inclusive cost
                continue
            if line.startswith("totals:"):
                instructions = int(line.split(":", 1)[1])
                continue
            if line[:1].isdigit() or line[:1] in "+-*":
                if after_calls:
                    after_calls, callee_ob = False, None
                    continue
                fields = line.split()
                if len(fields) >= 2:
                    by_object[ob] = by_object.get(ob, 0) + int(fields[1])
    # The file's own total of the self costs: a check on this reading of them.
    if sum(by_object.values()) != instructions:
        raise ValueError(f"{path}: self costs sum to {sum(by_object.values())}, the file's totals say {instructions}")
    return dict(instructions=instructions, packets=pcap_calls * BURST, by_object=by_object)


def split_by_object(by_object, executable):
    """Self instructions in the program's executable, in DPDK's libraries and
    drivers (librte_*), and elsewhere (libc, the dynamic loader)."""
    split = {"program": 0, "dpdk": 0, "other": 0}
    for obj, ir in by_object.items():
        if obj == executable:
            split["program"] += ir
        elif "librte_" in obj:
            split["dpdk"] += ir
        else:
            split["other"] += ir
    return split
