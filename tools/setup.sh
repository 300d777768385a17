#!/usr/bin/env bash
# Installs every Debian package that building, the demo and the tests need.
# Idempotent: does nothing when all packages are present. Run as root.
set -euo pipefail

packages=(
  build-essential g++ cmake meson ninja-build pkg-config
  libdpdk-dev dpdk dpdk-dev
  libyaml-cpp-dev libboost-program-options-dev prometheus-cpp-dev nlohmann-json3-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  libpcap-dev tshark clang libclang-rt-14-dev
  libcpp-httplib-dev prometheus curl
  python3 python3-matplotlib dpdk-doc
  valgrind  # benchmarks/run --instructions
  libmnl-dev  # rtnetlink: the kernel mirrors' addresses
  iproute2 iputils-ping iperf3 ethtool procps  # the exception path's test: namespaces, veths, a kernel peer
  openvswitch-switch  # the end-to-end network's access node (userspace datapath: no kernel module)
  libsqlite3-dev postgresql libpqxx-dev  # aggr-broker's billing ledger: SQLite embedded, PostgreSQL for operators (the tests start a server of their own)
  frr bc  # FRRouting's ldpd: the LDP interop peer (../shared/interop/ldp-peer.sh, which also uses bc)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
