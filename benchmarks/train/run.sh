#!/usr/bin/env bash
# Speed and memory benchmark of the training engine (not a test): trains a range of transformer
# shapes with `scalelab train` and the same model in PyTorch on the CPU (torch_gpt.py: same
# threads, batch, context and optimizer) and prints tokens/s for both, the ratio, ScaleLab's
# MFU against this machine's measured sgemm peak, and peak memory against the arithmetic need.
#
#   bash benchmarks/train/run.sh            # needs data/shakespeare.txt (scripts/fetch-corpus.sh)
#   THREADS=2 BATCH=8 bash benchmarks/train/run.sh
#   REPEATS=7 SHAPES=2:64:4:128:200 bash benchmarks/train/run.sh   # 7 interleaved runs per side (default 3)
#
# Each shape is layers:d_model:heads:context:steps. Both sides time the steps after the first 2;
# the step counts give every timed run about a second or more (10 steps of the smallest shape
# time only ~60 ms, where start-up effects and the host's noise dominate). The timing runs run
# alone; peak memory comes from one more run per side and shape, sampled every 20 ms (the
# sampler forks a process 50 times a second, which would slow the timed runs).
#   PYTHON=/path/to/python (with torch) — default: python3; without torch the PyTorch column is empty.
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS=${THREADS:-$(nproc)}
BATCH=${BATCH:-8}
PYTHON=${PYTHON:-python3}
SHAPES=${SHAPES:-"2:64:4:128:200 4:128:4:128:50 4:256:8:256:12 4:512:8:256:10"}   # layers:d_model:heads:context:steps
REPEATS=${REPEATS:-3}   # runs per shape and side, interleaved (ScaleLab, PyTorch, ScaleLab, ...): medians

[ -s data/shakespeare.txt ] || bash scripts/fetch-corpus.sh
# The Makefile's release flags (`make build`): the element-wise kernels rely on this CPU's vectors.
swift build -c release -Xswiftc -target-cpu -Xswiftc native --product scalelab >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -n "${KEEP:-}" ] && trap - EXIT && echo "run.sh: keeping $work" >&2
head -c 300000 data/shakespeare.txt > "$work/corpus.txt"   # small validation set: short final evaluation
have_torch=1
"$PYTHON" -c "import torch" 2>/dev/null || { have_torch=0; echo "run.sh: no torch for $PYTHON; PyTorch column left empty" >&2; }

# Peak private anonymous memory of a command (RssAnon: heap and anonymous mappings, which hold every
# buffer a run allocates, but not the shared-library code each program maps), sampled every 20 ms
# while it runs; written in bytes to the file given first.
peak_anon() {
    local out=$1; shift
    "$@" &
    local pid=$! max=0 v
    while kill -0 "$pid" 2>/dev/null; do
        v=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
        if [ -n "$v" ] && [ "$v" -gt "$max" ]; then max=$v; fi
        sleep 0.02
    done
    wait "$pid"
    echo $((max * 1024)) > "$out"
}

rows=()
for s in $SHAPES; do
    IFS=: read -r L C NH T STEPS <<<"$s"
    ours=(.build/release/scalelab train --layers "$L" --d-model "$C" --heads "$NH" --context "$T"
          --batch "$BATCH" --tokens $((STEPS * BATCH * T)) --threads "$THREADS" --curve-points 1
          --data "$work/corpus.txt" --json)
    theirs=("$PYTHON" benchmarks/train/torch_gpt.py --layers "$L" --d-model "$C" --heads "$NH" --context "$T"
            --batch "$BATCH" --steps "$STEPS" --threads "$THREADS" --data "$work/corpus.txt")
    for r in $(seq 0 "$REPEATS"); do
        # Run 0 measures memory (sampled); runs 1...REPEATS are timed.
        echo "run.sh: L=$L d=$C heads=$NH T=$T, $STEPS steps ($([ "$r" = 0 ] && echo "memory run" || echo "timed run $r of $REPEATS")) ..." >&2
        if [ "$r" = 0 ]; then
            peak_anon "$work/scalelab-$s.anon" "${ours[@]}" > /dev/null
        else
            "${ours[@]}" > "$work/scalelab-$s-$r.json"
        fi
        if [ $have_torch = 1 ]; then
            if [ "$r" = 0 ]; then
                peak_anon "$work/torch-$s.anon" "${theirs[@]}" > /dev/null
            else
                "${theirs[@]}" > "$work/torch-$s-$r.json"
            fi
        else
            echo '{}' > "$work/torch-$s-$r.json"
            echo 0 > "$work/torch-$s.anon"
        fi
    done
    rows+=("$s")
done

"$PYTHON" - "$work" "$REPEATS" "${rows[@]}" <<'PY'
import json, sys, platform, datetime, os, statistics
work, repeats, shapes = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
print(f"# {datetime.date.today()}  {platform.machine()}  {os.cpu_count()} cores  "
      f"threads={os.environ.get('THREADS', os.cpu_count())} batch={os.environ.get('BATCH', 8)}"
      + (f"  medians of {repeats} interleaved runs per side" if repeats > 1 else ""))
print(f"{'shape (L/d/h/T)':>16} {'steps':>5} {'N':>10} {'ScaleLab tok/s':>15} {'PyTorch tok/s':>14} {'ratio':>6} "
      f"{'MFU':>6} {'sgemm peak':>11} {'buffers':>9} {'anon RSS':>9} {'anon/buf':>9} {'RSS growth':>11} {'growth/buf':>11} "
      f"{'peak RSS':>9} {'torch anon':>11} {'torch RSS':>10}")
ranges = []
label = lambda s: '/'.join(s.split(':')[:4])
# The machine's sgemm peak: the highest of the probes every ScaleLab run makes (a probe that ran
# while the host was busy reads low, and a low peak would inflate MFU, even past 100%).
runs_of = {s: [json.load(open(f"{work}/scalelab-{s}-{i}.json")) for i in range(1, repeats + 1)] for s in shapes}
all_runs = [x for s in shapes for x in runs_of[s]]
peak = max(x["peakFLOPS"] for x in all_runs)
for s in shapes:
    runs = runs_of[s]
    torch_runs = [json.load(open(f"{work}/torch-{s}-{i}.json")) for i in range(1, repeats + 1)]
    r, t = runs[0], torch_runs[0]
    mb = lambda b: f"{b / 2**20:.0f} MB" if b else "-"
    # Both sides time the same steps: everything after the first 2 (torch_gpt.py --warmup-steps 2).
    speeds = [x.get("steadyTokensPerSecond") or x["tokensPerSecond"] for x in runs]
    torch_speeds = [x["tokens_per_second"] for x in torch_runs if x.get("tokens_per_second")]
    ours = statistics.median(speeds)
    ts = statistics.median(torch_speeds) if torch_speeds else None
    mfu = ours * r["executedFLOPsPerToken"] / peak
    torch_s = f"{ts:.0f}" if ts else "-"
    ratio = f"{ours / ts:.2f}" if ts else "-"
    if len(torch_speeds) == len(speeds) > 1:
        pair = sorted(a / b for a, b in zip(speeds, torch_speeds))
        ranges.append(f"{label(s)}: run-by-run ratios {', '.join(f'{x:.2f}' for x in pair)}")
    anon = int(open(f"{work}/scalelab-{s}.anon").read())
    torch_anon = int(open(f"{work}/torch-{s}.anon").read())
    rss = max(x.get("peakResidentBytes") or 0 for x in runs)
    growth = max((x.get("peakResidentBytes") or 0) - (x.get("baselineResidentBytes") or 0) for x in runs)
    print(f"{label(s):>16} {s.split(':')[4]:>5} {r['parameters']:>10} {ours:>15.0f} {torch_s:>14} {ratio:>6} "
          f"{100 * mfu:>5.1f}% {peak / 1e9:>7.0f} GF/s {mb(r['bufferBytes']):>9} {mb(anon):>9} "
          f"{anon / r['bufferBytes']:>9.2f} {mb(growth):>11} {growth / r['bufferBytes']:>11.2f} {mb(rss):>9} "
          f"{mb(torch_anon):>11} {mb(t.get('peak_rss_bytes')):>10}")
for line in ranges:
    print(line)
probes = ", ".join(f"{x['peakFLOPS'] / 1e9:.0f}" for x in all_runs)
print(f"MFU: median tokens/s times the FLOPs the kernels execute per token, over the sgemm peak (the highest of "
      f"{len(all_runs)} probes, one per ScaleLab run: {probes} GF/s).")
print("anon RSS: peak private anonymous memory (RssAnon, sampled every 20 ms): every buffer the process "
      "allocates, including OpenBLAS's, but not the shared-library code it maps; anon/buf compares it with what "
      "the parameter, AdamW and activation buffers need by arithmetic.")
print("RSS growth: peak resident memory minus the resident memory before the model was allocated (the "
      "Swift runtime, OpenBLAS and the corpus, a fixed floor); growth/buf compares it with what the "
      "parameter, AdamW and activation buffers need by arithmetic.")
PY
