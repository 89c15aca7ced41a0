#!/usr/bin/env bash
# Builds every citools binary under cmd/, stamped with the tool's own version,
# and installs it into $PREFIX/bin with its manual page in
# $PREFIX/share/man/man1. Safe to run again: it replaces what it installed.
#
#   ./install.sh                 install into ~/.local
#   PREFIX=/usr/local ./install.sh
set -euo pipefail

usage() {
	sed -n '2,8s/^# \{0,1\}//p' "$0"
}

while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	*) echo "install.sh: unknown option $1 (see ./install.sh --help)" >&2; exit 2 ;;
	esac
	shift
done

cd "$(dirname "$0")"
PREFIX=${PREFIX:-$HOME/.local}

if ! command -v go >/dev/null 2>&1; then
	echo "install.sh: Go 1.26 or newer is needed to build citools (https://go.dev/dl/)" >&2
	exit 1
fi

build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT

# The tool's own version is what git-version says of this checkout.
go build -o "$build/" ./cmd/git-version
version=$("$build/git-version" -C . 2>/dev/null || echo dev)
go build -trimpath -ldflags "-s -w -X github.com/citools/citools/internal/cli.Version=$version" -o "$build/" ./cmd/...

mkdir -p "$PREFIX/bin" "$PREFIX/share/man/man1"
for bin in "$build"/*; do
	name=$(basename "$bin")
	# Write next to the target, then rename: a running copy is never half-replaced.
	install -m 0755 "$bin" "$PREFIX/bin/.$name.new"
	mv -f "$PREFIX/bin/.$name.new" "$PREFIX/bin/$name"
	"$bin" --man >"$PREFIX/share/man/man1/$name.1"
	echo "installed $PREFIX/bin/$name ($version)"
done

case ":$PATH:" in
*":$PREFIX/bin:"*) ;;
*) echo "note: $PREFIX/bin is not on your PATH; add it, e.g.: export PATH=\"$PREFIX/bin:\$PATH\"" >&2 ;;
esac
