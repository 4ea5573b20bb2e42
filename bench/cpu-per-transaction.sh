#!/usr/bin/env bash
# CPU time the proxy process spends per transaction (user + system, from /proc/PID/stat), for
# pgbench -S through: Gatehouse with the audit file, Gatehouse without it, a bare Node.js pipe()
# relay, and pgbouncer. Less disturbed by other load than TPS: a noisy machine adds little CPU to
# the proxy itself. Best (lowest) of ROUNDS alternating runs per path; one Gatehouse worker.
#
#   bash bench/cpu-per-transaction.sh              # 3 rounds of 5 s, 4 clients
#   ROUNDS=5 SECONDS_PER_RUN=10 CLIENTS=8 bash bench/cpu-per-transaction.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
CLIENTS=${CLIENTS:-4}
DB=gatehouse_bench
PGHOST=127.0.0.1
export PGUSER=postgres
HZ=$(getconf CLK_TCK)

command -v pgbouncer >/dev/null 2>&1 || /usr/sbin/pgbouncer --version >/dev/null 2>&1 || apt-get install -y -qq pgbouncer >/dev/null
PGBOUNCER=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

if ! psql -h $PGHOST -d postgres -Atc "select 1 from pg_database where datname='$DB'" | grep -q 1; then
  createdb -h $PGHOST $DB
  pgbench -h $PGHOST -i -s 10 -q $DB >/dev/null 2>&1
fi

WORK=$(mktemp -d /tmp/gatehouse-cpu-bench-XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

TOKEN="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
TOKEN_SHA=$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)
declare -A PORT PID
start_gatehouse() { # name audit-yaml
  local port ctl
  port=$(free_port); ctl=$(free_port)
  cat > "$WORK/$1.yaml" <<YAML
workers: 1
listeners: [ { engine: postgres, host: 127.0.0.1, port: $port } ]
control: { host: 127.0.0.1, port: $ctl, admins: [bench] }
identity:
  service_tokens: [ { name: bench, sha256: "$TOKEN_SHA", groups: [bench] } ]
targets:
  - name: bench
    engine: postgres
    environment: bench
    upstream: { host: 127.0.0.1, port: 5432, database: $DB, tls: disable }
    logins: [ { user: postgres } ]
policy:
  rules:
    - { id: no-guardrails, when: { guardrails: ["*"] }, action: deny }
    - { id: bench-reads, when: { kinds: [read] }, action: allow }
    - { id: bench-session, when: { kinds: [session, transaction, utility] }, action: allow }
$2
masking: { unmasked_groups: [bench] }
YAML
  GATEHOUSE_LOG_LEVEL=warn node apps/gateway/dist/main.js start --config "$WORK/$1.yaml" > "$WORK/$1.log" 2>&1 &
  PID[$1]=$!; PIDS+=($!); PORT[$1]=$port
  for _ in $(seq 1 100); do PGPASSWORD=$TOKEN psql -h $PGHOST -p "$port" -d bench -Atc 'select 1' >/dev/null 2>&1 && return; sleep 0.2; done
  echo "gatehouse ($1) did not start:"; cat "$WORK/$1.log"; exit 1
}
start_gatehouse audit-on "audit: { file: $WORK/audit.jsonl }"
start_gatehouse audit-off "audit: { enabled: false }"

PORT[relay]=$(free_port)
node -e "
const net = require('net');
net.createServer({ noDelay: true }, (c) => {
  const u = net.connect({ host: '127.0.0.1', port: 5432, noDelay: true });
  c.pipe(u); u.pipe(c);
  c.on('error', () => u.destroy()); u.on('error', () => c.destroy());
}).listen(${PORT[relay]}, '127.0.0.1');" &
PID[relay]=$!; PIDS+=($!)

PORT[pgbouncer]=$(free_port)
cat > "$WORK/pgbouncer.ini" <<INI
[databases]
$DB = host=127.0.0.1 port=5432 dbname=$DB
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${PORT[pgbouncer]}
unix_socket_dir =
auth_type = trust
auth_file = $WORK/userlist.txt
pool_mode = transaction
default_pool_size = $CLIENTS
logfile = $WORK/pgbouncer.log
pidfile = $WORK/pgbouncer.pid
INI
echo '"postgres" ""' > "$WORK/userlist.txt"
chown -R postgres "$WORK" 2>/dev/null || true
if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$PGBOUNCER" "$WORK/pgbouncer.ini" >/dev/null 2>&1 & else "$PGBOUNCER" "$WORK/pgbouncer.ini" >/dev/null 2>&1 & fi
PIDS+=($!)
for _ in $(seq 1 50); do [ -s "$WORK/pgbouncer.pid" ] && pg_isready -q -h $PGHOST -p "${PORT[pgbouncer]}" && break; sleep 0.2; done
PID[pgbouncer]=$(cat "$WORK/pgbouncer.pid")
sleep 0.5

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
measure() { # path -> "tps us_per_txn"
  local path=$1 db=$DB pw="" t0 t1 out
  case $path in audit-on|audit-off) db=bench; pw=$TOKEN ;; esac
  t0=$(cpu_ticks "${PID[$path]}")
  out=$(PGPASSWORD=$pw pgbench -h $PGHOST -p "${PORT[$path]}" -S -c "$CLIENTS" -j 2 -T "$SECONDS_PER_RUN" -n "$db" 2>/dev/null)
  t1=$(cpu_ticks "${PID[$path]}")
  echo "$out" | awk -v t=$((t1 - t0)) -v hz="$HZ" '/actually processed/ {n=$6} /^tps/ {tps=$3} END {printf "%.0f %.1f\n", tps, t / hz * 1e6 / n}'
}

declare -A BEST TPS
printf '%-6s %-10s %8s %14s\n' round path tps 'cpu us/txn'
for round in $(seq 1 "$ROUNDS"); do
  for path in audit-on audit-off relay pgbouncer; do
    read -r tps us < <(measure "$path")
    printf '%-6s %-10s %8s %14s\n' "$round" "$path" "$tps" "$us"
    if [ -z "${BEST[$path]:-}" ] || awk -v a="$us" -v b="${BEST[$path]}" 'BEGIN {exit !(a < b)}'; then BEST[$path]=$us; TPS[$path]=$tps; fi
  done
done
echo
echo "best of $ROUNDS rounds, $CLIENTS clients, pgbench -S, one Gatehouse worker: CPU per transaction of the proxy process"
for path in audit-on audit-off relay pgbouncer; do printf '  %-10s %6s us  (%s tps)\n' "$path" "${BEST[$path]}" "${TPS[$path]}"; done
