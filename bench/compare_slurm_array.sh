#!/usr/bin/env bash
# A no-op job array (/bin/true), submitted and run to its end, side by side in one run in sharc
# and in Slurm (bench/lab.sh sets both up: one 64-CPU node each). Prints, for each, the time
# from submit to the last task's end, tasks per second, and the ratio. Needs root, a release
# build (ninja -C build/release sharc-scheduler sharc-agent sharc) and
# `apt-get install slurm-wlm munge`. Not part of ./test.sh.
#
# Usage: bench/compare_slurm_array.sh [TASKS] (default 10000)
set -euo pipefail
tasks=${1:-10000}
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lab.sh
source "$root/bench/lab.sh"
lab_init

run_sharc() {
  local cli=$root/build/release/agent/cli/sharc start id end
  sharc_start "$root/build/release"
  start=$(now)
  id=$(SHARC_TOKEN=$token "$cli" submit --array "0-$((tasks - 1))" --mem 8M --time 1m -- /bin/true)
  SHARC_TOKEN=$token "$cli" wait "$id" --timeout 1h > /dev/null
  end=$(now)
  sharc_s=$(echo "$end - $start" | bc)
  SHARC_TOKEN=$token "$cli" show "$id" | grep -E "^(State|Array)" || true
}

run_slurm() {
  local start end
  slurm_start "$tasks"
  start=$(now)
  sbatch --array="0-$((tasks - 1))" -o /dev/null -e /dev/null --mem=8 --wrap=true > /dev/null
  while [ "$(squeue -h -r | wc -l)" -gt 0 ]; do sleep 0.2; done
  end=$(now)
  slurm_s=$(echo "$end - $start" | bc)
}

echo "== sharc: $tasks-task no-op array"
run_sharc
echo "== Slurm: $tasks-task no-op array"
run_slurm
printf '%-6s %10s %10s\n' "" "seconds" "tasks/s"
printf '%-6s %10.1f %10.1f\n' sharc "$sharc_s" "$(echo "$tasks / $sharc_s" | bc -l)"
printf '%-6s %10.1f %10.1f\n' Slurm "$slurm_s" "$(echo "$tasks / $slurm_s" | bc -l)"
printf 'sharc is %.1fx Slurm\n' "$(echo "$slurm_s / $sharc_s" | bc -l)"
