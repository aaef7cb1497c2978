# Sourced by the bench/compare_*.sh scripts: starts sharc (a scheduler and one agent presenting a
# 64-PU synthetic node) and Slurm (Debian's slurm-wlm: slurmctld and slurmd on this machine, one
# 64-CPU node) in a work directory, and stops both on exit. Needs root.
#
#   lab_init                      makes $work, installs the exit trap
#   sharc_start BIN               scheduler + agent from build dir BIN (the synthetic node has
#                                 1 GiB: jobs should ask for at most 16M to use its 64 CPUs);
#                                 exports SHARC_SERVER, sets $admin, $token and the pids
#   slurm_start MAX_JOBS          slurmctld + slurmd; exports SLURM_CONF, sets $slurmctld_pid
#   rss_kib PID                   the resident set of a process, in KiB
#   now                           seconds since the epoch, with nanoseconds
lab_pids=()

now() { date +%s.%N; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

lab_cleanup() {
  kill "${lab_pids[@]}" 2>/dev/null || true
  wait "${lab_pids[@]}" 2>/dev/null || true
  if [ -n "${SLURM_CONF:-}" ]; then
    scancel --quiet -u root 2>/dev/null || true
    pkill -x slurmctld 2>/dev/null || true
    pkill -x slurmd 2>/dev/null || true
    # slurmctld writes its state while it exits: wait for it before removing its directory.
    for _ in $(seq 100); do
      pgrep -x slurmctld > /dev/null || pgrep -x slurmd > /dev/null || break
      sleep 0.1
    done
  fi
  rm -rf "$work"
}

lab_init() {
  work=$(mktemp -d /tmp/sharc-bench.XXXXXX)
  chmod 755 "$work"
  trap lab_cleanup EXIT
}

sharc_start() {
  local bin=$1 dir=$work/sharc-$RANDOM
  mkdir -p "$dir"
  lab_token() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
  lab_hash() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
  admin=$(lab_token)
  token=$(lab_token)
  cat > "$dir/tenants.json" <<JSON
{"admins": [{"name": "ops", "token_sha256": "$(lab_hash "$admin")"}],
 "tenants": [{"name": "bench", "tokens": [{"name": "b", "token_sha256": "$(lab_hash "$token")"}]}]}
JSON
  "$bin/scheduler/sharc-scheduler" --listen 127.0.0.1:0 --plain-http --data-dir "$dir/scheduler" \
    --tenants "$dir/tenants.json" --ready-file "$dir/url" 2> "$dir/scheduler.log" &
  lab_pids+=($!)
  sharc_scheduler_pid=$!
  for _ in $(seq 100); do [ -s "$dir/url" ] && break; sleep 0.1; done
  export SHARC_SERVER
  SHARC_SERVER=$(cat "$dir/url")
  "$bin/agent/sharc-agent" --scheduler "$SHARC_SERVER" --node-name bench \
    --synthetic "pack:2 core:16 pu:2" --state-dir "$dir/agent" 2> "$dir/agent.log" &
  lab_pids+=($!)
  sharc_agent_pid=$!
  for _ in $(seq 100); do
    SHARC_TOKEN=$admin "$bin/agent/cli/sharc" nodes -o json | grep -q '"connected": true' && break
    sleep 0.1
  done
}

slurm_start() {
  local max_jobs=$1 d=$work/slurm host
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
MaxArraySize=$((max_jobs + 1))
MaxJobCount=$((max_jobs + 1000))
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
  slurmctld_pid=$(cat "$d/slurmctld.pid")
}
