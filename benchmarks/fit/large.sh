#!/usr/bin/env bash
# Large-data fit benchmark: approach 3 (4,500 grid starts, no bootstrap) on ROWS synthetic points,
# screening the starts on a 2,000-point sample (the default) against screening on every point (the
# behaviour before, `--screening-sample 0`), in the same run, interleaved, REPEATS times each;
# prints the medians, their ratio, and whether both found the same optimum. Then the default alone
# on BIG_ROWS points (the issue's 1M-row case; screening on every point took 18m45s there, which
# this script does not re-run).
#
# Environment: ROWS (default 100000), BIG_ROWS (default 1000000; 0 skips), REPEATS (default 3), OUT.
# Python (numpy) writes the data; ScaleLab itself needs none.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rows=${ROWS:-100000}; big=${BIG_ROWS:-1000000}; repeats=${REPEATS:-3}
out=${OUT:-$(mktemp -d -t scalelab-large-fit.XXXXXX)}
mkdir -p "$out"

make_data() {  # make_data ROWS FILE: Epoch AI's constants, 1% log-normal noise, 100 budgets
    python3 - "$1" "$2" <<'PY'
import sys, numpy as np
rows, path = int(sys.argv[1]), sys.argv[2]
E, A, B, al, be = 1.82, 482.0, 2085.0, 0.348, 0.366
G = (al * A / (be * B)) ** (1 / (al + be)); a = be / (al + be)
budgets = 100; sizes = rows // budgets
rng = np.random.default_rng(1)
C = np.repeat(np.logspace(np.log10(6e18), np.log10(3e22), budgets), sizes)
N = G * (C / 6) ** a * 10 ** np.tile(np.linspace(-1.2, 1.2, sizes), budgets)
D = C / (6 * N)
L = (E + A / N**al + B / D**be) * np.exp(0.01 * rng.standard_normal(N.size))
np.savetxt(path, np.column_stack([N, D, C, L]), delimiter=",", header="N,D,C,loss", comments="", fmt="%.10g")
PY
}

echo "== building scalelab (release, as make build does)" >&2
make -C "$root" build >&2
bin="$(cd "$root" && swift build -c release -Xswiftc -target-cpu -Xswiftc native --show-bin-path)/scalelab"

make_data "$rows" "$out/rows.csv"
run() {  # run NAME ARGS...: wall seconds to stdout, JSON to $out/NAME.json
    local name=$1; shift
    local t0=$(date +%s.%N)
    "$bin" fit "$out/rows.csv" --law chinchilla --bootstrap 0 --holdout-largest 1 --json "$@" > "$out/$name.json"
    echo "$(date +%s.%N) - $t0" | bc
}
sampled=(); full=()
for i in $(seq "$repeats"); do
    sampled+=("$(run sampled)"); full+=("$(run full --screening-sample 0)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ms=$(median "${sampled[@]}"); mf=$(median "${full[@]}")
same=$(python3 - "$out/sampled.json" "$out/full.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
rel = max(abs(a["parameters"][k] - b["parameters"][k]) / abs(b["parameters"][k]) for k in b["parameters"])
print(f"objective {a['fit']['objective']:.9g} vs {b['fit']['objective']:.9g}, largest relative parameter difference {rel:.2e}")
PY
)
echo
echo "fit of $rows rows, 4,500 starts, medians of $repeats interleaved runs:"
echo "  screening on a 2,000-point sample (default): ${ms} s  (runs: ${sampled[*]})"
echo "  screening on every point (before):           ${mf} s  (runs: ${full[*]})"
echo "  ratio: $(echo "scale=1; $mf / $ms" | bc)x; $same"
if [ "$big" -gt 0 ]; then
    make_data "$big" "$out/big.csv"
    t0=$(date +%s.%N)
    /usr/bin/time -f "%M" -o "$out/big.mem" "$bin" fit "$out/big.csv" --law chinchilla --bootstrap 0 --holdout-largest 1 --json > "$out/big.json"
    echo "fit of $big rows (default): $(echo "$(date +%s.%N) - $t0" | bc) s, peak RSS $(( $(cat "$out/big.mem") / 1024 )) MB (screening on every point took 18m45s in the issue's report)"
    python3 -c "import json; r=json.load(open('$out/big.json')); print('  alpha', r['parameters']['alpha'], 'beta', r['parameters']['beta'], 'E', r['parameters']['E'], '(truth 0.348, 0.366, 1.82)')"
fi
