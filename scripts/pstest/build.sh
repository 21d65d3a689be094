#!/usr/bin/env bash
# Builds Google's Pub/Sub fake (pstest) into .tmp/pstest/pstest-server, offline, from Debian's
# golang-google-cloud-dev sources (GOPATH mode, golang-go). Usage: scripts/pstest/build.sh [OUT]
#
# The packaged pstest is patched on a temporary copy, never in /usr/share/gocode:
# - ModifyAckDeadline dereferences nil for an unknown ack id and takes the whole process down;
#   a nil check fixes it;
# - server_at.go adds NewServerAt(port): the package only listens on a random port;
# - the listener is bound to 127.0.0.1 rather than "localhost".
# Go's internal-package rule makes internal/testutil come along with the copy.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT=${1:-$ROOT/.tmp/pstest/pstest-server}
SRC=/usr/share/gocode/src/cloud.google.com/go

die() {
  printf 'pstest build: %s\n' "$*" >&2
  exit 1
}

command -v go >/dev/null 2>&1 || die 'go is not installed (Debian: apt-get install golang-go)'
[ -f "$SRC/pubsub/pstest/fake.go" ] ||
  die "$SRC/pubsub/pstest is missing (Debian: apt-get install golang-google-cloud-dev)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pstest-build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
GOPATH_DIR=$WORK/gopath
mkdir -p "$GOPATH_DIR/src/cloud.google.com/go/pubsub" "$GOPATH_DIR/src/cloud.google.com/go/internal" \
  "$GOPATH_DIR/src/polyqueue/pstest-server"
cp -r "$SRC/pubsub/pstest" "$GOPATH_DIR/src/cloud.google.com/go/pubsub/"
cp -r "$SRC/internal/testutil" "$GOPATH_DIR/src/cloud.google.com/go/internal/"
rm -f "$GOPATH_DIR"/src/cloud.google.com/go/pubsub/pstest/*_test.go
cp "$HERE/server_at.go" "$GOPATH_DIR/src/cloud.google.com/go/pubsub/pstest/"
cp "$HERE/main.go" "$GOPATH_DIR/src/polyqueue/pstest-server/"

FAKE=$GOPATH_DIR/src/cloud.google.com/go/pubsub/pstest/fake.go
perl -0pi -e 's/\t\ts\.msgsByID\[id\]\.Modacks = append\(s\.msgsByID\[id\]\.Modacks, (Modack\{[^\n]*\})\)\n/\t\tif m := s.msgsByID[id]; m != nil {\n\t\t\tm.Modacks = append(m.Modacks, $1)\n\t\t}\n/' "$FAKE"
grep -q 'if m := s.msgsByID\[id\]; m != nil' "$FAKE" ||
  die 'could not apply the ModifyAckDeadline nil-check patch (did the packaged fake.go change?)'
SERVER=$GOPATH_DIR/src/cloud.google.com/go/internal/testutil/server.go
sed -i 's/"localhost:%d"/"127.0.0.1:%d"/' "$SERVER"
grep -q '"127.0.0.1:%d"' "$SERVER" || die 'could not bind the fake to 127.0.0.1 (testutil/server.go changed?)'

mkdir -p "$(dirname "$OUT")"
(
  cd "$GOPATH_DIR/src/polyqueue/pstest-server"
  GO111MODULE=off GOPATH="$GOPATH_DIR:/usr/share/gocode" GOPROXY=off GOFLAGS= GOCACHE="$WORK/cache" \
    go build -o "$OUT" .
)
printf 'pstest build: %s\n' "$OUT"
