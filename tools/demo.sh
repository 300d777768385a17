#!/usr/bin/env bash
# Runs the headend demo end to end on any machine (no NIC, no hugepages):
# installs packages, builds, generates subscriber traffic for config/demo.yaml
# with aggr-gen, forwards it through aggrd (net_pcap ports) and prints the
# per-ISP summary and where the output pcaps are.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build aggrd aggr-gen >/dev/null

mkdir -p build/demo
rm -f build/demo/*.pcap build/demo/*.json
./build/aggr-gen --config config/demo.yaml --out-dir build/demo --packets 16
./build/aggrd --config config/demo.yaml --exit-idle 1 --quiet --summary-json build/demo/summary.json

echo
echo "Expected per-ISP totals (from aggr-gen): build/demo/expected-totals.json"
echo "Output pcaps: build/demo/core0-out.pcap (labelled, upstream)"
echo "              build/demo/access0-out.pcap build/demo/access1-out.pcap (to subscribers)"
echo "Counters as JSON: build/demo/summary.json"
