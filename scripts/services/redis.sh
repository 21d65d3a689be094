# shellcheck shell=bash
# Sourced by scripts/services.sh, which provides probe, reachable, wait_for, ensure_installed,
# as_root, report and die. Defines `redis up|status`.

# Redis at 127.0.0.1:6379: the adapter-redis suites (database 0, a key prefix per run) and the
# BullMQ peer in the benchmarks. Fault tests start private redis-server instances of their own.
redis() {
  local action=$1
  probe redis 6379 "$action" && return 0
  [ "$action" = status ] && return 1
  ensure_installed redis-server /usr/bin/redis-server
  if command -v service >/dev/null 2>&1 && [ -x /etc/init.d/redis-server ]; then
    # Debian's own way: runs as the redis user with /etc/redis/redis.conf (loopback only).
    as_root service redis-server start >/dev/null
  else
    as_root start-stop-daemon --start --oknodo --background --exec /usr/bin/redis-server -- \
      --bind "$HOST" --port 6379
  fi
  wait_for redis 6379 15
  report redis started "$HOST:6379"
}
