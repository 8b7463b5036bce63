#!/usr/bin/env bash
# Cold start of the one-call programs of build-time/ (release): each built into its own kept
# target directory, then timed by cold-start/ from process start to the first request byte at
# a loopback stub, interleaved (ROUNDS, 15 unless set). Ratios are to the bare POST (floor).
set -euo pipefail
cd "$(dirname "$0")"
for program in floor ours official; do
    (cd "build-time/$program" && cargo build --quiet --release)
done
(cd cold-start && cargo build --quiet --release)
cold-start/target/release/cold-start \
    floor=build-time/floor/target/release/floor \
    ours=build-time/ours/target/release/ours \
    official=build-time/official/target/release/official
