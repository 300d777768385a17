#!/usr/bin/env bash
# Builds DPDK's l3fwd example (the reference router of benchmarks/run) from
# the sources Debian's dpdk-doc installs, into build/l3fwd/l3fwd/build/l3fwd. Two changes, both
# for virtual devices, neither on the forwarding path: the RX offload request
# (IP checksum) is masked to what the device supports, as l3fwd already does
# for the RSS hash functions.
set -euo pipefail
cd "$(dirname "$0")/.."
examples=/usr/share/dpdk/examples
out=build/l3fwd/l3fwd
[ -x "$out/build/l3fwd" ] && [ "$out/build/l3fwd" -nt "$0" ] && exit 0
# The example includes ../common, so keep the examples' layout.
rm -rf build/l3fwd && mkdir -p build/l3fwd && cp -r "$examples/l3fwd" "$examples/common" build/l3fwd/
# In port setup, after "local_port_conf.rx_adv_conf.rss_conf.rss_hf &= dev_info.flow_type_rss_offloads;".
sed -i 's/^\t\t\tdev_info.flow_type_rss_offloads;$/&\n\t\tlocal_port_conf.rxmode.offloads \&= dev_info.rx_offload_capa;/' "$out/main.c"
# In RX queue setup.
sed -i 's/^\(\t\t\t\)rxq_conf.offloads = port_conf.rxmode.offloads;$/\1rxq_conf.offloads = port_conf.rxmode.offloads \& dev_info.rx_offload_capa;/' "$out/main.c"
grep -q 'rxmode.offloads &= dev_info.rx_offload_capa' "$out/main.c" || { echo "build-l3fwd: patch 1 did not apply" >&2; exit 1; }
grep -q 'rxq_conf.offloads = port_conf.rxmode.offloads & dev_info.rx_offload_capa' "$out/main.c" || { echo "build-l3fwd: patch 2 did not apply" >&2; exit 1; }
make -C "$out" -j"$(nproc)" shared >/dev/null
echo "build-l3fwd: $out/build/l3fwd"
