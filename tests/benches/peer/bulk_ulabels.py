# Part of tests/scripts/peer-query-bench.sh (Python LaminDB side of the query benchmark).
"""Bulk ULabel insert: construct N ULabels and ln.save them in one call."""
import sys, time
import lamindb as ln
N = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
t = time.perf_counter()
labels = [ln.ULabel(name=f"bulk label {i}") for i in range(N)]
tc = time.perf_counter() - t
ln.save(labels)
tt = time.perf_counter() - t
print(f"[bulk] {N} ULabels: construct {tc:.3f} s, total {tt:.3f} s, {N/tt:.0f} rows/s")
