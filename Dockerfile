# smtp-reply-harness: everything to build, test and fuzz, on Debian bookworm
# with packages from its archive only (scripts/deps.sh, SRH_TEST_PACKAGES;
# scripts/oss_fuzz_check.py keeps the two lists equal). clang only
# recommends libclang-rt-14-dev, its libFuzzer and sanitizer runtimes, so
# it is named.
#
#   docker build -t smtp-reply-harness .
#   docker run --rm smtp-reply-harness                      # the main job: ./run
#   docker run --rm smtp-reply-harness ./run-tests          # the test suite
#   docker run --rm smtp-reply-harness ./run --duration 600 # a longer session
#   docker run --rm -v "$PWD/my_parser.c:/subject.c:ro" \
#       smtp-reply-harness ./run --subject /subject.c      # your parser
FROM debian:bookworm
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       cmake make gcc libc6-dev clang libclang-rt-14-dev python3 \
       afl++ llvm-14 libcmocka-dev pkgconf clang-format-14 python3-yaml \
       gnuplot-nox curl msmtp swaks s-nail esmtp perl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src/smtp-reply-harness
COPY . .
# Build the main job's tools and fuzz targets now, so that a run starts
# fuzzing at once.
RUN ./run build
CMD ["./run"]
