#!/usr/bin/env bash
# Makes sure the brokers that the test suites and benchmarks need are running on loopback, on a
# Debian-like machine (Debian 12, Ubuntu 22.04+). With Docker, use `docker compose up -d` instead.
#
#   scripts/services.sh [up] [SERVICE...]    install what is missing (apt-get), start what is
#                               stopped, wait until each broker answers. Never stops or restarts a
#                               running service. Default: every service.
#   scripts/services.sh status [SERVICE...]  say what answers; change nothing. Exits 1 if anything
#                               is missing.
#   SERVICE is one of: rabbitmq nats redis
#
# One function per service, listed in SERVICES. An adapter that needs another broker adds one.
set -euo pipefail

readonly HOST=127.0.0.1
readonly SERVICES=(rabbitmq nats redis)

# RabbitMQ for the amqp suite: 127.0.0.1:5672, guest/guest (guest may log in from loopback only).
rabbitmq() {
  local action=$1
  probe rabbitmq 5672 "$action" && return 0
  [ "$action" = status ] && return 1
  ensure_installed rabbitmq-server /usr/sbin/rabbitmq-server
  # The package may have started a node already (it can still be booting): start one only if not.
  if ! as_root /usr/sbin/rabbitmqctl -q ping >/dev/null 2>&1; then
    as_root /usr/sbin/rabbitmq-server -detached
  fi
  local deadline=$((SECONDS + 120))
  until as_root /usr/sbin/rabbitmqctl -q await_startup >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die 'RabbitMQ did not start within 120 s; see /var/log/rabbitmq/'
    sleep 1
  done
  wait_for rabbitmq 5672 30
  report rabbitmq started "$HOST:5672"
}

# nats-server with JetStream for the nats suite: 127.0.0.1:4222.
nats() {
  local action=$1
  if reachable 4222; then
    if ! nats_has_jetstream; then
      report nats 'no JetStream' "$HOST:4222" 'a nats-server runs without -js: restart it with -js'
      [ "$action" = status ] && return 1
      die 'nats-server on port 4222 has JetStream off; this script does not restart running services'
    fi
    report nats up "$HOST:4222" 'JetStream on'
    return 0
  fi
  if [ "$action" = status ]; then
    report nats down "$HOST:4222" 'start it: scripts/services.sh up'
    return 1
  fi
  ensure_installed nats-server /usr/sbin/nats-server
  as_root mkdir -p /var/lib/nats-server
  # The pid file makes --oknodo mean "ours is running", not "some nats-server is running".
  as_root start-stop-daemon --start --oknodo --background \
    --make-pidfile --pidfile /run/polyqueue-nats-server.pid --exec /usr/sbin/nats-server -- \
    -a "$HOST" -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_for nats 4222 15
  report nats started "$HOST:4222" 'JetStream on'
}

# Redis for the BullMQ peer in the benchmarks: 127.0.0.1:6379.
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

# --- helpers -------------------------------------------------------------------------------------

# Reports whether service $1 answers on port $2. True when it is up; when it is down and the
# action $3 is `status`, also says how to start it.
probe() {
  local name=$1 port=$2 action=$3
  if reachable "$port"; then
    report "$name" up "$HOST:$port"
    return 0
  fi
  [ "$action" = status ] && report "$name" down "$HOST:$port" 'start it: scripts/services.sh up'
  return 1
}

# True when something accepts TCP connections on $HOST:$1.
reachable() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

# True when the nats-server on 4222 announces JetStream in its INFO line.
nats_has_jetstream() {
  local info
  info=$(timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/4222 && head -n 1 <&3" 2>/dev/null) || return 1
  [[ $info == *'"jetstream":true'* ]]
}

wait_for() {
  local name=$1 port=$2 seconds=$3
  local deadline=$((SECONDS + seconds))
  until reachable "$port"; do
    ((SECONDS < deadline)) || die "$name did not answer on $HOST:$port within $seconds s"
    sleep 0.2
  done
}

APT_UPDATED=false
ensure_installed() {
  local package=$1 binary=$2
  [ -x "$binary" ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "$package is not installed and apt-get is not available; install it, or use compose.yaml"
  if [ "$APT_UPDATED" = false ]; then
    as_root apt-get update
    APT_UPDATED=true
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$package"
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

report() {
  printf '  %-10s %-13s %-16s %s\n' "$1" "$2" "$3" "${4:-}"
}

die() {
  printf 'services.sh: %s\n' "$*" >&2
  exit 1
}

usage() {
  sed -n '2,12s/^# \{0,1\}//p' "$0"
}

main() {
  local action=${1:-up}
  [ $# -gt 0 ] && shift
  local selected=("$@")
  [ ${#selected[@]} -gt 0 ] || selected=("${SERVICES[@]}")
  local service
  for service in "${selected[@]}"; do
    [[ " ${SERVICES[*]} " == *" $service "* ]] || die "unknown service '$service' (known: ${SERVICES[*]})"
  done
  case $action in
    up)
      for service in "${selected[@]}"; do "$service" up; done
      ;;
    status)
      local missing=0
      for service in "${selected[@]}"; do "$service" status || missing=1; done
      return "$missing"
      ;;
    -h | --help | help)
      usage
      ;;
    *)
      usage >&2
      return 2
      ;;
  esac
}

main "$@"
