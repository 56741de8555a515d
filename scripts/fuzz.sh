#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/Cargo.toml) for FUZZ_SECONDS each (default 60), starting
# from the kept corpus in fuzz/corpus/<target>/. New interesting inputs go to the untracked
# fuzz/corpus-work/<target>/; FUZZ_MERGE=1 merges the ones that add coverage into the kept corpus.
# A crash stops the run and leaves the input in fuzz/artifacts/<target>/: minimise it
# (`cargo +nightly fuzz tmin <target> <file>`), fix the bug, and copy the input into
# fuzz/regressions/<target>/ so tests/fuzz_corpus.rs replays it on stable forever.
#
# Needs the nightly toolchain (sanitizers); installs cargo-fuzz if it is missing.
# FUZZ_TARGETS="referer path_glob" limits the run; FUZZ_JOBS (default 1) runs workers in parallel.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
FUZZ_JOBS="${FUZZ_JOBS:-1}"
TOOLCHAIN="${FUZZ_TOOLCHAIN:-nightly}"

if ! cargo "+$TOOLCHAIN" --version >/dev/null 2>&1; then
    echo "fuzz: the $TOOLCHAIN toolchain is required (rustup toolchain install $TOOLCHAIN)" >&2
    exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

targets="${FUZZ_TARGETS:-$(cd fuzz && cargo "+$TOOLCHAIN" fuzz list)}"
cd fuzz
for t in $targets; do cargo "+$TOOLCHAIN" fuzz build "$t" 2>&1 | tail -n 1; done
for t in $targets; do
    mkdir -p "corpus/$t" "corpus-work/$t"
    echo "fuzz: $t for ${FUZZ_SECONDS}s"
    parallel=()
    if [ "$FUZZ_JOBS" -gt 1 ]; then parallel=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS"); fi
    set +e
    cargo "+$TOOLCHAIN" fuzz run "$t" "corpus-work/$t" "corpus/$t" -- \
        -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        "${parallel[@]}" 2>&1 |
        grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done)|ERROR|SUMMARY|panicked|Test unit written'
    status="${PIPESTATUS[0]}"
    set -e
    if [ "$status" -ne 0 ]; then
        echo "fuzz: $t FAILED; the input is in fuzz/artifacts/$t/" >&2
        exit 1
    fi
    if [ "${FUZZ_MERGE:-0}" = 1 ]; then
        cargo "+$TOOLCHAIN" fuzz run "$t" "corpus/$t" "corpus-work/$t" -- -merge=1 >/dev/null 2>&1
        echo "fuzz: $t kept corpus now $(ls "corpus/$t" | wc -l) files"
    fi
done
echo "fuzz: all targets ran clean"
