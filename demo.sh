#!/usr/bin/env bash
# Installs what is missing, builds sharc, starts a local cluster (a scheduler and two agents:
# this machine, and a simulated 2-socket node with 4 GPUs), runs a small mixed workload as
# two enterprises, and stops everything it started.
#   ./demo.sh                 run the demo, then stop the cluster
#   ./demo.sh --keep-running  leave the cluster up afterwards (stop it with the printed kill)
set -euo pipefail
cd "$(dirname "$0")"
keep_running=0
for arg in "$@"; do
  case "$arg" in
    --keep-running) keep_running=1 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done

source scripts/install-deps.sh
sharc_install_deps

echo "==> building (build/release)"
# The benchmarks are off in a new build/release; one configured with them (README, Development)
# keeps them.
bench=()
[[ -f build/release/CMakeCache.txt ]] || bench=(-DSHARC_BUILD_BENCH=OFF)
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSHARC_BUILD_TESTS=OFF \
  "${bench[@]}" >/dev/null
ninja -C build/release sharc-scheduler sharc-agent sharc >/dev/null
bin=$PWD/build/release
export PATH="$bin/scheduler:$bin/agent:$bin/agent/cli:$PATH"

demo=$PWD/demo-data
rm -rf "$demo"
mkdir -p "$demo"
pids=()
cleanup() {
  if [ "$keep_running" -eq 0 ] && [ ${#pids[@]} -gt 0 ]; then
    echo "==> stopping the cluster"
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap cleanup EXIT

# Two enterprises with different quotas, the platform's admin and an auditor (who reads
# everything and the audit log, and changes nothing). Only the tokens' SHA-256 goes to the
# scheduler. The cluster has 34 CPUs and 4 GPUs; the guarantees add up to 24 and 4.
token() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
hash() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
ADMIN_TOKEN=$(token); AUDITOR_TOKEN=$(token); ACME_TOKEN=$(token); GLOBEX_TOKEN=$(token)
cat > "$demo/tenants.json" <<JSON
{
  "admins":  [{"name": "operator", "token_sha256": "$(hash "$ADMIN_TOKEN")"},
              {"name": "city-auditor", "role": "auditor",
               "token_sha256": "$(hash "$AUDITOR_TOKEN")"}],
  "tenants": [
    {"name": "acme", "display_name": "ACME Robotics",
     "quota": {"guaranteed": "cpu=16,gpu=2", "max": "cpu=34,gpu=4"},
     "tokens": [{"name": "demo", "token_sha256": "$(hash "$ACME_TOKEN")"}]},
    {"name": "globex", "display_name": "Globex Vision",
     "quota": {"guaranteed": "cpu=8,gpu=2", "max": "cpu=24,gpu=4"},
     "tokens": [{"name": "demo", "token_sha256": "$(hash "$GLOBEX_TOKEN")"}]}]
}
JSON
# Credits per hour: 1 per CPU, 0.1 per GiB, 8 per H100.
# The efficiency report takes facility energy from a PUE of 1.4 and carbon at 350 g/kWh.
cat > "$demo/scheduler.json" <<JSON
{"prices": {"cpu_hour": "1", "gib_hour": "0.1", "gpu_hour": "4", "gpu_hour_by_model": {"H100": "8"}},
 "efficiency": {"pue": 1.4, "grid_carbon_g_per_kwh": 350}}
JSON
# The report's period starts at the minute the demo started (energy is kept per minute).
report_from=$(date -u -d "@$(( $(date +%s) / 60 * 60 ))" +%FT%TZ)
# Everything runs over TLS: a throwaway CA signs the scheduler's certificate, and the CLI,
# the agents and curl trust that CA only.
scripts/make-ca.sh "$demo/tls"
export SHARC_CA_FILE=$demo/tls/ca.pem
# Agents serve their own /metrics over HTTPS and measure energy every second (no RAPL or NVML
# here: the power model, idle 60 W / peak 250 W per node, 50 W / 300 W per GPU, stands in and
# says so). All of them run on 127.0.0.1 here, so they share the scheduler's certificate; real
# nodes each get their own from the platform's CA.
cat > "$demo/agent.json" <<JSON
{"metrics_listen": "127.0.0.1:0", "energy": {"sample_interval": "1s"},
 "metrics_tls": {"cert_file": "$demo/tls/scheduler.pem", "key_file": "$demo/tls/scheduler-key.pem"}}
JSON

echo "==> starting sharc-scheduler (HTTPS, certificate from a throwaway CA in $demo/tls)"
sharc-scheduler --config "$demo/scheduler.json" --listen 127.0.0.1:0 \
  --tls-cert "$demo/tls/scheduler.pem" --tls-key "$demo/tls/scheduler-key.pem" \
  --data-dir "$demo/scheduler" --tenants "$demo/tenants.json" \
  --ready-file "$demo/scheduler.url" \
  2> "$demo/scheduler.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$demo/scheduler.url" ] && break; sleep 0.1; done
[ -s "$demo/scheduler.url" ] || { cat "$demo/scheduler.log"; exit 1; }
export SHARC_SERVER=$(cat "$demo/scheduler.url")

# Each node joins with a one-time join token of its own, and gets its own credential for later.
join_token() {
  SHARC_TOKEN=$ADMIN_TOKEN sharc admin node token issue "$1" --expires 10m \
    > "$demo/$1.join-token" 2>/dev/null
  chmod 600 "$demo/$1.join-token"
}
echo "==> one-time join tokens for the nodes: sharc admin node token issue NODE --expires 10m"
join_token local
join_token gpu-sim
echo "==> starting two agents: 'local' (this machine) and 'gpu-sim' (2 sockets, 4 simulated H100s)"
sharc-agent --config "$demo/agent.json" --scheduler "$SHARC_SERVER" --ca-file "$SHARC_CA_FILE" \
  --node-name local --label kind=cpu \
  --join-token-file "$demo/local.join-token" --state-dir "$demo/agent-local" --kill-grace 2s \
  2> "$demo/agent-local.log" &
pids+=($!)
sharc-agent --config "$demo/agent.json" --scheduler "$SHARC_SERVER" --ca-file "$SHARC_CA_FILE" \
  --node-name gpu-sim --label kind=gpu \
  --topology-xml tests/data/hwloc/gpu-2s-4gpu.xml \
  --join-token-file "$demo/gpu-sim.join-token" --state-dir "$demo/agent-gpu" --kill-grace 2s \
  2> "$demo/agent-gpu.log" &
pids+=($!)
for _ in $(seq 100); do
  [ "$(SHARC_TOKEN=$ADMIN_TOKEN sharc nodes -o json | grep -c '"connected": true')" -ge 2 ] && break
  sleep 0.1
done
SHARC_TOKEN=$ADMIN_TOKEN sharc nodes
echo

acme() { SHARC_TOKEN=$ACME_TOKEN sharc "$@"; }
globex() { SHARC_TOKEN=$GLOBEX_TOKEN sharc "$@"; }
admin() { SHARC_TOKEN=$ADMIN_TOKEN sharc "$@"; }

echo "==> the operator hands out compute vouchers (and globex buys extra credit)"
until=$(date -u -d '+30 days' +%F)
admin admin grant add acme --credits 500 --source voucher --program city-ai-2026 --valid-until "$until"
admin admin grant add globex --credits 200 --source voucher --program city-ai-2026 --valid-until "$until"
admin admin grant add globex --credits 300 --source purchase --program invoice-0042 --valid-until "$until"
echo
admin admin tenant list
echo

echo "==> acme submits CPU work"
ids=()
ids+=($(acme submit --name prep --cpus 1 --mem 256M --time 1m -- \
        sh -c 'echo "preparing data on CPUs $SHARC_CPUS"; sleep 2; echo done'))
ids+=($(acme submit --name train --cpus 2 --mem 512M --time 1m --label kind=cpu -- \
        sh -c 'grep Cpus_allowed_list /proc/self/status
               echo "sees $(ls -d /proc/[0-9]* | wc -l) processes and $(ls -A /tmp | wc -l) files in /tmp (its own namespaces)"
               sleep 3'))
ids+=($(acme submit --name broken --time 1m -- sh -c 'echo "about to fail" >&2; exit 3'))
ids+=($(acme submit --name overrun --time 3s -- sleep 60))
# acme's guarantee is lent only while acme has nothing waiting: let its CPU work start first.
for _ in $(seq 150); do
  acme jobs --state PENDING -o json | grep -q '"id"' || break
  sleep 0.2
done
echo "==> globex fills all 4 GPUs: 2 of its own guarantee and 2 borrowed from idle acme"
for i in 1 2 3 4; do
  ids+=($(globex submit --name "finetune-$i" --cpus 2 --gpus 1 --gpu-model H100 --mem 2G --time 2m -- \
          sh -c 'echo "attempt $SHARC_ATTEMPT on GPU $CUDA_VISIBLE_DEVICES, CPUs $SHARC_CPUS"; sleep 8'))
done
long=$(globex submit --name forgotten --time 10m -- sleep 600)
ids+=("$long")
echo "submitted jobs ${ids[*]}"
sleep 2
echo
echo "==> acme now wants the 2 GPUs it is guaranteed: globex's newest borrowed jobs are"
echo "    preempted and requeued (same ids), and run again once acme is done"
ids+=($(acme submit --name eval --cpus 4 --gpus 2 --mem 4G --time 1m -- \
        sh -c 'echo "GPUs $CUDA_VISIBLE_DEVICES, CPUs $SHARC_CPUS (binding $SHARC_BINDING)"; sleep 4'))
echo
echo "==> a request beyond what the tenant may ever hold is refused at submit, naming the limit:"
globex submit --gpus 16 -- true || true
echo

echo "==> globex cancels job $long"
globex cancel "$long"
echo

echo "==> watching the queue (sharc jobs --all, as the operator)"
for _ in $(seq 40); do
  admin jobs --all
  active=$(admin jobs -o json | grep -c '"id"' || true)
  [ "$active" -eq 0 ] && break
  echo "---"
  sleep 1
done
echo
echo "==> outputs"
for id in "${ids[@]}"; do
  owner=acme; SHARC_TOKEN=$ACME_TOKEN sharc show "$id" >/dev/null 2>&1 || owner=globex
  tok=$ACME_TOKEN; [ "$owner" = globex ] && tok=$GLOBEX_TOKEN
  echo "--- job $id ($owner): stdout"
  SHARC_TOKEN=$tok sharc logs "$id" | sed 's/^/    /'
  err=$(SHARC_TOKEN=$tok sharc logs --stderr "$id")
  [ -n "$err" ] && { echo "--- job $id: stderr"; echo "$err" | sed 's/^/    /'; }
done
echo
echo "==> job details: sharc show ${ids[7]} (preempted once, then completed)"
globex show "${ids[7]}"
echo

echo "==> a second simulated GPU node joins (with its own join token)"
join_token gpu-sim-2
sharc-agent --config "$demo/agent.json" --scheduler "$SHARC_SERVER" --ca-file "$SHARC_CA_FILE" \
  --node-name gpu-sim-2 \
  --label kind=gpu --topology-xml tests/data/hwloc/gpu-2s-4gpu.xml \
  --join-token-file "$demo/gpu-sim-2.join-token" --state-dir "$demo/agent-gpu-2" --kill-grace 2s \
  2> "$demo/agent-gpu-2.log" &
pids+=($!)
for _ in $(seq 100); do
  [ "$(admin nodes -o json | grep -c '"connected": true')" -ge 3 ] && break
  sleep 0.1
done
echo "==> acme's pipeline: prepare -> 2-node training (one rank per GPU node) -> a 6-task sweep"
echo "    (at most 3 at once) -> evaluate"
prep=$(acme submit --name prepare --time 1m -- sh -c 'echo "tokenizing"; sleep 1')
train=$(acme submit --name train-2n --after-ok "$prep" --nodes 2 --gpus-per-node 2 \
  --cpus-per-node 2 --mem-per-node 1G --gpu-model H100 --time 1m --label kind=gpu -- \
  sh -c 'echo "rank $NODE_RANK of $WORLD_SIZE on $SHARC_NODE, GPUs $CUDA_VISIBLE_DEVICES,
    rendezvous at $MASTER_ADDR:$MASTER_PORT, hostfile: $(tr "\n" " " < "$SHARC_HOSTFILE")"
    sleep 3')
sweep=$(acme submit --name sweep --array 0-5%3 --after-ok "$train" --time 1m -- \
  sh -c 'echo "trial $SHARC_ARRAY_TASK_ID of array $SHARC_ARRAY_JOB_ID"; sleep 1')
evaluate=$(acme submit --name evaluate --after-any "$sweep" --time 1m -- echo "evaluating")
echo "==> the pipeline waits on its dependencies; the array's waiting tasks are one line"
acme jobs
acme wait "$prep" "$train" "$sweep" "$evaluate" --timeout 2m || true
acme jobs --all | grep -E "ID|sweep|evaluate"
echo "--- sharc show $train"
acme show "$train"
for rank in 0 1; do
  echo "--- sharc logs $train --rank $rank"
  acme logs "$train" --rank "$rank" | sed 's/^/    /'
done
echo
echo "==> what each enterprise sees: sharc usage"
acme usage
echo
globex usage
echo
echo "==> the voucher programme's view: sharc report usage"
admin report usage --from "$(date -u +%Y-%m-01)" --to "$(date -u -d tomorrow +%F)"
echo
echo "==> how efficiently the data centre ran: sharc report efficiency (also -o md|csv|json)"
admin report efficiency --from "$report_from" --to "$(date -u -d '+1 minute' +%FT%TZ)"
echo
echo "==> sharc admin ledger verify"
admin admin ledger verify
echo
echo "==> a node no longer trusted is cut off in one step: sharc admin node revoke gpu-sim-2"
echo "    (nothing new goes to it at once; after node_timeout it is DOWN and its jobs are requeued)"
admin admin node revoke gpu-sim-2
admin nodes
echo
echo "==> the audit log, as the auditor: every staff change and refused call, hash-chained"
SHARC_TOKEN=$AUDITOR_TOKEN sharc admin audit --limit 12
SHARC_TOKEN=$AUDITOR_TOKEN sharc admin audit verify
echo "    an auditor changes nothing:"
SHARC_TOKEN=$AUDITOR_TOKEN sharc admin tenant disable acme || true
echo
echo "==> metrics are at $SHARC_SERVER/metrics, e.g.:"
curl -s --cacert "$SHARC_CA_FILE" "$SHARC_SERVER/metrics" 2>/dev/null |
  grep -E '^sharc_(nodes|jobs|tenant_cpu_seconds_total|tenant_energy_joules_total|facility_pue)[{ ]' |
  head -24 || true
echo
echo "==> each agent serves its own over HTTPS; Prometheus finds them at $SHARC_SERVER/v1/prometheus/targets:"
curl -s --cacert "$SHARC_CA_FILE" "$SHARC_SERVER/v1/prometheus/targets" 2>/dev/null; echo
agent_metrics=$(curl -s --cacert "$SHARC_CA_FILE" "$SHARC_SERVER/v1/prometheus/targets" 2>/dev/null |
  grep -o '"127.0.0.1:[0-9]*"' | head -1 | tr -d '"')
[ -n "$agent_metrics" ] && curl -s --cacert "$SHARC_CA_FILE" "https://$agent_metrics/metrics" |
  grep -E '^sharc_node_(energy_joules_total|idle_energy_joules_total|energy_source_info)' || true
echo "Prometheus rules, alerts, tests and a Grafana dashboard: configs/prometheus/"
echo
if [ "$keep_running" -eq 1 ]; then
  cat <<TXT
==> the cluster keeps running. Try:
  export SHARC_SERVER=$SHARC_SERVER SHARC_CA_FILE=$SHARC_CA_FILE
  export SHARC_TOKEN=$ACME_TOKEN     # tenant acme (globex: $GLOBEX_TOKEN, admin: $ADMIN_TOKEN)
  export PATH=$bin/agent/cli:\$PATH
  sharc submit --cpus 1 -- sh -c 'echo hello from \$SHARC_NODE'
  sharc jobs --all
Stop it with: kill ${pids[*]}
TXT
fi
