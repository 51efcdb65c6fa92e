# Sourced by ./run and ./run-tests: make sure the Debian packages they need
# are installed. As root it installs what is missing; otherwise it says
# exactly what to install and stops.

# Packages of the main job (a libFuzzer session: clang and its libFuzzer
# and sanitizer runtimes, which clang only recommends), of a session with
# AFL++, and of the tests (a superset; the root Dockerfile installs exactly
# these). scripts/oss_fuzz_check.py holds the Dockerfiles to these lists.
SRH_RUN_PACKAGES="cmake make gcc libc6-dev clang libclang-rt-14-dev python3"
SRH_AFL_PACKAGES="afl++"
# Wire mode's real clients (harness/wire/clients/README.md): the command
# lines (curl, msmtp, swaks, s-nail, esmtp, Perl's Net::SMTP; Python's
# smtplib comes with python3), in one apt-get and in the root Dockerfile.
SRH_WIRE_PACKAGES="curl msmtp swaks s-nail esmtp perl"
# ... and the libraries and runtimes people ship clients in: Python's
# aiosmtplib, Go's net/smtp, PHPMailer, Jakarta Mail on a headless JRE,
# Ruby's net/smtp, neomutt as a mail user agent, and nodejs with its npm
# for nodemailer (from npm, pinned by harness/wire/clients/node/
# package-lock.json). Large, so apart: the clients suite (ctest label
# "clients") and ./run wire install them; the container image does not.
SRH_WIRE_LIB_PACKAGES="python3-aiosmtplib golang-go php-cli libphp-phpmailer default-jre-headless libjakarta-mail-java ruby neomutt nodejs"
# Wire mode's queueing MTA (harness/wire/clients/exim4: Exim delivering,
# then retrying, the KB912341 duplicate): a separate, slower suite. An MTA
# package (it provides mail-transport-agent and conflicts with the other
# MTAs), so not in SRH_TEST_PACKAGES.
SRH_WIRE_MTA_PACKAGES="exim4-daemon-light"
SRH_TEST_PACKAGES="$SRH_RUN_PACKAGES $SRH_AFL_PACKAGES llvm-14 libcmocka-dev pkgconf clang-format-14 python3-yaml gnuplot-nox $SRH_WIRE_PACKAGES"
# ./run bench: the fuzzers of both engines, and gnuplot for its plot.
SRH_BENCH_PACKAGES="$SRH_RUN_PACKAGES $SRH_AFL_PACKAGES gnuplot-nox time"
# What oss-fuzz/build.sh runs besides the compilers (the base-builder image
# has it already; its Dockerfiles install it anyway, so that no change of
# base can drop it), and what building the root Dockerfile here takes: podman and runc, as no Docker engine runs, and debootstrap for a
# debian:bookworm base, as no registry is reachable.
SRH_BUILDER_PACKAGES="python3"
SRH_CONTAINER_PACKAGES="podman runc debootstrap"

srh_require() {
	local missing=() p
	if ! command -v dpkg-query >/dev/null 2>&1; then
		echo "note: not a Debian system; this needs (Debian names): $*" >&2
		return 0
	fi
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing Debian packages: ${missing[*]}" >&2
		echo "install them with:" >&2
		echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
		exit 1
	fi
	echo "installing Debian packages: ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	if ! { apt-get update -qq &&
		apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >&2; then
		echo "apt-get could not install: ${missing[*]}" >&2
		exit 1
	fi
}
