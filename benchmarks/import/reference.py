"""The reference for `scalelab import`: a streaming CSV -> SQLite import in Python's standard
library, with what an import must do at least: read each row, check N, D and the loss are
positive finite numbers, derive C = 6ND, and insert it, all in one transaction (all or nothing).
Rows are never held: csv.reader feeds executemany through a generator.

    python3 reference.py RUNS.csv STORE.sqlite
"""
import csv
import math
import sqlite3
import sys


def rows(path):
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = [h.strip().lower() for h in next(reader)]
        n, d, loss = header.index("params"), header.index("tokens"), header.index("loss")
        for line, fields in enumerate(reader, start=2):
            N, D, L = float(fields[n]), float(fields[d]), float(fields[loss])
            C = 6 * N * D
            for name, x in (("params", N), ("tokens", D), ("loss", L), ("C", C)):
                if not (math.isfinite(x) and x > 0):
                    sys.exit(f"{path}, line {line}: {name} = {x} is not a positive finite number")
            yield (N, D, C, L, f"imported from {path}")


def main(source, store):
    db = sqlite3.connect(store)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE IF NOT EXISTS run (id INTEGER PRIMARY KEY, parameters REAL, tokens REAL, "
               "flops REAL, final_validation_loss REAL, status TEXT, message TEXT)")
    with db:   # one transaction
        db.executemany("INSERT INTO run (parameters, tokens, flops, final_validation_loss, status, message) "
                       "VALUES (?, ?, ?, ?, 'done', ?)", rows(source))
    count = db.execute("SELECT count(*) FROM run").fetchone()[0]
    print(f"imported {count} runs")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
