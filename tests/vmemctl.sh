#!/usr/bin/env bash
# The QMP client's own tests (host/test-vmemctl.sh): saved QMP transcripts
# replayed by a fake server, and a paused QEMU without a guest for the
# size checks and QEMU's error replies.
# posting: all (the harness and the guest itself: run for every posting)
# timeout: 120
set -euo pipefail
exec bash host/test-vmemctl.sh
