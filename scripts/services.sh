#!/usr/bin/env bash
# Makes sure the brokers that the test suites and benchmarks need are running on loopback, on a
# Debian-like machine (Debian 12, Ubuntu 22.04+). With Docker, use `docker compose up -d` instead.
#
#   scripts/services.sh [up] [SERVICE...]    install what is missing (apt-get), start what is
#                               stopped, wait until each broker answers. Never stops or restarts a
#                               running service. Default: every service.
#   scripts/services.sh status [SERVICE...]  say what answers; change nothing. Exits 1 if anything
#                               is missing.
#   SERVICE is the name of a file in scripts/services/ (rabbitmq, nats, redis, ...)
#
# One file per service in scripts/services/<name>.sh, defining `<name> up|status`. An adapter that
# needs another broker or emulator adds one; this script finds it by name.
set -euo pipefail

readonly HOST=127.0.0.1
SERVICES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/services"
readonly SERVICES_DIR
SERVICES=()
for service_file in "$SERVICES_DIR"/*.sh; do
  # shellcheck source=/dev/null
  source "$service_file"
  SERVICES+=("$(basename "$service_file" .sh)")
done
readonly SERVICES

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
  sed -n '2,13s/^# \{0,1\}//p' "$0"
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
