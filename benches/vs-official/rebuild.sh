#!/usr/bin/env bash
# The day after a clean build: an application of twenty calls (rebuild/calls.rs, the same text
# for both clients) built once (debug), then its EDIT literal changed and the program rebuilt,
# ROUNDS times (7 unless set), the two programs interleaved. Prints each median rebuild and the
# ratio. Each program keeps its own target directory between runs.
set -euo pipefail
cd "$(dirname "$0")/rebuild"
edit() { sed -i "s/^const EDIT: &str = \".*\";/const EDIT: \&str = \"$1\";/" calls.rs; }
trap 'edit edit-0' EXIT
for program in ours official; do (cd "$program" && cargo build --quiet); done
declare -A times
for round in $(seq "${ROUNDS:-7}"); do
    for program in ours official; do
        edit "edit-$program-$round"
        start=$(date +%s.%N)
        (cd "$program" && cargo build --quiet)
        end=$(date +%s.%N)
        times[$program]+="$(echo "$end - $start" | bc) "
    done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ours=$(echo "${times[ours]}" | median)
official=$(echo "${times[official]}" | median)
printf 'rebuild after one edit (debug, median of %d): ours %.2f s, official %.2f s, ours/official %.2f\n' \
    "${ROUNDS:-7}" "$ours" "$official" "$(echo "$ours / $official" | bc -l)"
