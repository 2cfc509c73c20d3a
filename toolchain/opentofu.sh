#!/usr/bin/env bash
# Builds OpenTofu from the Go module proxy once per machine and prints the binary's path.
#
# Why a build: no OpenTofu release is reachable from here, but the Go module proxy serves
# github.com/opentofu/opentofu. `go install …/cmd/tofu@v…` refuses it (its go.mod has replace
# directives); `go mod download` and `go build ./cmd/tofu` inside the downloaded module work.
# The build takes ≈ 9 CPU-minutes, so the binary is cached per version, outside the repository
# (every worktree and CI run on the machine shares it), and the build runs at the lowest priority
# on one core so that it does not starve the tests running beside it.
#
# Usage: toolchain/opentofu.sh            build if missing, print the binary's path
# Env:   OPENTOFU_VERSION (default below), OPENTOFU_CACHE (default ~/.cache/kafka-privatelink/opentofu)
set -euo pipefail

DEFAULT_VERSION=1.10.10
usage="usage: npm run opentofu    (toolchain/opentofu.sh)
  Builds OpenTofu from the Go module proxy once per machine (≈ 9 CPU-minutes) and prints the
  binary's path; later runs print the cached binary's path.
  env: OPENTOFU_VERSION (default $DEFAULT_VERSION), OPENTOFU_CACHE (default ~/.cache/kafka-privatelink/opentofu)"
case "${1-}" in
  "") ;;
  -h | --help) echo "$usage"; exit 0 ;;
  *) echo "$usage" >&2; echo "opentofu: unknown argument $1" >&2; exit 2 ;;
esac

version="${OPENTOFU_VERSION:-$DEFAULT_VERSION}"
cache="${OPENTOFU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kafka-privatelink/opentofu}"
bin="$cache/v$version/tofu"

if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null || { echo "opentofu: go is not on the PATH, cannot build OpenTofu $version" >&2; exit 2; }

mkdir -p "$cache/v$version"
# One build per machine: a second caller waits for the first instead of building again.
exec 9>"$cache/v$version.lock"
flock 9
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

started=$(date +%s)
dir=$(go mod download -json "github.com/opentofu/opentofu@v$version" | sed -nE 's/^\s*"Dir": "(.*)",?$/\1/p')
[ -n "$dir" ] || { echo "opentofu: go mod download printed no module folder" >&2; exit 2; }
tmp="$bin.tmp.$$"
(cd "$dir" && GOMAXPROCS="${GOMAXPROCS:-1}" nice -n 19 go build -p 1 -o "$tmp" ./cmd/tofu) >&2
mv "$tmp" "$bin"
echo "opentofu: built $bin in $(( $(date +%s) - started )) s" >&2
echo "$bin"
