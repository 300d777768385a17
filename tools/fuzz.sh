#!/usr/bin/env bash
# Runs each libFuzzer target for a while from its seeds, in the sanitizer
# build (tools/build-sanitize.sh: clang, ASan + UBSan + coverage).
# Usage: tools/fuzz.sh [seconds per target]
# A crash leaves its input in build-sanitize/fuzz/artifacts/ and fails the
# script; reproduce with ./build-sanitize/tests/<target> <that file>.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}

bash tools/setup.sh
targets=(frame_parser_fuzz pipeline_fuzz config_fuzz values_fuzz management_request_fuzz ldp_pdu_fuzz broker_request_fuzz cpe_fuzz)
bash tools/build-sanitize.sh "${targets[@]/#/tests/}"
out=build-sanitize/fuzz

# Seeds: the shipped configurations and subscribers file (config_fuzz reads
# a mode byte first: 0 = YAML, 1 = subscribers file) and typical values.
seeds=$out/seeds
rm -rf "$seeds" && mkdir -p "$seeds"/{config_fuzz,values_fuzz,frame_parser_fuzz,pipeline_fuzz,management_request_fuzz,ldp_pdu_fuzz,broker_request_fuzz,cpe_fuzz}
for f in config/*.yaml; do { printf '\0'; cat "$f"; } > "$seeds/config_fuzz/$(basename "$f")"; done
{ printf '\1'; head -20 config/demo-subscribers.csv; } > "$seeds/config_fuzz/subscribers.csv"
# aggr-cpe: its configuration (mode byte even) and the broker's instructions (odd).
{ printf '\0'; cat config/cpe-sub1.yaml; } > "$seeds/cpe_fuzz/config.yaml"
printf '\1%s' '[{"contract": "c7", "epoch": 2, "role": "borrower", "peer": "2", "down_bps": 8000000, "up_bps": 4500000, "interruptible": true, "expires_at_ms": 1796219952593, "lease_expires_at_ms": 1796219657593}, {"contract": "c8", "epoch": 1, "role": "donor", "peer": "3", "down_bps": 1000000, "up_bps": 0, "interruptible": false, "expires_at_ms": 1796219952593, "lease_expires_at_ms": 1796219657593}]' \
  > "$seeds/cpe_fuzz/instructions"
i=0
for v in 02:00:00:00:a0:00 100.64.0.0/10 2001:db8:1::/56 100Mbit 1.5Gbit 640kbit 4294967295 192.0.2.1; do
  printf '%s' "$v" > "$seeds/values_fuzz/$((i++))"
done
printf '\x00\x00' > "$seeds/pipeline_fuzz/template0"
# QinQ, single-tag and untagged IPv4 frames (the plain-IPv4 shortcut's cases).
ipv4='\x45\x00\x00\x14\x00\x00\x00\x00\x40\x06\x00\x00\x64\x40\x00\x01\xc6\x12\x01\x07'
macs='\x02\x00\x00\x00\x00\x0a\x02\x00\x00\x00\x00\x0b'
printf "$macs"'\x88\xa8\x00\x0a\x81\x00\x00\x01\x08\x00'"$ipv4" > "$seeds/frame_parser_fuzz/qinq"
printf "$macs"'\x81\x00\x00\x0a\x08\x00'"$ipv4"'\x00\x00\x00\x00' > "$seeds/frame_parser_fuzz/single_tag"
printf "$macs"'\x08\x00'"$ipv4"'\x00\x00\x00\x00\x00\x00\x00\x00' > "$seeds/frame_parser_fuzz/untagged"
# One label over IPv4 (the plain-MPLS shortcut's case).
printf "$macs"'\x88\x47\x00\x3e\x91\x40'"$ipv4"'\x00\x00\x00\x00' > "$seeds/frame_parser_fuzz/mpls"
printf '%s' '{"id": 9, "isp": "red", "line": {"port": "access0", "svlan": 300, "cvlan": 9}, "cpe_mac": "02:00:00:01:00:09", "addresses": ["100.64.9.0/24", "2001:db8::/56"], "rate": {"up": "10Mbit", "down": "50Mbit"}}' \
  > "$seeds/management_request_fuzz/subscriber"
printf '%s' '{"labels": [1001, 1002], "next_hop": {"port": "core0", "mac": "02:00:00:00:ff:01"}}' \
  > "$seeds/management_request_fuzz/isp"
printf '%s' '{"borrower": 1, "donor": 2, "rate": {"up": "2Mbit", "down": "5Mbit"}, "interruptible": false, "epoch": 3, "lease_s": 30}' \
  > "$seeds/management_request_fuzz/redirect"
printf '%s' '{"contract": "c12", "epoch": 2, "borrower": "1", "donor": "2", "up_bps": 1000000, "down_bps": 2000000, "interruptible": true, "lease_expires_at_ms": 1700000030000}' \
  > "$seeds/management_request_fuzz/instruction"
# The broker's requests: a mode byte (0 report, 1 grant, 2 renew, 3 cancel, 4 announce), then JSON.
printf '\0%s' '{"router": "r1", "at_ms": 5000, "lines": [{"subscriber": "d", "epoch": 1, "down_bytes": 100000, "up_bytes": 0}], "contracts": [{"contract": "c1", "epoch": 1, "sequence": 1, "up_bytes": 10, "down_bytes": 20}], "installed": [{"contract": "c1", "epoch": 1}]}' \
  > "$seeds/broker_request_fuzz/report"
printf '\1%s' '{"subscriber": "b", "min_bps": 1000000, "desired_bps": 5000000, "direction": "both", "interruptible": false, "duration_s": 600, "max_price_per_gb": 5000000}' \
  > "$seeds/broker_request_fuzz/grant"
printf '\2%s' '{"duration_s": 300}' > "$seeds/broker_request_fuzz/renew"
printf '\3%s' '"c1"' > "$seeds/broker_request_fuzz/cancel"
printf '\4%s' '{"down_sync_bps": 18000000, "up_sync_bps": 9000000}' > "$seeds/broker_request_fuzz/announce"

# An LDP link Hello (10.1.0.2:0, hold time 15, transport address, sequence number).
printf '\x00\x01\x00\x26\x0a\x01\x00\x02\x00\x00\x01\x00\x00\x1c\x00\x01\x19\x70\x04\x00\x00\x04\x00\x0f\x00\x00'\
'\x04\x01\x00\x04\x0a\x01\x00\x02\x04\x02\x00\x04\x00\x00\x00\x01' > "$seeds/ldp_pdu_fuzz/hello"

# Every kind of PDU FRR's ldpd and aggrd exchanged in the interop test, as captured.
cp tests/fuzz/seeds/ldp_pdu_fuzz/* "$seeds/ldp_pdu_fuzz/"

mkdir -p "$out/artifacts"
for t in "${targets[@]}"; do
  corpus=$out/corpus/$t
  mkdir -p "$corpus"
  echo "== $t (${seconds} s)"
  rc=0
  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ./build-sanitize/tests/$t "$corpus" "$seeds/$t" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$out/artifacts/$t-" >"$out/$t.log" 2>&1 || rc=$?
  grep -E "^stat::(number_of_executed_units|new_units_added)" "$out/$t.log" || true
  if ((rc != 0)); then
    grep -E "==[0-9]+==|SUMMARY|runtime error|Test unit written" "$out/$t.log" || tail -20 "$out/$t.log"
    echo "fuzz: $t failed (exit $rc); log: $out/$t.log"
    exit 1
  fi
done
echo "fuzz: no failures"
