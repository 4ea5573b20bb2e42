#!/usr/bin/env bash
# pgbench -S through four paths in one interleaved run: a direct connection,
# pgbouncer (transaction pooling), Gatehouse, and Gatehouse with a pass-through
# policy (the difference between the last two is the policy's cost). Prints TPS per round and the
# ratios, plus the added latency with one client. Figures are ratios measured
# in the same run: the machine is shared and noisy.
#
#   bash bench/pgbench.sh                 # 3 rounds of 10 s per path and mode
#   ROUNDS=5 SECONDS_PER_RUN=20 CLIENTS=8 WORKERS=2 bash bench/pgbench.sh
#   POLICY=passthrough bash bench/pgbench.sh   # allow everything (no guardrail rules)
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
CLIENTS=${CLIENTS:-8}
THREADS=${THREADS:-2}
WORKERS=${WORKERS:-auto}
SCALE=${SCALE:-10}
POLICY=${POLICY:-default}
DB=gatehouse_bench
PGHOST=127.0.0.1
export PGUSER=postgres

command -v pgbouncer >/dev/null 2>&1 || /usr/sbin/pgbouncer --version >/dev/null 2>&1 || {
  echo "installing pgbouncer (Debian package)" >&2
  apt-get install -y -qq pgbouncer >/dev/null
}
PGBOUNCER=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

if ! psql -h $PGHOST -d postgres -Atc "select 1 from pg_database where datname='$DB'" | grep -q 1; then
  createdb -h $PGHOST $DB
  pgbench -h $PGHOST -i -s "$SCALE" -q $DB >/dev/null 2>&1
fi

WORK=$(mktemp -d /tmp/gatehouse-bench-XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# pgbouncer, transaction pooling, as the postgres user (it refuses to run as root).
PB_PORT=$(free_port)
cat > "$WORK/pgbouncer.ini" <<INI
[databases]
$DB = host=127.0.0.1 port=5432 dbname=$DB
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PB_PORT
unix_socket_dir =
auth_type = trust
auth_file = $WORK/userlist.txt
pool_mode = transaction
default_pool_size = $CLIENTS
max_client_conn = 200
logfile = $WORK/pgbouncer.log
pidfile = $WORK/pgbouncer.pid
INI
echo '"postgres" ""' > "$WORK/userlist.txt"
chown -R postgres "$WORK" 2>/dev/null || true
if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$PGBOUNCER" "$WORK/pgbouncer.ini" >/dev/null 2>&1 & else "$PGBOUNCER" "$WORK/pgbouncer.ini" >/dev/null 2>&1 & fi
PIDS+=($!)

# Gatehouse with a service token.
GW_PORT=$(free_port); CTL_PORT=$(free_port)
TOKEN="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
TOKEN_SHA=$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)
if [ "$POLICY" = passthrough ]; then
  RULES='    - { id: bench-all, when: { unknown: false }, action: allow }
    - { id: bench-unknown, when: { unknown: true }, action: allow }'
else
  RULES='    - { id: no-guardrails, when: { guardrails: ["*"] }, action: deny }
    - { id: bench-reads, when: { kinds: [read] }, action: allow }
    - { id: bench-session, when: { kinds: [session, transaction, utility] }, action: allow }'
fi
cat > "$WORK/gatehouse.yaml" <<YAML
workers: $WORKERS
listeners: [ { engine: postgres, host: 127.0.0.1, port: $GW_PORT } ]
control: { host: 127.0.0.1, port: $CTL_PORT, admins: [bench] }
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
$RULES
audit: { file: $WORK/audit.jsonl, on_failure: refuse }
# Masking has its own benchmark (bench/masking-result.js): this one measures relaying, analysis, policy and audit.
masking: { unmasked_groups: [bench] }
YAML
GATEHOUSE_LOG_LEVEL=warn node apps/gateway/dist/main.js start --config "$WORK/gatehouse.yaml" > "$WORK/gatehouse.log" 2>&1 &
PIDS+=($!)

# The same gateway with every analysed statement allowed (no guardrail or kind rules), in the same
# interleaved run: the difference to the path above is the policy's cost.
PT_PORT=$(free_port); PT_CTL=$(free_port)
sed -e "s/port: $GW_PORT/port: $PT_PORT/" -e "s/port: $CTL_PORT/port: $PT_CTL/" -e "s#$WORK/audit.jsonl#$WORK/audit-pt.jsonl#" \
  -e '/^  rules:/,/^audit:/{/^    - /d}' "$WORK/gatehouse.yaml" | \
  sed 's/^  rules:$/  rules:\n    - { id: bench-all, when: { unknown: false }, action: allow }/' > "$WORK/gatehouse-pt.yaml"
GATEHOUSE_LOG_LEVEL=warn node apps/gateway/dist/main.js start --config "$WORK/gatehouse-pt.yaml" > "$WORK/gatehouse-pt.log" 2>&1 &
PIDS+=($!)

for _ in $(seq 1 100); do
  if pg_isready -q -h $PGHOST -p "$PB_PORT" && PGPASSWORD=$TOKEN psql -h $PGHOST -p "$GW_PORT" -d bench -Atc 'select 1' >/dev/null 2>&1; then break; fi
  sleep 0.2
done
PGPASSWORD=$TOKEN psql -h $PGHOST -p "$GW_PORT" -d bench -Atc 'select 1' >/dev/null || { echo "gatehouse did not start:"; cat "$WORK/gatehouse.log"; exit 1; }
for _ in $(seq 1 100); do PGPASSWORD=$TOKEN psql -h $PGHOST -p "$PT_PORT" -d bench -Atc 'select 1' >/dev/null 2>&1 && break; sleep 0.2; done
PGPASSWORD=$TOKEN psql -h $PGHOST -p "$PT_PORT" -d bench -Atc 'select 1' >/dev/null || { echo "pass-through gatehouse did not start:"; cat "$WORK/gatehouse-pt.log"; exit 1; }

run() { # path mode clients seconds -> "tps latency_ms"
  local port db pw=""
  case $1 in
    direct) port=5432; db=$DB ;;
    pgbouncer) port=$PB_PORT; db=$DB ;;
    gatehouse) port=$GW_PORT; db=bench; pw=$TOKEN ;;
    passthrough) port=$PT_PORT; db=bench; pw=$TOKEN ;;
  esac
  PGPASSWORD=$pw pgbench -h $PGHOST -p "$port" -S -M "$2" -c "$3" -j "$(( $3 < THREADS ? $3 : THREADS ))" -T "$4" -n "$db" 2>/dev/null |
    awk '/^latency average/ {lat=$4} /^tps/ {tps=$3} END {printf "%.0f %.3f\n", tps, lat}'
}

declare -A TPS LAT
printf '%-6s %-9s %-10s %10s %12s\n' round mode path tps latency_ms
for round in $(seq 1 "$ROUNDS"); do
  for mode in simple extended; do
    # Rotate the order each round so no path always runs first.
    paths=(direct pgbouncer gatehouse passthrough)
    for _ in $(seq 2 "$round"); do paths=("${paths[@]:1}" "${paths[0]}"); done
    for path in "${paths[@]}"; do
      read -r tps lat < <(run "$path" "$mode" "$CLIENTS" "$SECONDS_PER_RUN")
      TPS[$mode,$path]="${TPS[$mode,$path]:-} $tps"
      printf '%-6s %-9s %-10s %10s %12s\n' "$round" "$mode" "$path" "$tps" "$lat"
    done
  done
  for path in direct gatehouse pgbouncer; do
    read -r tps lat < <(run "$path" simple 1 "$(( SECONDS_PER_RUN / 2 > 2 ? SECONDS_PER_RUN / 2 : 2 ))")
    LAT[$path]="${LAT[$path]:-} $lat"
    printf '%-6s %-9s %-10s %10s %12s\n' "$round" "1-client" "$path" "$tps" "$lat"
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo
echo "medians over $ROUNDS rounds, $CLIENTS clients, gatehouse workers=$WORKERS, policy=$POLICY"
for mode in simple extended; do
  d=$(echo "${TPS[$mode,direct]}" | median); b=$(echo "${TPS[$mode,pgbouncer]}" | median); g=$(echo "${TPS[$mode,gatehouse]}" | median)
  p=$(echo "${TPS[$mode,passthrough]}" | median)
  awk -v m="$mode" -v d="$d" -v b="$b" -v g="$g" -v p="$p" 'BEGIN {printf "%-9s direct %8.0f  pgbouncer %8.0f  gatehouse %8.0f  pass-through %8.0f  gatehouse/pgbouncer %.2fx  pass-through/pgbouncer %.2fx  gatehouse/direct %.2fx  policy cost %.0f%%\n", m, d, b, g, p, g/b, p/b, g/d, (1-g/p)*100}'
done
ld=$(echo "${LAT[direct]}" | median); lg=$(echo "${LAT[gatehouse]}" | median); lb=$(echo "${LAT[pgbouncer]}" | median)
awk -v d="$ld" -v g="$lg" -v b="$lb" 'BEGIN {printf "1 client latency: direct %.3f ms  pgbouncer %.3f ms  gatehouse %.3f ms  added by gatehouse %.0f us (pgbouncer adds %.0f us)\n", d, b, g, (g-d)*1000, (b-d)*1000}'
