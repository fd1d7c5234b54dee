"""Runs a command once and prints its wall seconds and peak resident memory (MB) as
`SECONDS MB`: the child's own maximum RSS (getrusage of children, in a fresh process per
measurement so earlier children do not count). Its output goes to /dev/null; a failure is fatal."""
import resource
import subprocess
import sys
import time

start = time.monotonic()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
seconds = time.monotonic() - start
if done.returncode != 0:
    sys.exit(f"measure: {' '.join(sys.argv[1:])} exited {done.returncode}")
print(f"{seconds:.3f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.1f}")
