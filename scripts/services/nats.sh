# shellcheck shell=bash
# Sourced by scripts/services.sh, which provides probe, reachable, wait_for, ensure_installed,
# as_root, report and die. Defines `nats up|status`.

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
  nats_has_jetstream || die "nats-server answers on $HOST:4222 but without JetStream; see /var/log/nats-server.log"
  report nats started "$HOST:4222" 'JetStream on'
}

# True when the nats-server on 4222 announces JetStream in its INFO line.
nats_has_jetstream() {
  local info
  info=$(timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/4222 && head -n 1 <&3" 2>/dev/null) || return 1
  [[ $info == *'"jetstream":true'* ]]
}
