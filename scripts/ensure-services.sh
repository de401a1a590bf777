#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer before the tests run.
# Starts them with the machine's own service commands when they do not, or fails saying what is missing.
set -u

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {  # name port
  for _ in $(seq 1 30); do port_open "$2" && return 0; sleep 1; done
  return 1
}

ensure_postgres() {
  port_open 5432 && return 0
  echo "PostgreSQL is not answering on 127.0.0.1:5432; trying to start it..." >&2
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start >&2 || true
  fi
  wait_for postgres 5432 || {
    echo "ERROR: PostgreSQL is not reachable at 127.0.0.1:5432 (user postgres, trust auth) and could not be started." >&2
    exit 1
  }
}

ensure_redis() {
  port_open 6379 && return 0
  echo "Redis is not answering on 127.0.0.1:6379; trying to start it..." >&2
  if command -v redis-server >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >&2 || true
  fi
  wait_for redis 6379 || {
    echo "ERROR: Redis is not reachable at 127.0.0.1:6379 and could not be started (is redis-server installed?)." >&2
    exit 1
  }
}

ensure_postgres
ensure_redis
echo "services: PostgreSQL and Redis are up."
