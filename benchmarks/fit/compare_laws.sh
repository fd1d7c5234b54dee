#!/usr/bin/env bash
# Law-comparison benchmark: `scalelab fit FILE --law all` (every applicable law fitted and
# back-tested) against `scalelab fit FILE --law chinchilla` (one law with its 200-resample
# bootstrap: the issue's reference, 0.44 s) on the same 240 points.
#
# 1. writes a 240-point Chinchilla replication set: 16 sizes N log-spaced over 4e7…1.6e10 times
#    15 token counts D over 5e9…5e11, C = 6·N·D, loss from Epoch AI's surface (E 1.8172,
#    A 482.01, B 2085.43, α 0.3478, β 0.3658) with 1% log-normal noise, seed 13 (numpy);
# 2. builds scalelab in release (as `make build` does), unless BIN names a binary;
# 3. times, interleaved, REPEATS runs each of `--law all` and `--law chinchilla`, and
#    BEFORE_REPEATS runs of `--law all --screening-iterations 0` (every least-squares start
#    to convergence: the behaviour before early rejection);
# 4. prints the medians, the ratios, each law's seconds (`fit --law LAW --bootstrap 0`: its fit
#    and back-test, as in the comparison) and whether
#    the default and the old settings found the same optimum for every law.
#
# Environment: REPEATS (default 3), BEFORE_REPEATS (default 1; 0 skips the slow old settings),
# BIN (a scalelab binary; default: build one), OUT (directory for outputs; default a fresh
# temporary one). Python (numpy) writes the data and reads the JSON; ScaleLab itself needs none.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
repeats=${REPEATS:-3}; before=${BEFORE_REPEATS:-1}
out=${OUT:-$(mktemp -d -t scalelab-compare-laws.XXXXXX)}
mkdir -p "$out"
data="$out/replication_240.csv"

python3 - "$data" <<'PY'
import sys, numpy as np
E, A, B, alpha, beta = 1.8172, 482.01, 2085.43, 0.3478, 0.3658
rng = np.random.default_rng(13)
with open(sys.argv[1], "w") as f:
    f.write("params,tokens,flops,loss\n")
    for n in np.round(np.logspace(np.log10(4e7), np.log10(1.6e10), 16)):
        for d in np.round(np.logspace(np.log10(5e9), np.log10(5e11), 15)):
            loss = (E + A / n**alpha + B / d**beta) * np.exp(0.01 * rng.standard_normal())
            f.write(f"{n:.0f},{d:.0f},{float(6 * n * d)!r},{float(loss)!r}\n")
PY

if [ -z "${BIN:-}" ]; then
    echo "== building scalelab (release, as make build does)" >&2
    make -C "$root" build >&2
    BIN="$(cd "$root" && swift build -c release -Xswiftc -target-cpu -Xswiftc native --show-bin-path)/scalelab"
fi

# run NAME ARGS...: wall seconds to stdout; JSON to $out/NAME.json, stderr to $out/NAME.err
run() {
    local name=$1; shift
    local t0; t0=$(date +%s.%N)
    if ! "$BIN" fit "$data" --json "$@" > "$out/$name.json" 2> "$out/$name.err"; then
        echo "scalelab fit $* failed; see $out/$name.err" >&2; kill $$
    fi
    echo "$(date +%s.%N) - $t0" | bc
}
all=(); chin=(); old=()
for i in $(seq "$repeats"); do
    all+=("$(run all --law all)")
    chin+=("$(run chinchilla --law chinchilla)")
    if [ "$i" -le "$before" ]; then old+=("$(run before --law all --screening-iterations 0)"); fi
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ma=$(median "${all[@]}"); mc=$(median "${chin[@]}")

# Seconds per law: each law alone, fitted and back-tested as the comparison does it (no bootstrap).
per_law() {  # per_law ARGS...
    local laws; laws=$(python3 -c "import json; print(' '.join(r['law'] for r in json.load(open('$out/all.json'))['laws']))")
    for law in $laws; do printf '%s %.2f s; ' "$law" "$(run "law-$law" --law "$law" --bootstrap 0 "$@")"; done
    echo
}
echo
echo "fit --law all vs --law chinchilla on 240 points (2 cores), medians of $repeats interleaved runs:"
echo "  --law all (default):         ${ma} s  (runs: ${all[*]})"
echo "  --law chinchilla (reference): ${mc} s  (runs: ${chin[*]})"
echo "  ratio all/chinchilla: $(echo "scale=1; $ma / $mc" | bc)x"
echo "  per law (fit + back-test, one run each): $(per_law)"
if [ "${#old[@]}" -gt 0 ]; then
    mo=$(median "${old[@]}")
    echo "  --law all --screening-iterations 0 (before): ${mo} s  (runs: ${old[*]}); speed-up $(echo "scale=1; $mo / $ma" | bc)x"
    echo "  per law (before): $(per_law --screening-iterations 0)"
    python3 - "$out/all.json" "$out/before.json" <<'PY'
import json, sys
a, b = ({r["law"]: r for r in json.load(open(p))["laws"]} for p in sys.argv[1:])
worst = max(abs(a[k]["objective"] - b[k]["objective"]) / max(abs(b[k]["objective"]), 1e-300) for k in b)
same_rank = list(a) == list(b)
print(f"  same optimum: largest relative objective difference over {len(b)} laws {worst:.2e}; same ranking: {same_rank}")
for k in b:
    ha, hb = a[k].get("holdoutRmseLog"), b[k].get("holdoutRmseLog")
    print(f"    {k:16s} objective {a[k]['objective']:.9g} vs {b[k]['objective']:.9g}; holdout rmse_log {ha:.6g} vs {hb:.6g}")
PY
fi
echo "outputs in $out"
