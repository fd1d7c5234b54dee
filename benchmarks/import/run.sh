#!/usr/bin/env bash
# Import of a large CSV into the run store: `scalelab import` against a streaming Python import
# (reference.py: csv.reader -> sqlite3 executemany in one transaction, rows never held), in the
# same run, interleaved. Prints the median wall time and peak resident memory of each and the
# ratios (ScaleLab / reference).
#
#   bash benchmarks/import/run.sh                 # 1,000,000 rows, 3 rounds; builds scalelab (release)
#   ROWS=200000 REPEAT=5 SCALELAB=path/to/scalelab bash benchmarks/import/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rows=${ROWS:-1000000}
repeat=${REPEAT:-3}
if [ -z "${SCALELAB:-}" ]; then
    swift build -c release -Xswiftc -target-cpu -Xswiftc native --product scalelab --package-path "$root" >&2
    SCALELAB="$(swift build -c release -Xswiftc -target-cpu -Xswiftc native --package-path "$root" --show-bin-path)/scalelab"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Seeded rows off a Chinchilla-like surface, N in 1e6..1e9 and D in 1e8..1e11 (every point distinct).
awk -v n="$rows" 'BEGIN { srand(7); print "params,tokens,loss";
    for (i = 1; i <= n; i++) { N = 10 ^ (6 + 3 * rand()); D = 10 ^ (8 + 3 * rand());
        printf "%.6g,%.6g,%.6g\n", N, D, 1.7 + 400 / N ^ 0.34 + 410 / D ^ 0.28 } }' > "$work/runs.csv"
echo "import: $rows rows, $(du -h "$work/runs.csv" | cut -f1) of CSV; $repeat interleaved rounds" >&2

s_times=() s_mem=() r_times=() r_mem=()
for i in $(seq 1 "$repeat"); do
    read -r t m < <(python3 "$here/measure.py" "$SCALELAB" import "$work/runs.csv" --store "$work/s$i.sqlite")
    s_times+=("$t"); s_mem+=("$m")
    read -r t m < <(python3 "$here/measure.py" python3 "$here/reference.py" "$work/runs.csv" "$work/r$i.sqlite")
    r_times+=("$t"); r_mem+=("$m")
    rm -f "$work"/s$i.sqlite* "$work"/r$i.sqlite*
done
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
st=$(printf '%s\n' "${s_times[@]}" | median); sm=$(printf '%s\n' "${s_mem[@]}" | median)
rt=$(printf '%s\n' "${r_times[@]}" | median); rm_=$(printf '%s\n' "${r_mem[@]}" | median)
printf 'import of %d rows, medians of %d\n' "$rows" "$repeat"
printf '  scalelab import:     %8.2f s  %8.1f MB peak\n' "$st" "$sm"
printf '  reference (Python):  %8.2f s  %8.1f MB peak\n' "$rt" "$rm_"
awk -v st="$st" -v rt="$rt" -v sm="$sm" -v rm="$rm_" 'BEGIN { printf "  scalelab / reference: time %.2f, memory %.2f\n", st / rt, sm / rm }'
