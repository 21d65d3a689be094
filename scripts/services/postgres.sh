# shellcheck shell=bash
# Sourced by scripts/services.sh, which provides probe, reachable, wait_for, ensure_installed,
# as_root, report and die. Defines `postgres up|status`.

# PostgreSQL at 127.0.0.1:5432 (Debian's cluster): the adapter-postgres suites, each in a schema
# of its own in database `test`, as the user running the tests with trust auth on loopback. `up`
# starts the installed cluster when it is down and creates that role and database when missing;
# it never restarts or reconfigures a running server. Fault tests initdb private instances.
postgres() {
  local action=$1
  probe postgres 5432 "$action" && return 0
  [ "$action" = status ] && return 1
  ensure_installed postgresql /usr/bin/pg_ctlcluster
  local version
  version=$(ls /usr/lib/postgresql | sort -V | tail -1)
  [ -n "$version" ] || die "no PostgreSQL server under /usr/lib/postgresql"
  as_root pg_ctlcluster "$version" main start
  wait_for postgres 5432 30
  local user
  user=$(id -un)
  as_root su postgres -c "psql -qAtc \"SELECT 1 FROM pg_roles WHERE rolname = '$user'\" | grep -q 1 || createuser --superuser '$user'"
  as_root su postgres -c "psql -qAtc \"SELECT 1 FROM pg_database WHERE datname = 'test'\" | grep -q 1 || createdb --owner '$user' test"
  report postgres started "$HOST:5432" "database test; trust auth on loopback is pg_hba.conf's to give"
}
