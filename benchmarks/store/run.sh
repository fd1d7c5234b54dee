#!/usr/bin/env bash
# Runs ingested per second into the run store: SQLite vs PostgreSQL, in one run.
#
# `scalelab import` of one CSV of $ROWS runs (default 20000) into a fresh SQLite file and into a
# fresh PostgreSQL schema (the server of scripts/start-postgres.sh, or $SCALELAB_BENCH_POSTGRES_URL),
# $REPEAT times each (default 3); prints the best rate of each and their ratio. An import is one
# transaction of one INSERT per run, the same SQL on both backends.
#
#   bash benchmarks/store/run.sh                    # builds scalelab (release) first
#   SCALELAB=path/to/scalelab bash benchmarks/store/run.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rows=${ROWS:-20000}
repeat=${REPEAT:-3}
if [ -z "${SCALELAB:-}" ]; then
    swift build -c release --product scalelab --package-path "$root" >&2
    SCALELAB="$(swift build -c release --package-path "$root" --show-bin-path)/scalelab"
fi
url=${SCALELAB_BENCH_POSTGRES_URL:-$(bash "$root/scripts/start-postgres.sh" | tail -1)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
awk -v n="$rows" 'BEGIN { print "params,tokens,loss"; for (i = 1; i <= n; i++) printf "%.17g,%.17g,%.17g\n", 1e6 * (1 + i / n), 2e7 * (1 + i / n), 3 + 1 / i }' > "$work/runs.csv"

now() { date +%s.%N; }
best() { sort -g | head -n 1; }
time_import() {   # $1: store; prints seconds
    local t0 t1
    t0=$(now); "$SCALELAB" import "$work/runs.csv" --store "$1" >/dev/null; t1=$(now)
    echo "$t1 - $t0" | bc -l
}
sqlite_times=() pg_times=()
for i in $(seq 1 "$repeat"); do
    sqlite_times+=("$(time_import "$work/s$i.sqlite")")
    schema="bench_$$_$i"
    sep='?'; case "$url" in *\?*) sep='&';; esac
    pg_times+=("$(time_import "$url${sep}schema=$schema")")
    psql "$url" -X -q -c "DROP SCHEMA $schema CASCADE" >/dev/null
done
s=$(printf '%s\n' "${sqlite_times[@]}" | best)
p=$(printf '%s\n' "${pg_times[@]}" | best)
sr=$(echo "$rows / $s" | bc -l); pr=$(echo "$rows / $p" | bc -l)
printf 'store ingest: %d runs per import, best of %d (scalelab import, one transaction)\n' "$rows" "$repeat"
printf '  SQLite:     %8.0f runs/s (%.3f s)\n' "$sr" "$s"
printf '  PostgreSQL: %8.0f runs/s (%.3f s)\n' "$pr" "$p"
printf '  SQLite / PostgreSQL: %.2f\n' "$(echo "$sr / $pr" | bc -l)"
