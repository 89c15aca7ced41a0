#!/usr/bin/env bash
# Builds every citools binary under cmd/, stamped with the tool's own version,
# and installs it into $PREFIX/bin with its manual page in
# $PREFIX/share/man/man1. Safe to run again: it replaces what it installed.
#
#   ./install.sh                   install into ~/.local
#   PREFIX=/usr/local ./install.sh
#   ./install.sh --hooks REPO      also keep REPO's version files current
#                                  (git-version install-hooks; may be repeated)
set -euo pipefail

usage() {
	sed -n '2,10s/^# \{0,1\}//p' "$0"
}

repos=()
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	--hooks)
		[ $# -ge 2 ] || { echo "install.sh: --hooks needs a repository" >&2; exit 2; }
		repos+=("$(cd "$2" 2>/dev/null && pwd)") || { echo "install.sh: --hooks $2: no such directory" >&2; exit 2; }
		shift ;;
	--hooks=*)
		dir=${1#--hooks=}
		repos+=("$(cd "$dir" 2>/dev/null && pwd)") || { echo "install.sh: --hooks $dir: no such directory" >&2; exit 2; }
		;;
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

# The hooks find git-version on PATH; the filter is set up with the full
# path of the binary installed here.
for repo in ${repos[@]+"${repos[@]}"}; do
	"$PREFIX/bin/git-version" -C "$repo" install-hooks
done

case ":$PATH:" in
*":$PREFIX/bin:"*) ;;
*) echo "note: $PREFIX/bin is not on your PATH; add it, e.g.: export PATH=\"$PREFIX/bin:\$PATH\"" >&2 ;;
esac
