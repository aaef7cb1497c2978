#!/usr/bin/env bash
# Installs what is missing, builds sharc with AddressSanitizer and UndefinedBehaviorSanitizer,
# and runs every test with CTest. Exits non-zero on any failure.
#   ./test.sh            everything
#   ./test.sh -R Store   only tests whose name matches (passed to ctest)
set -euo pipefail
cd "$(dirname "$0")"
source scripts/install-deps.sh
sharc_install_deps

build=build/asan
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSHARC_SANITIZE=ON \
  -DSHARC_BUILD_BENCH=OFF >/dev/null
ninja -C "$build"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$build" --output-on-failure --timeout 300 -j "$(nproc)" "$@"
