# shellcheck shell=bash
# Sourced by scripts/services.sh, which provides ensure_installed, report and die. Defines
# `chromium up|status`.

# Not a service: Debian's Chromium, which the dashboard's browser tests drive headless through
# playwright-core (packages/dashboard/test). Installed with apt when missing; never downloaded.
chromium() {
  local action=$1 binary=/usr/bin/chromium
  if [ -x "$binary" ]; then
    report chromium installed "$binary"
    return 0
  fi
  if [ "$action" = status ]; then
    report chromium missing "$binary" 'install it: scripts/services.sh up chromium'
    return 1
  fi
  ensure_installed chromium "$binary"
  report chromium installed "$binary"
}
