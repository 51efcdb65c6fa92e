# build.sh - sourced (bash) by harness/wire/clients/go-net-smtp and
# harness/adapters/go-adapter: build a Go program on first use.
#
#   srh_go_build DIR NAME PKGDIR [DEP...]
#
# Builds the main package in PKGDIR into DIR/NAME unless that binary is
# newer than every Go source, go.mod, go.sum and go.work under PKGDIR and
# the DEPs (files or directories) and than the go command itself. Under
# flock on DIR/.lock, rechecked once the lock is held, so concurrent first
# uses build once; the binary is renamed into place, so a run that skipped
# the lock never sees half of one. GOCACHE and GOPATH are under DIR, and
# nothing is downloaded (GOPROXY=off). PKGDIR inside a module is built in
# module mode, else in GOPATH mode; $SRH_GO_WORK, when set, is the go.work
# to build in. Returns 2, with the reason on stderr, when it cannot.

srh_go_stale() { # BIN GO PKGDIR [DEP...]
	local bin=$1 gocmd=$2
	shift 2
	[ -x "$bin" ] || return 0
	[ -n "$gocmd" ] && [ "$gocmd" -nt "$bin" ] && return 0
	[ -n "$(find "$@" -newer "$bin" \( -name '*.go' -o -name go.mod \
		-o -name go.sum -o -name go.work \) -print -quit 2>/dev/null)" ]
}

srh_go_build() {
	local dir=$1 name=$2 pkg=$3
	shift 3
	mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || return 2
	local bin=$dir/$name gocmd
	gocmd=$(command -v go) && gocmd=$(readlink -f "$gocmd")
	srh_go_stale "$bin" "$gocmd" "$pkg" "$@" || return 0
	if [ -z "$gocmd" ]; then
		echo "${0##*/}: building $name needs the go command, from" \
			"Debian's golang-go (apt-get install golang-go)" >&2
		return 2
	fi
	(
		flock 9 || exit 2
		srh_go_stale "$bin" "$gocmd" "$pkg" "$@" || exit 0
		cd "$pkg" || exit 2
		# env -u: a GOTOOLCHAIN (Go 1.21+) or a user's GOFLAGS/go env
		# file must not change what or how this builds.
		if ! env -u GOTOOLCHAIN GOENV=off GOFLAGS= GOPROXY=off GOSUMDB=off \
			GO111MODULE=auto GOWORK="${SRH_GO_WORK:-off}" CGO_ENABLED=0 \
			GOCACHE="$dir/cache" GOPATH="$dir/gopath" \
			"$gocmd" build -trimpath -o "$bin.tmp.$$" . >&2; then
			rm -f "$bin.tmp.$$"
			echo "${0##*/}: go build of $name in $pkg failed" >&2
			exit 2
		fi
		mv -f "$bin.tmp.$$" "$bin"
	) 9>"$dir/.lock"
}
