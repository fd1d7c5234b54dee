#!/usr/bin/env python3
"""Generate the 240-point Chinchilla-shaped benchmark data set (deterministic, seeded).

The truth is Epoch AI's 2024 re-fit of Chinchilla approach 3 (Besiroglu et al.,
arXiv:2404.10102): L(N, D) = E + A/N^alpha + B/D^beta with
E = 1.82, A = 482, B = 2085, alpha = 0.348, beta = 0.366.

Design (IsoFLOP style, like Hoffmann et al. 2022, arXiv:2203.15556, approach 2):
- 8 compute budgets C log-spaced from 6e18 to 3e22 FLOPs;
- per budget, 30 model sizes N log-spaced over +-1.2 decades around the
  compute-optimal N_opt(C) of the true law (closed form of docs/science.md, §Chinchilla);
- D = C / (6 N);
- loss = L(N, D) * exp(eps), eps ~ Normal(0, 0.01^2) (1% multiplicative noise).

Python is used only for benchmarks; it is never a runtime dependency of ScaleLab.

Usage: python3 make_data.py [--seed 20240417] [--out chinchilla_240.csv]
"""
import argparse
import os

import numpy as np

# Epoch AI 2024 constants (docs/science.md, §Published constants).
E, A, B, ALPHA, BETA = 1.82, 482.0, 2085.0, 0.348, 0.366

BUDGETS = 8
SIZES_PER_BUDGET = 30
C_MIN, C_MAX = 6e18, 3e22
HALF_WIDTH_DECADES = 1.2
NOISE_SIGMA = 0.01


def loss(n, d):
    """The true Chinchilla law L(N, D)."""
    return E + A / n**ALPHA + B / d**BETA


def n_opt(c):
    """Compute-optimal N under C = 6ND: N_opt = G (C/6)^(beta/(alpha+beta))."""
    g = (ALPHA * A / (BETA * B)) ** (1.0 / (ALPHA + BETA))
    return g * (c / 6.0) ** (BETA / (ALPHA + BETA))


def make(seed):
    """Rows (params, tokens, flops, loss) in budget-major order."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in np.logspace(np.log10(C_MIN), np.log10(C_MAX), BUDGETS):
        c = float(f"{c:.3g}")               # round budgets to 3 significant digits
        offsets = np.linspace(-HALF_WIDTH_DECADES, HALF_WIDTH_DECADES, SIZES_PER_BUDGET)
        for n in n_opt(c) * 10.0**offsets:
            n = float(np.round(n))          # a parameter count is an integer
            d = c / (6.0 * n)
            eps = rng.normal(0.0, NOISE_SIGMA)
            rows.append((n, float(d), float(c), float(loss(n, d) * np.exp(eps))))
    return rows


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=20240417)
    p.add_argument("--out", default=os.path.join(here, "chinchilla_240.csv"))
    args = p.parse_args()
    rows = make(args.seed)
    with open(args.out, "w", newline="") as f:
        f.write("params,tokens,flops,loss\n")
        for n, d, c, l in rows:
            # repr() round-trips a double exactly.
            f.write(f"{n:.0f},{d!r},{c!r},{l!r}\n")
    print(f"wrote {len(rows)} rows to {args.out}")


if __name__ == "__main__":
    main()
