#!/usr/bin/env bash
# Builds the root Dockerfile and runs it, where no Docker engine runs and no
# image registry is reachable: Debian's podman (with runc) builds it from a
# debian:bookworm base made here with debootstrap, then runs, inside the
# image, the test suite (./run-tests --quick), a short fuzz session (the
# image's default command) and a session on a subject mounted in.
#   scripts/container_check.sh [--fresh]   --fresh: debootstrap the base
#                                          again even if podman has one
#   scripts/container_check.sh --build     only make the image (and keep it)
#   scripts/container_check.sh --test      only run the image --build made
#                                          (then remove it)
# Needs root (debootstrap, rootful podman). The recipe, and the failures
# without it, are in ../shared/research/fuzzing-conventions.md, B5.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/deps.sh"
[ "$(id -u)" -eq 0 ] || { echo "container check: needs root (debootstrap, podman)" >&2; exit 2; }
srh_require $SRH_CONTAINER_PACKAGES

base=docker.io/library/debian:bookworm
image=localhost/smtp-reply-harness:check
work=$(mktemp -d /var/tmp/srh-container.XXXXXX)
trap 'rm -rf "$work"' EXIT

# This sandbox cannot raise rlimits or use crun's cgroup mode: runc, cgroupfs,
# and no default ulimits.
cat >"$work/containers.conf" <<'CONF'
[containers]
default_ulimits = []
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
CONF
export CONTAINERS_CONF="$work/containers.conf"

step() { printf '== container: %s\n' "$*"; }
t0=$SECONDS
mode=${1:-all}
case $mode in all | --fresh | --build | --test) ;; *) echo "usage: $0 [--fresh | --build | --test]" >&2; exit 2 ;; esac

if [ "$mode" = --test ]; then
	podman image exists "$image" || { echo "container check: no image $image (run with --build first)" >&2; exit 1; }
elif [ "$mode" = --fresh ] || ! podman image exists "$base"; then
	mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
	[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
	mirror=${mirror:-http://deb.debian.org/debian}
	step "debootstrap a minimal bookworm from $mirror"
	debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
		{ tail -20 "$work/debootstrap.log" >&2; exit 1; }
	tar -C "$work/rootfs" -c . | podman import -q - "$base" >/dev/null
	rm -rf "$work/rootfs"
	step "imported as $base ($((SECONDS - t0)) s)"
fi

if [ "$mode" != --test ]; then
	step "podman build (the root Dockerfile)"
	t=$SECONDS
	podman build -q --pull=never --network=host -t "$image" "$root" >"$work/build.log" 2>&1 ||
		{ tail -40 "$work/build.log" >&2; exit 1; }
	step "built in $((SECONDS - t)) s; image size $(podman image inspect --format '{{.Size}}' "$image" | awk '{ printf "%.0f MB", $1 / 1e6 }')"
fi
[ "$mode" = --build ] && { step "image $image kept for --test"; exit 0; }

# No network from here on: the image must hold everything.
run() { podman run --rm --network=none "$@"; }

step "the test suite inside the image: ./run-tests --quick"
t=$SECONDS
run "$image" ./run-tests --quick
step "tests passed in $((SECONDS - t)) s"

step "the default command (./run), shortened: --duration 20"
t=$SECONDS
run "$image" ./run --duration 20 --no-save --split-args "--quiet --pairs-max 16 --random 10"
step "session passed in $((SECONDS - t)) s"

step "a subject mounted in: examples/my_subject.c as /subject.c"
t=$SECONDS
run -v "$root/examples/my_subject.c:/subject.c:ro" "$image" \
	./run --subject /subject.c --duration 10 --no-save --no-split
step "session on a mounted subject passed in $((SECONDS - t)) s"

podman rmi -f "$image" >/dev/null
step "all passed in $((SECONDS - t0)) s"
