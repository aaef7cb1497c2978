#!/usr/bin/env bash
# What users feel, sharc and Slurm side by side in one run (bench/lab.sh sets both up):
#   1. N no-op jobs (/bin/true), one CLI process per submit (sbatch / sharc submit), from the
#      first submit to the last job's end;
#   2. listing P pending jobs (squeue / sharc jobs), median of 10 runs, wall time including the
#      CLI's start; and the same listing's server side (one REST page over a kept connection);
#   3. cancelling those P pending jobs (scancel / sharc cancel, one command);
#   4. the daemons' resident memory afterwards.
# With BASE=<build dir of another sharc>, sharc's rows are also run with that build (e.g. the
# commit before a change), in the same run.
# Needs root, a release build (ninja -C build/release sharc-scheduler sharc-agent sharc) and
# `apt-get install slurm-wlm munge`. Not part of ./test.sh.
#
# Usage: bench/compare_slurm.sh [N] [P]   (defaults 1000 and 5000)
set -euo pipefail
jobs=${1:-1000}
pending=${2:-5000}
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lab.sh
source "$root/bench/lab.sh"
lab_init

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
ms_of() {  # runs "$@" 10 times; prints the median wall time in ms
  for _ in $(seq 10); do
    local s e
    s=$(now); "$@" > /dev/null; e=$(now)
    echo "($e - $s) * 1000" | bc -l
  done | median
}

# $1: label, $2: build dir
sharc_rows() {
  local label=$1 bin=$2 cli=$2/agent/cli/sharc start end ids last
  sharc_start "$bin"
  start=$(now)
  for _ in $(seq "$jobs"); do
    last=$(SHARC_TOKEN=$token "$cli" submit --mem 8M --time 1m -- /bin/true)
  done
  SHARC_TOKEN=$token "$cli" wait "$last" --timeout 1h > /dev/null
  while SHARC_TOKEN=$token "$cli" jobs -o json | grep -q '"id"'; do sleep 0.05; done
  end=$(now)
  printf '%-14s %-34s %10.1f jobs/s\n' "$label" "$jobs no-op jobs, one CLI per submit" \
    "$(echo "$jobs / ($end - $start)" | bc -l)"
  SHARC_TOKEN=$admin "$cli" admin node drain bench --reason bench > /dev/null
  python3 - "$pending" > "$work/bulk.json" <<'PY'
import json, sys
print(json.dumps([{"command": ["true"], "mem_bytes": 8 << 20} for _ in range(int(sys.argv[1]))]))
PY
  curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    --data-binary @"$work/bulk.json" "$SHARC_SERVER/v1/jobs" > /dev/null
  printf '%-14s %-34s %10.1f ms\n' "$label" "list $pending pending (CLI, wall)" \
    "$(SHARC_TOKEN=$token ms_of "$cli" jobs)"
  printf '%-14s %-34s %10.1f ms\n' "$label" "list $pending pending (server)" \
    "$(curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" \
        "$SHARC_SERVER/v1/jobs?view=table&limit=10000&[1-10]" | median | awk '{print $1 * 1000}')"
  ids=$(SHARC_TOKEN=$token "$cli" jobs -o json | python3 -c \
    'import json,sys; print(" ".join(str(j["id"]) for j in json.load(sys.stdin)["items"]))')
  start=$(now)
  # shellcheck disable=SC2086
  SHARC_TOKEN=$token "$cli" cancel $ids > /dev/null
  end=$(now)
  printf '%-14s %-34s %10.2f s\n' "$label" "cancel $pending pending" "$(echo "$end - $start" | bc)"
  printf '%-14s %-34s %10d MiB\n' "$label" "scheduler RSS" $(($(rss_kib "$sharc_scheduler_pid") / 1024))
  printf '%-14s %-34s %10d MiB\n' "$label" "agent RSS" $(($(rss_kib "$sharc_agent_pid") / 1024))
  lab_cleanup_sharc
}

lab_cleanup_sharc() {
  kill "${lab_pids[@]}" 2>/dev/null || true
  wait "${lab_pids[@]}" 2>/dev/null || true
  lab_pids=()
}

slurm_rows() {
  local start end
  slurm_start $((jobs + pending))
  start=$(now)
  for _ in $(seq "$jobs"); do
    sbatch -o /dev/null -e /dev/null --mem=8 --wrap=true > /dev/null
  done
  while [ "$(squeue -h | wc -l)" -gt 0 ]; do sleep 0.05; done
  end=$(now)
  printf '%-14s %-34s %10.1f jobs/s\n' Slurm "$jobs no-op jobs, one CLI per submit" \
    "$(echo "$jobs / ($end - $start)" | bc -l)"
  scontrol update partitionname=p state=down
  # Separate jobs, as sharc's are (not an array): 8 submitters at once to save time.
  seq "$pending" | xargs -P 8 -I{} sbatch -o /dev/null -e /dev/null --mem=8 --wrap=true > /dev/null
  printf '%-14s %-34s %10.1f ms\n' Slurm "list $pending pending (CLI, wall)" "$(ms_of squeue -r)"
  start=$(now)
  scancel -u root
  while [ "$(squeue -h -r | wc -l)" -gt 0 ]; do sleep 0.05; done
  end=$(now)
  printf '%-14s %-34s %10.2f s\n' Slurm "cancel $pending pending" "$(echo "$end - $start" | bc)"
  printf '%-14s %-34s %10d MiB\n' Slurm "slurmctld RSS" $(($(rss_kib "$slurmctld_pid") / 1024))
}

sharc_rows sharc "$root/build/release"
if [ -n "${BASE:-}" ]; then sharc_rows "sharc (base)" "$BASE"; fi
slurm_rows
