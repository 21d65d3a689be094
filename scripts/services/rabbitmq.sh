# shellcheck shell=bash
# Sourced by scripts/services.sh, which provides probe, reachable, wait_for, ensure_installed,
# as_root, report and die. Defines `rabbitmq up|status`.

# RabbitMQ for the amqp suite: 127.0.0.1:5672, guest/guest (guest may log in from loopback only).
# It stays on loopback: AMQP, the Erlang distribution port and epmd listen on 127.0.0.1 only.
readonly RABBITMQ_ENV_CONF=/etc/rabbitmq/rabbitmq-env.conf

rabbitmq() {
  local action=$1
  probe rabbitmq 5672 "$action" && return 0
  [ "$action" = status ] && return 1
  # Before anything can start a node (the Debian package starts one on install): loopback only.
  rabbitmq_loopback_settings
  ensure_installed rabbitmq-server /usr/sbin/rabbitmq-server
  # The package may have started a node already (it can still be booting): start one only if not.
  if ! as_root /usr/sbin/rabbitmqctl -q ping >/dev/null 2>&1; then
    as_root /usr/sbin/rabbitmq-server -detached ||
      die 'could not start RabbitMQ (rabbitmq-server -detached failed); see /var/log/rabbitmq/'
  fi
  # -detached returns before the node is registered, so await_startup is retried until it answers.
  local deadline=$((SECONDS + 120))
  until as_root /usr/sbin/rabbitmqctl -q await_startup >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die 'RabbitMQ did not start within 120 s; see /var/log/rabbitmq/'
    sleep 1
  done
  wait_for rabbitmq 5672 30
  reachable 5672 || die "RabbitMQ started but does not accept connections on $HOST:5672; see /var/log/rabbitmq/"
  report rabbitmq started "$HOST:5672"
}

# Makes sure rabbitmq-env.conf binds the node to loopback. Settings already there (the machine's
# own, or a previous run's) are kept; only missing ones are appended. An AMQP listener on
# 127.0.0.1 in rabbitmq.conf counts as NODE_IP_ADDRESS.
rabbitmq_loopback_settings() {
  as_root mkdir -p "$(dirname "$RABBITMQ_ENV_CONF")"
  as_root touch "$RABBITMQ_ENV_CONF"
  local added=()
  grep -qE '^(export )?NODE_IP_ADDRESS=' "$RABBITMQ_ENV_CONF" ||
    grep -qsE '^listeners\.tcp\.[a-z0-9_]+ *= *127\.0\.0\.1:' /etc/rabbitmq/rabbitmq.conf ||
    added+=('NODE_IP_ADDRESS=127.0.0.1')
  grep -qE '^(export )?ERL_EPMD_ADDRESS=' "$RABBITMQ_ENV_CONF" || added+=('export ERL_EPMD_ADDRESS=127.0.0.1')
  grep -q 'inet_dist_use_interface' "$RABBITMQ_ENV_CONF" ||
    added+=('SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"')
  [ ${#added[@]} -eq 0 ] && return 0
  printf '%s\n' '# Added by polyqueue scripts/services/rabbitmq.sh: keep RabbitMQ on loopback.' "${added[@]}" |
    as_root tee -a "$RABBITMQ_ENV_CONF" >/dev/null
  report rabbitmq configured "$RABBITMQ_ENV_CONF" "loopback: ${added[*]}"
}
