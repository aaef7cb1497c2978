#!/usr/bin/env bash
# Checks everything in configs/prometheus with promtool; exits non-zero on the first failure.
#   tests/prometheus/check_rules.sh PATH/TO/prometheus_dashboard_check
# CTest runs it as PrometheusRules.PromtoolChecks with the helper built in tests/prometheus.
#
#  1. promtool check config  prometheus.yml (its rule_files are relative to it, so the file
#                            is checked in place, rule files included)
#  2. promtool check rules   rules/recording.yml rules/alerts.yml
#  3. promtool test rules    tests/*.yml, and that every recording rule has a
#                            promql_expr_test, every alert a test where it fires and one
#                            where it does not, and a runbook section in README.md
#  4. the dashboard: prometheus_dashboard_check parses it as strict JSON, checks its
#     conventions and metric names, and writes every panel query into a throwaway rules file;
#     promtool check rules then parses each query as PromQL.
set -euo pipefail

checker="${1:?usage: $0 PATH/TO/prometheus_dashboard_check}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
prom="$root/configs/prometheus"

if ! command -v promtool >/dev/null 2>&1; then
  echo "FAIL: promtool not found. Install Debian's prometheus package, which ships it" >&2
  echo "      (sudo apt-get install prometheus; ./test.sh installs it)." >&2
  exit 1
fi
tmp="$(mktemp -d /tmp/sharc-promtool.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

step() { printf '\n==> %s\n' "$*"; }

step "promtool check config"
promtool check config "$prom/prometheus.yml"

step "promtool check rules"
promtool check rules "$prom/rules/recording.yml" "$prom/rules/alerts.yml"

step "promtool test rules"
tests=("$prom"/tests/*.yml)
promtool test rules "${tests[@]}"

step "every rule has its tests, every alert its runbook section"
missing=0
for record in $(sed -n 's/^ *- record: *\([^ ]*\) *$/\1/p' "$prom/rules/recording.yml"); do
  if ! grep -qE "^ *- expr: *${record} *$" "${tests[@]}"; then
    echo "recording rule $record has no promql_expr_test (- expr: $record)" >&2
    missing=1
  fi
done
# Per alertname: does some alert_rule_test expect it to fire, and some expect silence?
# Tests write `alertname: X` and, on the next line, `exp_alerts: []` or `exp_alerts:`.
covered="$(awk '
  /^ *alertname:/ { name = $2; next }
  /^ *exp_alerts: *\[\] *$/ { if (name != "") quiet[name] = 1; name = ""; next }
  /^ *exp_alerts: *$/ { if (name != "") fires[name] = 1; name = ""; next }
  END { for (n in fires) if (n in quiet) print n }' "${tests[@]}")"
for alert in $(sed -n 's/^ *- alert: *\([^ ]*\) *$/\1/p' "$prom/rules/alerts.yml"); do
  if ! grep -qx "$alert" <<<"$covered"; then
    echo "alert $alert lacks a test where it fires or one where it stays quiet" >&2
    missing=1
  fi
  # Its runbook_url anchor is its name in lower case, a "### Name" heading of README.md.
  if ! grep -q "runbook_url: configs/prometheus/README.md#${alert,,}$" \
    "$prom/rules/alerts.yml"; then
    echo "alert $alert needs runbook_url: configs/prometheus/README.md#${alert,,}" >&2
    missing=1
  fi
  if ! grep -qx "### $alert" "$prom/README.md"; then
    echo "alert $alert has no \"### $alert\" runbook section in $prom/README.md" >&2
    missing=1
  fi
done
if [ "$missing" -ne 0 ]; then exit 1; fi
echo "  SUCCESS: every recording rule and alert is tested, every alert has a runbook"

step "dashboard: JSON, conventions, metric names"
"$checker" --dashboard "$prom/dashboards/sharc.json" --names "$root/metrics/names.h" \
  --rules "$prom/rules/recording.yml" --rules "$prom/rules/alerts.yml" \
  --out "$tmp/dashboard_rules.json"

step "dashboard: every panel query parses (promtool check rules)"
promtool check rules "$tmp/dashboard_rules.json"

printf '\nPASS: configs/prometheus checks\n'
