#!/usr/bin/env python3
"""Reference Chinchilla approach-3 fit with scipy, for timing and agreement checks.

Objective (docs/science.md, §Fitting; Hoffmann et al. 2022, arXiv:2203.15556;
Besiroglu et al. 2024, arXiv:2404.10102):

    f(a, b, e, alpha, beta) = sum_i Huber_delta( LSE(a - alpha log N_i,
                                                     b - beta  log D_i,
                                                     e) - log L_i )

with delta = 1e-3, the Huber terms SUMMED (not averaged), and
Huber_delta(r) = r^2/2 if |r| <= delta else delta (|r| - delta/2)
(the convention of scipy.special.huber). E = e^e, A = e^a, B = e^b.

The gradient is analytic: with w = softmax(a - alpha log N, b - beta log D, e)
and h = Huber'(r) = clip(r, -delta, delta),
    df/da = sum h w1,  df/dalpha = -sum h w1 log N,
    df/db = sum h w2,  df/dbeta  = -sum h w2 log D,
    df/de = sum h w3.

Minimized with scipy.optimize.minimize(method='L-BFGS-B', jac=True) and scipy's
default tolerances from each of the 4,500 grid starts
alpha, beta in {0, 0.5, ..., 2}, e in {-1, -0.5, ..., 1}, a, b in {0, 5, ..., 25};
the best objective wins. Prints one JSON document.

Modes:
  --starts K      fit only K evenly spaced grid starts and extrapolate the time
                  to all 4,500 (the JSON says "extrapolated": true).
  --bootstrap N   N resamples with replacement (seeded); each is refit from the
                  full-data optimum plus 4 perturbed starts; percentile intervals.

Python is used only for benchmarks; it is never a runtime dependency of ScaleLab.
"""
import argparse
import csv
import json
import sys
import time

import numpy as np
from scipy.optimize import minimize

DELTA = 1e-3
GRID_ALPHA = np.arange(0.0, 2.0 + 1e-9, 0.5)
GRID_E = np.arange(-1.0, 1.0 + 1e-9, 0.5)
GRID_AB = np.arange(0.0, 25.0 + 1e-9, 5.0)


def read_csv(path):
    """log N, log D, log L from a CSV with columns params, tokens, loss."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    n = np.array([float(r["params"]) for r in rows])
    d = np.array([float(r["tokens"]) for r in rows])
    loss = np.array([float(r["loss"]) for r in rows])
    return np.log(n), np.log(d), np.log(loss)


def objective(theta, log_n, log_d, log_l):
    """Summed Huber loss of the log residuals and its analytic gradient.

    theta = (a, b, e, alpha, beta).
    """
    a, b, e, alpha, beta = theta
    t1 = a - alpha * log_n
    t2 = b - beta * log_d
    t3 = np.full_like(log_n, e)
    m = np.maximum(np.maximum(t1, t2), t3)
    x1, x2, x3 = np.exp(t1 - m), np.exp(t2 - m), np.exp(t3 - m)
    s = x1 + x2 + x3
    r = m + np.log(s) - log_l
    ar = np.abs(r)
    f = np.where(ar <= DELTA, 0.5 * r * r, DELTA * (ar - 0.5 * DELTA)).sum()
    h = np.clip(r, -DELTA, DELTA) / s        # Huber'(r) times 1/s (softmax denominator)
    h1, h2, h3 = h * x1, h * x2, h * x3
    g = np.array([h1.sum(), h2.sum(), h3.sum(),
                  -(h1 * log_n).sum(), -(h2 * log_d).sum()])
    return f, g


def grid():
    """The 4,500 starts (a, b, e, alpha, beta), in a fixed order."""
    return [(a, b, e, al, be)
            for al in GRID_ALPHA for be in GRID_ALPHA for e in GRID_E
            for a in GRID_AB for b in GRID_AB]


def fit(starts, data):
    """Minimize from every start; the best result, how many converged, all objectives."""
    best, converged, objectives = None, 0, []
    for x0 in starts:
        res = minimize(objective, np.asarray(x0, dtype=float), args=data,
                       method="L-BFGS-B", jac=True)
        converged += bool(res.success)
        if np.isfinite(res.fun):
            objectives.append(float(res.fun))
            if best is None or res.fun < best.fun:
                best = res
    return best, converged, objectives


def natural(theta):
    a, b, e, alpha, beta = (float(v) for v in theta)
    return {"E": float(np.exp(e)), "A": float(np.exp(a)), "B": float(np.exp(b)),
            "alpha": alpha, "beta": beta}


def run_grid(args, data):
    starts = grid()
    total = len(starts)
    if args.starts and args.starts < total:
        idx = np.linspace(0, total - 1, args.starts).round().astype(int)
        starts = [starts[i] for i in idx]
    t0 = time.perf_counter()
    best, converged, objectives = fit(starts, data)
    seconds = time.perf_counter() - t0
    objectives = np.sort(objectives)
    out = {
        "tool": "scipy.optimize.minimize L-BFGS-B (default tolerances)",
        "law": "chinchilla",
        "points": int(len(data[0])),
        "parameters": natural(best.x),
        "fit": {
            "objective": float(best.fun),
            "starts": len(starts),
            "converged_starts": converged,
            # How many starts landed within 1e-9 (absolute) of the best objective.
            "starts_at_best": int((objectives - objectives[0] <= 1e-9).sum()),
            "seconds": seconds,
        },
        "huber": {"delta": DELTA, "reduction": "sum"},
    }
    if len(starts) < total:
        out["extrapolated"] = True
        out["seconds_all_starts_extrapolated"] = seconds * total / len(starts)
        out["note"] = (f"timed {len(starts)} of {total} starts; "
                       f"seconds_all_starts_extrapolated = seconds * {total}/{len(starts)}")
    else:
        out["extrapolated"] = False
    return out


def run_bootstrap(args, data):
    """Percentile bootstrap: resample rows, refit from the optimum plus 4 perturbed starts."""
    full, _, _ = fit(grid() if not args.starts else grid()[:: max(1, 4500 // args.starts)], data)
    rng = np.random.default_rng(args.seed)
    # Perturbation scale per coordinate (a, b, e, alpha, beta): half a unit on the
    # log-scale coefficients, 0.1 on e, 0.05 on the exponents.
    scale = np.array([0.5, 0.5, 0.1, 0.05, 0.05])
    n = len(data[0])
    samples = []
    t0 = time.perf_counter()
    for _ in range(args.bootstrap):
        idx = rng.integers(0, n, n)
        sub = tuple(col[idx] for col in data)
        starts = [full.x] + [full.x + scale * rng.standard_normal(5) for _ in range(4)]
        best, _, _ = fit(starts, sub)
        samples.append(best.x)
    seconds = time.perf_counter() - t0
    s = np.array(samples)
    nat = np.column_stack([np.exp(s[:, 2]), np.exp(s[:, 0]), np.exp(s[:, 1]), s[:, 3], s[:, 4]])
    names = ["E", "A", "B", "alpha", "beta"]
    lo, hi = np.percentile(nat, [2.5, 97.5], axis=0)
    return {
        "tool": "scipy.optimize.minimize L-BFGS-B (default tolerances)",
        "law": "chinchilla",
        "points": int(n),
        "parameters": natural(full.x),
        "bootstrap": {
            "resamples": args.bootstrap,
            "seed": args.seed,
            "starts_per_resample": 5,
            "seconds": seconds,
            "intervals_95": {k: [float(lo[j]), float(hi[j])] for j, k in enumerate(names)},
        },
        "note": "seconds excludes the initial full-data grid fit",
    }


def main():
    p = argparse.ArgumentParser(description="scipy reference fit of Chinchilla approach 3")
    p.add_argument("csv", help="CSV with columns params, tokens, loss")
    p.add_argument("--starts", type=int, default=0,
                   help="fit only K evenly spaced grid starts and extrapolate the time")
    p.add_argument("--bootstrap", type=int, default=0, help="number of bootstrap resamples")
    p.add_argument("--seed", type=int, default=1, help="bootstrap seed")
    args = p.parse_args()
    data = read_csv(args.csv)
    out = run_bootstrap(args, data) if args.bootstrap else run_grid(args, data)
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
