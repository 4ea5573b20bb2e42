#!/usr/bin/env bash
# What the audit file costs: pgbench through two Gatehouse instances, the
# same in every way except that one writes the audit file (the default:
# `durability: write`, on the disk under $AUDIT_DIR) and the other has
# `audit.enabled: false` (no file; the events still reach metrics, so the
# difference is the file's cost: canonical JSON, SHA-256 chain, group
# write). Rounds alternate the order; the figures are ratios from one run.
#
#   bash bench/audit-pgbench.sh                     # 3 rounds x 10 s, -S and -N, simple protocol
#   ROUNDS=5 SECONDS_PER_RUN=20 CLIENTS=8 WORKERS=2 DURABILITY=fsync bash bench/audit-pgbench.sh
#   FSYNC_INTERVAL=1s MODE=extended bash bench/audit-pgbench.sh
#
# -S: one SELECT per transaction (2 audit records); -N: BEGIN, UPDATE,
# SELECT, INSERT, END (10 records per transaction).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
CLIENTS=${CLIENTS:-8}
THREADS=${THREADS:-2}
WORKERS=${WORKERS:-auto}
SCALE=${SCALE:-10}
MODE=${MODE:-simple}
DURABILITY=${DURABILITY:-write}
FSYNC_INTERVAL=${FSYNC_INTERVAL:-50ms}
WORKLOADS=${WORKLOADS:-"-S -N"}
DB=gatehouse_bench
PGHOST=127.0.0.1
export PGUSER=postgres

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

if ! psql -h $PGHOST -d postgres -Atc "select 1 from pg_database where datname='$DB'" | grep -q 1; then
  createdb -h $PGHOST $DB
  pgbench -h $PGHOST -i -s "$SCALE" -q $DB >/dev/null 2>&1
fi

WORK=$(mktemp -d /tmp/gatehouse-audit-bench-XXXXXX)
# The audit file goes on a real disk, not tmpfs (override with AUDIT_DIR).
AUDIT_DIR=${AUDIT_DIR:-$(mktemp -d /var/tmp/gatehouse-audit-bench-XXXXXX)}
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK" "$AUDIT_DIR"; }
# (SIGTERM to a gateway's primary drains and stops its workers too.)
trap cleanup EXIT

TOKEN="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
TOKEN_SHA=$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)

# Not in a $(...) subshell: the PIDs must reach the cleanup trap. Sets PORT.
start_gateway() { # name audit-yaml
  local name=$1 audit=$2 port ctl
  port=$(free_port); ctl=$(free_port)
  cat > "$WORK/$name.yaml" <<YAML
workers: $WORKERS
listeners: [ { engine: postgres, host: 127.0.0.1, port: $port } ]
control: { host: 127.0.0.1, port: $ctl, admins: [bench] }
identity:
  service_tokens: [ { name: bench, sha256: "$TOKEN_SHA", groups: [bench] } ]
targets:
  - { name: bench, engine: postgres, environment: bench, upstream: { host: 127.0.0.1, port: 5432, database: $DB, tls: disable }, logins: [ { user: postgres } ] }
policy:
  rules:
    - { id: no-guardrails, when: { guardrails: ["*"] }, action: deny }
    - { id: bench-all, when: { unknown: false }, action: allow }
$audit
YAML
  GATEHOUSE_LOG_LEVEL=warn node apps/gateway/dist/main.js start --config "$WORK/$name.yaml" > "$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do
    PGPASSWORD=$TOKEN psql -h $PGHOST -p "$port" -d bench -Atc 'select 1' >/dev/null 2>&1 && break
    sleep 0.2
  done
  PGPASSWORD=$TOKEN psql -h $PGHOST -p "$port" -d bench -Atc 'select 1' >/dev/null || { echo "gatehouse ($name) did not start:" >&2; cat "$WORK/$name.log" >&2; exit 1; }
  PORT=$port
}

start_gateway audit-on "audit: { file: $AUDIT_DIR/audit.jsonl, durability: $DURABILITY, fsync_interval: $FSYNC_INTERVAL }"; ON_PORT=$PORT
start_gateway audit-off "audit: { enabled: false }"; OFF_PORT=$PORT

run() { # port workload -> tps
  PGPASSWORD=$TOKEN pgbench -h $PGHOST -p "$1" $2 -M "$MODE" -c "$CLIENTS" -j "$THREADS" -T "$SECONDS_PER_RUN" -n bench 2>/dev/null |
    awk '/^tps/ {printf "%.0f\n", $3}'
}

declare -A TPS
printf '%-6s %-4s %-10s %10s\n' round load audit tps
for round in $(seq 1 "$ROUNDS"); do
  for load in $WORKLOADS; do
    order=(on off)
    [ $((round % 2)) = 0 ] && order=(off on)
    for which in "${order[@]}"; do
      port=$ON_PORT; [ "$which" = off ] && port=$OFF_PORT
      tps=$(run "$port" "$load")
      TPS[$load,$which]="${TPS[$load,$which]:-} $tps"
      printf '%-6s %-4s %-10s %10s\n' "$round" "$load" "$which" "$tps"
    done
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo
echo "medians over $ROUNDS rounds: $CLIENTS clients, $MODE protocol, gatehouse workers=$WORKERS, audit durability=$DURABILITY fsync_interval=$FSYNC_INTERVAL"
for load in $WORKLOADS; do
  on=$(echo "${TPS[$load,on]}" | median); off=$(echo "${TPS[$load,off]}" | median)
  awk -v l="$load" -v on="$on" -v off="$off" 'BEGIN {printf "%-4s audit on %8.0f  audit off %8.0f  on/off %.3fx  (audit costs %.1f%% of TPS)\n", l, on, off, on/off, (1-on/off)*100}'
done
echo "audit records written: $(cat "$AUDIT_DIR"/audit*.jsonl | wc -l), $(du -sh "$AUDIT_DIR" | cut -f1)"
