#!/bin/bash -eu
# ClusterFuzzLite runs the same build as OSS-Fuzz: oss-fuzz/build.sh.
exec bash -eux "$SRC/smtp-reply-harness/oss-fuzz/build.sh"
