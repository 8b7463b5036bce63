#!/usr/bin/env bash
# Clean debug builds of one InitiateAuth program three ways, one after the other, each into an
# empty target directory (the registry already downloaded: run `cargo fetch` in each first).
# Prints wall time, peak memory of the build (the largest rustc), packages, stripped binary.
set -euo pipefail
cd "$(dirname "$0")/build-time"
for program in ${PROGRAMS:-floor ours official}; do
    target="$(mktemp -d)"
    (cd "$program" && cargo fetch --quiet)
    start=$(date +%s.%N)
    (cd "$program" && CARGO_TARGET_DIR="$target" /usr/bin/time -f "%M" -o "$target/rss" \
        cargo build --quiet ${PROFILE_FLAG:-})
    end=$(date +%s.%N)
    packages=$(cd "$program" && cargo tree --prefix none -e normal | sort -u | wc -l)
    binary="$target/${PROFILE_DIR:-debug}/$program"
    strip -o "$target/stripped" "$binary"
    printf '%-9s %6.1f s  peak %5.2f GB  %3d packages  stripped %5.2f MB\n' "$program" \
        "$(echo "$end - $start" | bc)" "$(echo "$(cat "$target/rss") / 1048576" | bc -l)" \
        "$packages" "$(echo "$(stat -c %s "$target/stripped") / 1048576" | bc -l)"
    rm -rf "$target"
done
