#!/usr/bin/env bash
# The demo, on any machine (no NIC, no hugepages), as root: installs
# packages and builds, then
#  - by default, the whole network in network namespaces
#    (tools/netlab/demo.py): subscriber hosts behind an Open vSwitch access
#    node, a headend, a transit and a tailend (aggrd on veths), two ISPs;
#    TCP from every subscriber at once, and the per-ISP accounting of the
#    headend and the tailend side by side; then bandwidth sharing: a
#    saturated subscriber's device (aggr-cpe) gets a grant from aggr-broker,
#    its download before and after, and what the ledger billed;
#  - with --pcap, or where namespaces are not allowed, the headend alone:
#    subscriber traffic for config/demo.yaml from aggr-gen, forwarded
#    through aggrd's net_pcap ports, shown where an operator looks (aggrctl,
#    Prometheus metrics), then the per-ISP summary and the output pcaps.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build aggrd aggr-gen aggrctl aggr-broker aggr-brokerctl aggr-cpe >/dev/null

if [ "${1:-}" != "--pcap" ]; then
  if ip netns add aggr-demo-probe 2>/dev/null; then
    ip netns del aggr-demo-probe
    exec /usr/bin/python3 tools/netlab/demo.py build
  fi
  echo "network namespaces are not allowed here: the headend demo over pcap files instead"
fi

mkdir -p build/demo
rm -f build/demo/*.pcap build/demo/*.json
./build/aggr-gen --config config/demo.yaml --out-dir build/demo --packets 16
./build/aggrd --config config/demo.yaml --quiet --summary-json build/demo/summary.json &
aggrd=$!
trap 'kill $aggrd 2>/dev/null || true' EXIT
# Up, and every input frame received (the pcaps are read once).
frames=$(/usr/bin/python3 -c 'import json; print(sum(v[d]["packets"] for v in json.load(open("build/demo/expected-totals.json"))["isps"].values() for d in ("up", "down")))' 2>/dev/null || echo 0)
for _ in $(seq 100); do
  received=$(./build/aggrctl --json show counters 2>/dev/null |
    /usr/bin/python3 -c 'import json,sys; print(sum(p["rx"]["packets"] for p in json.load(sys.stdin)["ports"].values()))' 2>/dev/null || echo -1)
  [ "$received" -ge "$frames" ] && [ "$frames" -gt 0 ] && break
  sleep 0.2
done

echo
echo "== aggrctl show isps   (the management API, http://127.0.0.1:9465)"
./build/aggrctl show isps
echo
echo "== curl -s http://127.0.0.1:9464/metrics | grep aggr_isp_bytes_total"
curl -s http://127.0.0.1:9464/metrics | grep '^aggr_isp_bytes_total'
echo
echo "(also: aggrctl show ports|fec|ilm|counters|drops|workers|status|subscribers;"
echo " dpdk-telemetry.py -f aggrd-demo-headend, then /aggr/isps)"
kill -TERM $aggrd
wait $aggrd
trap - EXIT

echo
echo "Expected per-ISP totals (from aggr-gen): build/demo/expected-totals.json"
echo "Output pcaps: build/demo/core0-out.pcap (labelled, upstream)"
echo "              build/demo/access0-out.pcap build/demo/access1-out.pcap (to subscribers)"
echo "Counters as JSON: build/demo/summary.json"
