#!/usr/bin/env bash
# Fuzzes ScaleLab's input readers with libFuzzer for a bounded time (the fuzz/ package).
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]     (default: 60 s, every target)
#
# First every input in fuzz/regressions/TARGET/ (crashes found before, each now fixed) is replayed
# once; then each target runs from its seeds (fuzz/seeds/TARGET/ and the heads of the test
# fixtures) with fuzz/scalelab.dict. A crash, a broken promise (see fuzz/Sources/scalelab-fuzz/
# Targets.swift), an input slower than 10 s or over 2 GB fails the script, which says where the
# input was saved: copy it to fuzz/regressions/TARGET/, write the failing test, fix it.
# SCALELAB_FUZZ_WORK keeps the working corpora in a folder of your choice (default: a temporary one);
# SCALELAB_FUZZ_SEED fixes libFuzzer's seed (make test uses 1, so CI explores the same way each
# time; default: a new seed each run, as make fuzz does).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
case "$seconds" in ''|*[!0-9]*) echo "fuzz: SECONDS_PER_TARGET must be a whole number, not '$seconds'" >&2; exit 2;; esac
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(csv jsonl task-metrics-csv task-metrics-jsonl fit-file where)

# The fuzzer's driver and instrumentation come with the Swift toolchain (compiler-rt); lld links
# it (gold fails on libFuzzer's archive beside SwiftPM's entry-point symbol).
flags=(-c release -Xswiftc -sanitize=fuzzer -Xswiftc -use-ld=lld --package-path fuzz)
swift build "${flags[@]}"
bin="$(swift build "${flags[@]}" --show-bin-path)/scalelab-fuzz"

# Swift's own crash handler would catch the trap first and exit before libFuzzer saves the input.
export SWIFT_BACKTRACE=enable=no
work=${SCALELAB_FUZZ_WORK:-$(mktemp -d)}
status=0
for target in "${targets[@]}"; do
    [ -d "fuzz/seeds/$target" ] || { echo "fuzz: no target '$target' (fuzz/seeds has: $(ls fuzz/seeds | tr '\n' ' '))" >&2; exit 2; }
    corpus="$work/$target/corpus"
    mkdir -p "$corpus"
    cp fuzz/seeds/"$target"/* "$corpus/"
    case "$target" in   # the first 40 lines of the fixtures the readers must take
        csv) for f in Tests/Fixtures/{chinchilla_model_parameters,datablations_c4_fit_subset_182,bnsl_4digit_addition}.csv; do
                 head -40 "$f" > "$corpus/fixture-$(basename "$f")"; done ;;
        task-metrics-csv) for f in Tests/Fixtures/olmo_ladder_{tasks,task_curves}.csv; do
                 head -40 "$f" > "$corpus/fixture-$(basename "$f")"; done ;;
    esac
    regressions=(fuzz/regressions/"$target"/*)
    if [ -e "${regressions[0]}" ]; then
        echo "fuzz: $target: replaying ${#regressions[@]} regression input(s)"
        "$bin" "$target" -timeout=10 "${regressions[@]}" 2>&1 | tail -3
    fi
    echo "fuzz: $target: ${seconds} s"
    seed=()
    [ -z "${SCALELAB_FUZZ_SEED:-}" ] || seed=(-seed="$SCALELAB_FUZZ_SEED")
    if ! "$bin" "$target" "${seed[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
            -dict=fuzz/scalelab.dict -artifact_prefix="$work/$target/" -print_final_stats=1 \
            "$corpus" > "$work/$target/log" 2>&1; then
        grep -E "Fatal error|ERROR: libFuzzer|Test unit written|SUMMARY" "$work/$target/log" | head -8 >&2
        echo "fuzz: $target FAILED; the log is $work/$target/log" >&2
        status=1
    else
        grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/$target/log" | tr '\n' ' '
        echo "($(ls "$corpus" | wc -l) inputs in the corpus)"
    fi
done
exit $status
