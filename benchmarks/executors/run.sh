#!/usr/bin/env bash
# Per-run overhead of the Slurm executor against the local one, in one run, and the number of
# squeue calls the monitor makes.
#
# A ladder of $RUNS runs (16 sweeps of 132 by default: 2,112) "trained" by `scalelab simulate-run`,
# which takes milliseconds, so what is timed is the executor: submission, scheduling, polling and
# ingest. `ladder run` with the local executor (2 workers) and with the Slurm executor (the
# one-node cluster of scripts/start-slurm.sh, poll interval $POLL s), alternating, $REPEAT times
# each (default 3); each into a fresh SQLite store. Prints runs per second and per-run seconds of
# each (medians), their ratio, and the squeue calls of each Slurm run (a wrapper on the PATH
# counts them). The monitor never calls sacct (the cluster keeps no accounting database).
#
#   bash benchmarks/executors/run.sh                  # builds scalelab (release) first
#   SWEEPS=2 REPEAT=1 bash benchmarks/executors/run.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
sweeps=${SWEEPS:-16}
repeat=${REPEAT:-3}
poll=${POLL:-1}
if [ -z "${SCALELAB:-}" ]; then
    swift build -c release --product scalelab --package-path "$root" >&2
    SCALELAB="$(swift build -c release --package-path "$root" --show-bin-path)/scalelab"
fi
export "$(bash "$root/scripts/start-slurm.sh" | tail -1)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# squeue, counted: the wrapper logs one line per call and runs the real one.
real_squeue=$(command -v squeue)
mkdir -p "$work/bin"
printf '#!/bin/sh\necho call >> "%s/squeue.calls"\nexec "%s" "$@"\n' "$work" "$real_squeue" > "$work/bin/squeue"
chmod +x "$work/bin/squeue"

plan() {   # $1: store
    for seed in $(seq 0 $((sweeps - 1))); do
        "$SCALELAB" ladder plan --budgets 1e9,3e9,1e10,3e10,1e11,3e11,1e12,3e12,1e13,3e13 --sizes-per-budget 20 --spread 1 \
            --context 16 --throughput 1e9 --seed "$seed" --store "$1" >/dev/null 2>&1
    done
}
command="$SCALELAB simulate-run --params {params} --tokens {tokens} --seed {run_id} --out {result}"
now() { date +%s.%N; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
local_times=() slurm_times=() calls=()
for i in $(seq 1 "$repeat"); do
    plan "$work/l$i.sqlite"
    t0=$(now); "$SCALELAB" ladder run --store "$work/l$i.sqlite" --workers 2 --train-command "$command" --json >/dev/null; t1=$(now)
    local_times+=("$(echo "$t1 - $t0" | bc -l)")
    plan "$work/s$i.sqlite"
    rm -f "$work/squeue.calls"
    t0=$(now)
    PATH="$work/bin:$PATH" "$SCALELAB" ladder run --store "$work/s$i.sqlite" --executor slurm --threads 1 --poll-interval "$poll" \
        --run-dir "$work/s$i.runs" --train-command "$command" --json >/dev/null
    t1=$(now)
    slurm_times+=("$(echo "$t1 - $t0" | bc -l)")
    calls+=("$(wc -l < "$work/squeue.calls")")
    runs=$("$SCALELAB" ladder status --store "$work/s$i.sqlite" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["runs"])')
done
l=$(printf '%s\n' "${local_times[@]}" | median)
s=$(printf '%s\n' "${slurm_times[@]}" | median)
c=$(printf '%s\n' "${calls[@]}" | median)
echo "runs per ladder: $runs (simulate-run), $repeat ladders per executor, alternating"
printf 'local (2 workers):    %8.1f s  %7.1f runs/s  %6.1f ms per run   (runs: %s s)\n' "$l" "$(echo "$runs / $l" | bc -l)" "$(echo "1000 * $l / $runs" | bc -l)" "${local_times[*]}"
printf 'slurm (poll %s s):     %8.1f s  %7.1f runs/s  %6.1f ms per run   (runs: %s s)\n' "$poll" "$s" "$(echo "$runs / $s" | bc -l)" "$(echo "1000 * $s / $runs" | bc -l)" "${slurm_times[*]}"
printf 'ratio slurm/local:    %8.2f\n' "$(echo "$s / $l" | bc -l)"
echo "squeue calls per Slurm ladder: $c (one per poll, never one per run); sacct calls: 0"
