#!/usr/bin/env bash
# Builds every target with meson and clang, under ASan + UBSan and with
# libFuzzer's coverage, in build-sanitize/: the tests' sanitizer runs and
# tools/fuzz.sh share this one build (and it proves that meson builds every
# target). -O1: ASan's advice, and the fuzzers still run fast.
# Usage: tools/build-sanitize.sh [ninja target ...]
set -euo pipefail
cd "$(dirname "$0")/.."
# A unity build, as tools/test.sh's CMake build: sixteen sources to a unit.
options=(-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false -Doptimization=1 -Ddebug=true
         -Dunity=on -Dunity_size=16 "-Dcpp_args=-fno-omit-frame-pointer -fno-sanitize-recover=undefined")
if [ -f build-sanitize/build.ninja ]; then
  meson configure build-sanitize "${options[@]}" >/dev/null
else
  CXX=clang++ meson setup build-sanitize "${options[@]}" >/dev/null
fi
ninja -C build-sanitize -j"$(nproc)" "$@"
