# shellcheck shell=bash
# Sourced by scripts/services.sh, which provides probe, reachable, wait_for, ensure_installed,
# as_root, report and die. Defines `pstest up|status`.

# Google's Pub/Sub fake (pstest) for the pubsub suite: 127.0.0.1:8085, ack deadlines from 1 s.
# Built from Debian's golang-google-cloud-dev sources with golang-go (scripts/pstest/build.sh)
# into .tmp/pstest/ (ignored by git). Clients: PUBSUB_EMULATOR_HOST=127.0.0.1:8085 and
# METADATA_SERVER_DETECTION=none, or pubsub://<project>?emulator_host=127.0.0.1:8085.
pstest() {
  local action=$1
  local root
  root="$(cd "$SERVICES_DIR/../.." && pwd)"
  local binary=$root/.tmp/pstest/pstest-server
  local log=$root/.tmp/pstest/pstest-server.log
  probe pstest 8085 "$action" && return 0
  [ "$action" = status ] && return 1
  ensure_installed golang-go /usr/bin/go
  # ensure_installed checks for an executable; the Go sources are plain files.
  [ -f /usr/share/gocode/src/cloud.google.com/go/pubsub/pstest/fake.go ] ||
    ensure_installed golang-google-cloud-dev /nonexistent
  # Built again when its sources changed since (a checkout that already had a binary).
  if [ ! -x "$binary" ] || [ -n "$(find "$root/scripts/pstest" -newer "$binary" -type f)" ]; then
    "$root/scripts/pstest/build.sh" "$binary" || die 'could not build the Pub/Sub fake (scripts/pstest/build.sh)'
  fi
  # setsid: the fake outlives this script, like the other services.
  setsid "$binary" -port 8085 -min-ack-deadline 1 >"$log" 2>&1 </dev/null &
  wait_for pstest 8085 15 || die "the Pub/Sub fake did not start; see $log"
  report pstest started "$HOST:8085" 'min ack deadline 1 s'
}
