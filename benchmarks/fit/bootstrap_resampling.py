#!/usr/bin/env python3
"""Print the cost of the residual bootstrap against the case bootstrap from run.sh's outputs.

Reads, from the directory given, resampling_{cases,residuals}_K.json (fit reports) and .time
(wall seconds) for K = 1..REPEATS, and prints for each resampling the median wall seconds of
the whole command (fit + bootstrap + back-tests), the median of the bootstrap's own seconds
(`bootstrap.seconds` of the report: for residuals it includes the n leave-one-out refits), and
the ratios residuals/cases. A missing output is reported and left out.
"""
import json
import os
import statistics
import sys


def runs(directory, resampling, repeats):
    wall, boot = [], []
    for k in range(1, repeats + 1):
        name = os.path.join(directory, f"resampling_{resampling}_{k}")
        try:
            with open(name + ".time") as f:
                wall.append(float(f.read().split()[-1]))
            with open(name + ".json") as f:
                doc = json.load(f)
            assert doc["bootstrap"].get("resampling", "cases") == resampling, doc["bootstrap"].get("resampling")
            boot.append(float(doc["bootstrap"]["seconds"]))
        except (OSError, ValueError, KeyError, IndexError, AssertionError) as e:
            print(f"resampling {resampling}, run {k}: no result ({type(e).__name__}: {e})")
    return wall, boot


def main():
    directory, repeats = sys.argv[1], int(sys.argv[2])
    rows = {r: runs(directory, r, repeats) for r in ("cases", "residuals")}
    print(f"bootstrap resampling, {repeats} interleaved runs each (medians; min–max):")
    print(f"{'resampling':<12} {'wall s':>22} {'bootstrap s':>22}")
    med = {}
    for r, (wall, boot) in rows.items():
        if not wall or not boot:
            print(f"{r:<12} {'-':>22} {'-':>22}")
            continue
        med[r] = (statistics.median(wall), statistics.median(boot))
        cell = lambda xs: f"{statistics.median(xs):.3f} ({min(xs):.3f}–{max(xs):.3f})"
        print(f"{r:<12} {cell(wall):>22} {cell(boot):>22}")
    if len(med) == 2:
        print(f"ratio residuals/cases: wall {med['residuals'][0] / med['cases'][0]:.2f}×, "
              f"bootstrap {med['residuals'][1] / med['cases'][1]:.2f}×")


if __name__ == "__main__":
    main()
