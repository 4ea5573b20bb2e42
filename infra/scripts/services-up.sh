#!/usr/bin/env bash
# Start PostgreSQL, MariaDB and Redis when they are installed but stopped, then
# wait until each answers. Used by CI and the quick start.
set -euo pipefail

wait_for() { # name, command
  for _ in $(seq 1 60); do
    if eval "$2" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "services-up: $1 did not come up" >&2
  return 1
}

if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  if [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
fi
wait_for postgresql "pg_isready -h 127.0.0.1 -p 5432 -q"

if command -v mariadb >/dev/null 2>&1 && ! mariadb -uroot -h127.0.0.1 -e 'select 1' >/dev/null 2>&1; then
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
fi
wait_for mariadb "mariadb -uroot -h127.0.0.1 -e 'select 1'"

if command -v redis-cli >/dev/null 2>&1 && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
fi
wait_for redis "redis-cli -h 127.0.0.1 -p 6379 ping"
echo "services-up: postgresql, mariadb and redis are up"
