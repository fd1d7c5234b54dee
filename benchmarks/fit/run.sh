#!/usr/bin/env bash
# Fit benchmark: ScaleLab against the scipy reference on the same data and the same starts.
#
# 1. builds scalelab in release;
# 2. times `scalelab fit chinchilla_240.csv --law chinchilla --json` (4,500 grid starts)
#    and the same with `--bootstrap $BOOTSTRAP --seed 1 --resampling cases` (the resampling the
#    reference does);
# 2b. times the bootstrap under both resamplings, interleaved (cases, residuals, cases, …),
#    REPEATS times each, and prints the medians of wall seconds and of the bootstrap's own
#    seconds (the fit report's bootstrap.seconds) and their ratio residuals/cases
#    (bootstrap_resampling.py);
# 3. times reference_scipy.py on the same file (all 4,500 starts, or SCIPY_STARTS of them,
#    extrapolated) and its bootstrap;
# 4. prints a table: seconds, ratio scipy/ScaleLab, and whether the parameters agree.
#
# Environment: BOOTSTRAP (default 1000), REPEATS (default 5), BIN (a scalelab binary to time
# instead of building one), SKIP_SCIPY=1 to time ScaleLab only, SCIPY_STARTS (default: all 4,500),
# SKIP_SCIPY_BOOTSTRAP=1 to skip the slowest step, OUT (directory for outputs; default a
# fresh temporary directory). Python (numpy, scipy) is needed only here, never by ScaleLab.
#
# The reference runs on one thread: scipy's L-BFGS-B calls BLAS on 5-vectors, and OpenBLAS
# threads only spin there (they took 116% CPU and made the fit slower on a shared machine).
# Set REFERENCE_THREADS to change that.
set -uo pipefail
export OPENBLAS_NUM_THREADS=${REFERENCE_THREADS:-1} OMP_NUM_THREADS=${REFERENCE_THREADS:-1}

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
data="$here/chinchilla_240.csv"
out=${OUT:-$(mktemp -d -t scalelab-fit-bench.XXXXXX)}
boot=${BOOTSTRAP:-1000}
mkdir -p "$out"

[ -f "$data" ] || python3 "$here/make_data.py" --out "$data"

repeats=${REPEATS:-5}
if [ -n "${BIN:-}" ]; then
    bin=$BIN
else
    echo "== building scalelab (release, as make build does)" >&2
    make -C "$root" build >&2 || { echo "build failed" >&2; exit 1; }
    bin="$(cd "$root" && swift build -c release -Xswiftc -target-cpu -Xswiftc native --show-bin-path)/scalelab"
fi

# timed NAME COMMAND...: stdout to $out/NAME.json, wall seconds to $out/NAME.time, stderr to NAME.err
timed() {
    local name=$1; shift
    echo "== $name: $*" >&2
    /usr/bin/time -f %e -o "$out/$name.time" "$@" >"$out/$name.json" 2>"$out/$name.err"
    local rc=$?
    if [ $rc -ne 0 ]; then
        echo "   exit status $rc; see $out/$name.err" >&2
        rm -f "$out/$name.time"
    fi
}

timed scalelab_fit "$bin" fit "$data" --law chinchilla --json
timed scalelab_boot "$bin" fit "$data" --law chinchilla --bootstrap "$boot" --seed 1 --resampling cases --json

# The two resamplings interleaved, so that load from elsewhere falls on both alike.
for k in $(seq 1 "$repeats"); do
    for r in cases residuals; do
        timed "resampling_${r}_$k" "$bin" fit "$data" --law chinchilla --bootstrap "$boot" --seed 1 --resampling "$r" --json
    done
done

if [ -n "${SKIP_SCIPY:-}" ]; then
    python3 "$here/bootstrap_resampling.py" "$out" "$repeats"
    echo "outputs in $out"
    exit 0
fi

starts=()
[ -n "${SCIPY_STARTS:-}" ] && starts=(--starts "$SCIPY_STARTS")
timed scipy_fit python3 "$here/reference_scipy.py" "$data" "${starts[@]}"
if [ -z "${SKIP_SCIPY_BOOTSTRAP:-}" ]; then
    timed scipy_boot python3 "$here/reference_scipy.py" "$data" --bootstrap "$boot" --seed 1 "${starts[@]}"
fi

echo >&2
python3 "$here/compare.py" "$out"
echo
python3 "$here/bootstrap_resampling.py" "$out" "$repeats"
echo
echo "outputs in $out"
