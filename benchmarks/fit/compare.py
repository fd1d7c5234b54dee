#!/usr/bin/env python3
"""Print the fit benchmark table from the outputs run.sh collected.

Reads, from the directory given, NAME.json (the program's stdout) and NAME.time (wall
seconds from /usr/bin/time -f %e) for NAME in scalelab_fit, scipy_fit, scalelab_boot,
scipy_boot. A missing or unparsable output is reported, not fatal.

Agreement: the largest relative difference |x_scalelab - x_scipy| / |x_scipy| over
E, A, B, alpha, beta; "yes" when it is below --tolerance (default 1e-3).
"""
import argparse
import json
import os

NAMES = ["E", "A", "B", "alpha", "beta"]


def load(directory, name):
    """(parsed JSON or None, wall seconds or None, error text or None)."""
    doc, seconds, error = None, None, None
    try:
        with open(os.path.join(directory, name + ".time")) as f:
            lines = [l for l in f.read().split() if l]
            seconds = float(lines[-1])
    except (OSError, ValueError, IndexError) as e:
        error = f"no timing ({e})"
    try:
        with open(os.path.join(directory, name + ".json")) as f:
            doc = json.load(f)
        if isinstance(doc, list):        # a list of fits: take the Chinchilla one
            doc = next((d for d in doc if d.get("law") == "chinchilla"), doc[0] if doc else None)
        if isinstance(doc, dict) and "fits" in doc and "parameters" not in doc:
            doc = next((d for d in doc["fits"] if d.get("law") == "chinchilla"), None)
    except (OSError, ValueError) as e:
        doc, error = None, f"no JSON output ({type(e).__name__})"
        try:
            with open(os.path.join(directory, name + ".err")) as f:
                lines = [l.strip() for l in f if l.strip()]
            if lines:
                error += "; stderr: " + " | ".join(lines[:3])
        except OSError:
            pass
    return doc, seconds, error


def max_relative_difference(ours, ref):
    try:
        p, q = ours["parameters"], ref["parameters"]
        return max(abs(float(p[k]) - float(q[k])) / abs(float(q[k])) for k in NAMES)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None


def fmt(x, spec=".2f"):
    return "-" if x is None else format(x, spec)


def row(task, ours, ref, tolerance):
    (d1, s1, e1), (d2, s2, e2) = ours, ref
    ratio = s2 / s1 if s1 and s2 else None
    rel = max_relative_difference(d1, d2) if d1 and d2 else None
    agree = "-" if rel is None else ("yes" if rel < tolerance else "NO")
    print(f"{task:<22} {fmt(s1):>12} {fmt(s2):>10} {fmt(ratio):>8}   {agree:<5} {fmt(rel, '.2e'):>10}")
    for label, e in (("ScaleLab", e1), ("scipy", e2)):
        if e:
            print(f"    {label}: {e}")


def details(label, doc):
    if not doc:
        return
    p = doc.get("parameters", {})
    fit = doc.get("fit", {})
    shown = ", ".join(f"{k}={float(p[k]):.6g}" for k in NAMES if k in p)
    extra = []
    if "objective" in fit:
        extra.append(f"objective={fit['objective']:.10g}")
    if "starts" in fit:
        extra.append(f"starts={fit['starts']} converged={fit.get('convergedStarts', '?')}")
    if "seconds" in fit:
        extra.append(f"in-process fit seconds={fit['seconds']:.2f}")
    if doc.get("extrapolated"):
        extra.append(f"EXTRAPOLATED all-starts seconds={doc['seconds_all_starts_extrapolated']:.2f}")
    print(f"  {label:<16} {shown}")
    if extra:
        print(f"  {'':<16} {'; '.join(extra)}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("directory")
    p.add_argument("--tolerance", type=float, default=1e-3)
    args = p.parse_args()
    runs = {n: load(args.directory, n) for n in ["scalelab_fit", "scipy_fit", "scalelab_boot", "scipy_boot"]}
    print(f"{'task':<22} {'ScaleLab s':>12} {'scipy s':>10} {'ratio':>8}   {'agree':<5} {'max rel':>10}")
    print("-" * 75)
    row("fit (4,500 starts)", runs["scalelab_fit"], runs["scipy_fit"], args.tolerance)
    row("bootstrap", runs["scalelab_boot"], runs["scipy_boot"], args.tolerance)
    print()
    print("wall seconds include process start-up (Python: importing numpy/scipy, about 0.5 s);")
    print("ratio = scipy / ScaleLab; agreement compares the full-data point estimates.")
    print()
    details("ScaleLab fit", runs["scalelab_fit"][0])
    details("scipy fit", runs["scipy_fit"][0])
    boot = runs["scipy_boot"][0]
    if boot and "bootstrap" in boot:
        b = boot["bootstrap"]
        print(f"  scipy bootstrap  {b['resamples']} resamples x {b['starts_per_resample']} starts, "
              f"{b['seconds']:.2f} s in-process; 95% intervals:")
        for k in NAMES:
            lo, hi = b["intervals_95"][k]
            print(f"  {'':<16} {k:<6} [{lo:.6g}, {hi:.6g}]")
    ours = runs["scalelab_boot"][0]
    if ours and ours.get("intervals"):
        print(f"  ScaleLab intervals: {json.dumps(ours['intervals'])}")


if __name__ == "__main__":
    main()
