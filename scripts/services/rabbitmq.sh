# shellcheck shell=bash
# Sourced by scripts/services.sh, which provides probe, reachable, wait_for, ensure_installed,
# as_root, report and die. Defines `rabbitmq up|status`.

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
