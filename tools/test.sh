#!/usr/bin/env bash
# Runs every test on a fresh Debian 12 machine, as root: installs packages,
# builds with CMake and runs ctest, runs the end-to-end network test, the
# broker with aggrd, bandwidth sharing between two customer devices and the
# broker's crash test,
# runs the timing-dependent tests again
# beside spinning threads, builds every target again with meson and clang
# under ASan + UBSan and runs the unit, broker, hitless-update and operations
# tests in that build, then fuzzes the parsers and the pipeline for a short
# while in it, and checks the benchmark harness (its Python tests, then
# --quick runs).
set -euo pipefail
cd "$(dirname "$0")/.."

# Each section says how long the run has taken so far: CI's budget is 30 minutes.
started=$SECONDS
section() { echo "== [$(( (SECONDS - started) / 60 ))m$(( (SECONDS - started) % 60 ))s] $*"; }

bash tools/setup.sh
jobs=$(nproc)

section "CMake build (optimised, gcc) + ctest"
# A unity build (sources compiled sixteen to a unit: each header and
# template compiled once a unit, not once a file) without link-time
# optimisation (which links the dataplane again into every program): a
# third of the time, the same behaviour.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16 \
  -DAGGR_LTO=OFF >/dev/null
ninja -C build -j"$jobs"
(cd build && ctest --output-on-failure)
section "end to end: subscriber hosts, headend, transit, tailend and two ISPs in network namespaces"
python3 tests/e2e/network_test.py build
section "the same network with its labels distributed by LDP"
python3 tests/e2e/network_test.py build --ldp
section "LDP interop: aggrd's speaker against FRRouting's ldpd"
python3 tests/e2e/ldp_interop_test.py build
section "bandwidth sharing: aggrd enforcing and reporting aggr-broker's contracts on veth links, both killed again and again"
python3 tests/e2e/broker_router_test.py build
section "bandwidth sharing end to end: customer devices (aggr-cpe) ask, the broker grants, the headend carries and bills"
python3 tests/e2e/sharing_test.py build
section "aggr-broker killed (SIGKILL) again and again under a router's reports: the ledger stays exact"
python3 tests/e2e/broker_crash_test.py build --storage both
section "the shipped transit, tailend and customer-device configurations validate"
for role in transit tailend; do ./build/aggrd --config "config/$role.yaml" --check; done
./build/aggr-cpe --config config/cpe-sub1.yaml --check

section "the tests that depend on timing again, on a loaded host (two spinning threads beside them)"
# A busy CI machine or a parallel build schedules aggrd, aggr-gen and the
# tests' own threads late; these must pass that way too.
export AGGR_TEST_BUSY_THREADS=2
./build/aggr_gen_live_test ./build/aggrd ./build/aggr-gen
./build/hitless_update_test
./build/operations_test ./build/aggrd ./build/aggrctl
./build/aggrd_pcap_test ./build/aggrd
unset AGGR_TEST_BUSY_THREADS

section "sanitizer build: every target with meson and clang, ASan + UBSan and fuzzing coverage"
bash tools/build-sanitize.sh
section "unit, broker, hitless-update and operations tests under ASan + UBSan"
# DPDK maps its memory itself; LeakSanitizer would report EAL's allocations.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
./build-sanitize/tests/unit_tests
./build-sanitize/tests/hitless_update_test
# The broker's storage, ledger and API on SQLite and a PostgreSQL of its own.
./build-sanitize/tests/broker_tests
# aggrd itself instrumented: its API, exposer and reload threads under load.
./build-sanitize/tests/operations_test ./build-sanitize/aggrd ./build-sanitize/aggrctl
unset ASAN_OPTIONS UBSAN_OPTIONS
section "fuzzing the parsers and the pipeline (libFuzzer, a short run each)"
bash tools/fuzz.sh 15
section "benchmarks' own Python: the callgrind profile reader"
/usr/bin/python3 -m unittest discover -s benchmarks -p '*_test.py'
section "benchmarks/run --quick (completes and writes its JSON; speed is not checked)"
/usr/bin/python3 benchmarks/run --quick --out build/bench-quick
test -s build/bench-quick/results.json
section "benchmarks/run --instructions --quick (two cases under callgrind; it fails if it counts no packets)"
/usr/bin/python3 benchmarks/run --instructions --quick --cases '^(l3fwd-lpm|aggrd-up-qinq-1k)$' --out build/bench-quick
test -s build/bench-quick/instructions.json
section "all tests passed"
