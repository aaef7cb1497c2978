#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, -DSHARC_FUZZ=ON) in build/fuzz and fuzzes one target, or
# each in turn, on a copy of its corpus (fuzz/corpus/<target>/). Prints, per target, the
# executions made and the crashes found (their inputs are kept under build/fuzz/run/<target>/).
#
#   fuzz/run.sh TARGET|all [SECONDS|-runs=N] [more libFuzzer flags...]
#   fuzz/run.sh json 600              ten minutes of the json target
#   fuzz/run.sh all -runs=10000000    ten million executions of each target
#   fuzz/run.sh list                  the targets
#
# Defaults: 60 seconds, -max_len=65536 -timeout=10 -rss_limit_mb=2048, fuzz/sharc.dict.
# Environment: CXX (a clang++ of version 15 or later; the newest installed is picked
# otherwise), JOBS (build parallelism, default 2), NICE (default 19).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=build/fuzz
nice_level=${NICE:-19}

mapfile -t all_targets < <(ls fuzz/*_fuzzer.cc | sed 's|fuzz/||; s|_fuzzer\.cc$||' | sort)
if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
if [[ $1 == list ]]; then
  printf '%s\n' "${all_targets[@]}"
  exit 0
fi
if [[ $1 == all ]]; then
  targets=("${all_targets[@]}")
else
  [[ -f fuzz/$1_fuzzer.cc ]] || { echo "no target '$1'; fuzz/run.sh list" >&2; exit 2; }
  targets=("$1")
fi
shift
limit=(-max_total_time=60)
if [[ $# -gt 0 ]]; then
  if [[ $1 =~ ^[0-9]+$ ]]; then
    limit=(-max_total_time="$1")
  else
    limit=("$1")
  fi
  shift
fi

# clang 14 (Debian 12's default) cannot compile the project against libstdc++ 12 (a
# rewritten std::string < std::string_view comparison inside a lambda of a template fails,
# core/resources.cc): take clang 15 or later.
if [[ -z ${CXX:-} ]]; then
  for version in 19 18 17 16 15; do
    if command -v "clang++-$version" >/dev/null; then
      CXX=clang++-$version
      break
    fi
  done
fi
if [[ -z ${CXX:-} ]]; then
  echo "fuzz/run.sh needs clang 15 or later with libFuzzer, e.g.:" >&2
  echo "  apt-get install clang-16 libclang-rt-16-dev" >&2
  exit 1
fi
CC=${CC:-${CXX/clang++/clang}}
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '%s\n' '#include <cstddef>' '#include <cstdint>' \
  'extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }' >"$probe/p.cc"
if ! "$CXX" -fsanitize=fuzzer,address,undefined "$probe/p.cc" -o "$probe/p" 2>"$probe/err"; then
  echo "$CXX cannot link with libFuzzer (-fsanitize=fuzzer):" >&2
  cat "$probe/err" >&2
  echo "install its runtime, e.g. apt-get install libclang-rt-16-dev" >&2
  exit 1
fi

# Symbolized stacks in crash reports.
if [[ -z ${ASAN_SYMBOLIZER_PATH:-} ]]; then
  for symbolizer in "llvm-symbolizer-${CXX##*-}" llvm-symbolizer; do
    if command -v "$symbolizer" >/dev/null; then
      export ASAN_SYMBOLIZER_PATH=$(command -v "$symbolizer")
      break
    fi
  done
fi

# RelWithDebInfo without NDEBUG: optimized, with symbols and with assertions.
cmake -S . -B "$build" -G Ninja -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g" \
  -DSHARC_FUZZ=ON -DSHARC_BUILD_TESTS=OFF -DSHARC_BUILD_BENCH=OFF >/dev/null
nice -n "$nice_level" ninja -C "$build" -j "${JOBS:-2}" "${targets[@]/%/_fuzzer}"

status=0
summary=()
for target in "${targets[@]}"; do
  work=$build/run/$target
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -n fuzz/corpus/"$target"/* "$work/corpus/" 2>/dev/null || true
  log=$work/fuzz.log
  echo "=== $target: ${limit[*]} $* (log: $log)"
  start=$SECONDS
  set +e
  (cd "$work" && nice -n "$nice_level" "$root/$build/fuzz/${target}_fuzzer" -max_len=65536 \
    -timeout=10 -rss_limit_mb=2048 -dict="$root/fuzz/sharc.dict" -print_final_stats=1 \
    -artifact_prefix=artifacts/ "${limit[@]}" "$@" corpus) 2>&1 | tee "$log" |
    grep -E '^#[0-9]+.*(pulse|DONE)|^Done|ERROR|SUMMARY|invariant broken|^stat::|Test unit written'
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  seconds=$((SECONDS - start))
  # crash-, oom-, timeout- and leak- inputs; slow-unit- ones are not failures.
  crashes=$(find "$work/artifacts" -type f -not -name 'slow-unit-*' | wc -l)
  summary+=("$(printf '%-18s %12s executions %8s s %4s crashes' "$target" "${runs:-?}" \
    "$seconds" "$crashes")")
  if [[ $crashes -gt 0 ]]; then
    status=1
    find "$work/artifacts" -type f -not -name 'slow-unit-*' | sed 's/^/  /'
  fi
done
echo "=== summary"
printf '%s\n' "${summary[@]}"
exit $status
