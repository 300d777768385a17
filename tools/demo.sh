#!/usr/bin/env bash
# Runs the headend demo end to end on any machine (no NIC, no hugepages):
# installs packages, builds, generates subscriber traffic for config/demo.yaml
# with aggr-gen, forwards it through aggrd (net_pcap ports), shows where an
# operator looks (aggrctl, Prometheus metrics) while aggrd runs, then stops it
# and prints the per-ISP summary and where the output pcaps are.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build aggrd aggr-gen aggrctl >/dev/null

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
