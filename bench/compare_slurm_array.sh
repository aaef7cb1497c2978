#!/usr/bin/env bash
# A no-op job array (/bin/true), submitted and run to its end, side by side in one run:
#   sharc: one scheduler and one agent presenting a 64-PU synthetic node (cgroups, tenant
#          identity and durability as configured by default);
#   Slurm: Debian's slurm-wlm, slurmctld and slurmd on this machine, one node declared with
#          64 CPUs (SlurmdParameters=config_overrides), sched/backfill, cons_tres.
# Prints, for each, the time from submit to the last task's end and tasks per second, and the
# ratio. Needs root, a release build (ninja -C build/release sharc-scheduler sharc-agent sharc)
# and `apt-get install slurm-wlm munge`. Not part of ./test.sh.
#
# Usage: bench/compare_slurm_array.sh [TASKS] (default 10000)
set -euo pipefail
tasks=${1:-10000}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/build/release
work=$(mktemp -d /tmp/sharc-array-bench.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  [ -n "${SLURM_CONF:-}" ] && { scancel --quiet -u root 2>/dev/null || true;
    pkill -x slurmctld 2>/dev/null || true; pkill -x slurmd 2>/dev/null || true
    # slurmctld writes its state while it exits: wait for it before removing its directory.
    for _ in $(seq 100); do pgrep -x 'slurmctld|slurmd' > /dev/null || break; sleep 0.1; done; }
  rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }

run_sharc() {
  local token admin hash
  token() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
  hash() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
  admin=$(token); token=$(token)
  cat > "$work/tenants.json" <<JSON
{"admins": [{"name": "ops", "token_sha256": "$(hash "$admin")"}],
 "tenants": [{"name": "bench", "tokens": [{"name": "b", "token_sha256": "$(hash "$token")"}]}]}
JSON
  "$bin/scheduler/sharc-scheduler" --listen 127.0.0.1:0 --data-dir "$work/scheduler" \
    --tenants "$work/tenants.json" --ready-file "$work/url" 2> "$work/scheduler.log" &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.1; done
  export SHARC_SERVER; SHARC_SERVER=$(cat "$work/url")
  "$bin/agent/sharc-agent" --scheduler "$SHARC_SERVER" --node-name bench \
    --synthetic "pack:2 core:16 pu:2" --state-dir "$work/agent" 2> "$work/agent.log" &
  pids+=($!)
  for _ in $(seq 100); do
    SHARC_TOKEN=$admin "$bin/agent/cli/sharc" nodes -o json | grep -q '"connected": true' && break
    sleep 0.1
  done
  local start id end
  start=$(now)
  id=$(SHARC_TOKEN=$token "$bin/agent/cli/sharc" submit --array "0-$((tasks - 1))" \
       --mem 64M --time 1m -- /bin/true)
  SHARC_TOKEN=$token "$bin/agent/cli/sharc" wait "$id" --timeout 1h > /dev/null
  end=$(now)
  sharc_s=$(echo "$end - $start" | bc)
  SHARC_TOKEN=$token "$bin/agent/cli/sharc" show "$id" | grep -E "^(State|Array)" || true
}

run_slurm() {
  local d=$work/slurm host
  host=$(hostname -s)
  mkdir -p "$d/spool" "$d/ctld" "$d/log"
  cat > "$d/slurm.conf" <<CONF
ClusterName=bench
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$d/ctld
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MaxArraySize=$((tasks + 1))
MaxJobCount=$((tasks + 1000))
MinJobAge=2
NodeName=$host CPUs=64 RealMemory=64000 State=UNKNOWN
PartitionName=p Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$d/slurm.conf
  mkdir -p /run/munge && chown munge: /run/munge
  if [ ! -f /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null
    chown munge: /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  fi
  pgrep -x munged > /dev/null || runuser -u munge -- /usr/sbin/munged
  slurmctld -i && slurmd
  for _ in $(seq 100); do sinfo -h -o %T 2>/dev/null | grep -q idle && break; sleep 0.2; done
  local start end
  start=$(now)
  sbatch --array="0-$((tasks - 1))" -o /dev/null -e /dev/null --mem=64 --wrap=true > /dev/null
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
