"""Compares two fixture trees written by generate_fixtures.py (the committed one and a fresh regeneration).

Usage: python compare_fixtures.py COMMITTED_DIR REGENERATED_DIR
JSON values must be equal, numbers within 1e-5 relative + 1e-5 of the array's largest magnitude (at least 1e-6)
absolute; the real-larq training curve as the larq-ts test compares with it; .bin weight files are compared as
float32 arrays with the same tolerance. Exits 1 listing every difference.
"""
import json
import os
import sys

import numpy as np

RTOL, ATOL = 1e-5, 1e-6


def files(root):
    out = set()
    for d, _, names in os.walk(root):
        for n in names:
            out.add(os.path.relpath(os.path.join(d, n), root))
    return out


def compare_json(a, b, path, problems):
    if isinstance(a, bool) or isinstance(b, bool) or not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        if type(a) is not type(b):
            problems.append(f"{path}: {type(a).__name__} vs {type(b).__name__}")
        elif isinstance(a, dict) and path.endswith(".var_opt_mapping"):
            # larq's CaseOptimizer keys this map by variable names with Python object ids appended: compare
            # which optimizer each variable went to, by name without the id.
            strip = lambda d: sorted((k.rsplit("_", 1)[0], v) for k, v in d.items())  # noqa: E731
            if strip(a) != strip(b):
                problems.append(f"{path}: variable assignment differs")
        elif isinstance(a, dict):
            if set(a) != set(b):
                problems.append(f"{path}: keys differ: {sorted(set(a) ^ set(b))}")
            for k in set(a) & set(b):
                compare_json(a[k], b[k], f"{path}.{k}", problems)
        elif isinstance(a, list):
            if len(a) != len(b):
                problems.append(f"{path}: length {len(a)} vs {len(b)}")
            elif path.endswith("train/expected.json.losses"):
                # 300 Bop steps are chaotic: float rounding that differs between CPUs (oneDNN picks AVX2 or
                # AVX-512 kernels) flips a few latent-weight signs and the curves part. Compared as the larq-ts
                # test compares with them: the first 10 steps within 1e-3, the mean of the last 50 within 15%.
                x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
                if not np.allclose(x[:10], y[:10], rtol=1e-3, atol=0):
                    problems.append(f"{path}: the first 10 losses differ by more than 1e-3")
                if abs(x[-50:].mean() - y[-50:].mean()) > 0.15 * x[-50:].mean():
                    problems.append(f"{path}: mean of the last 50 losses {x[-50:].mean()} vs {y[-50:].mean()}")
            elif a and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in a + b):
                x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
                # Absolute tolerance relative to the array's scale: a sum of hundreds of terms rounds
                # differently on another CPU by ~1e-5 of its largest terms, not of each (small) result.
                scale = float(np.nanmax(np.abs(x))) if np.isfinite(x).any() else 0.0
                bad = ~np.isclose(x, y, rtol=RTOL, atol=max(ATOL, RTOL * scale), equal_nan=True)
                if bad.any():
                    i = int(np.argmax(bad))
                    problems.append(f"{path}: {int(bad.sum())} numbers differ, first [{i}] {x[i]} vs {y[i]}")
            else:
                for i, (u, v) in enumerate(zip(a, b)):
                    compare_json(u, v, f"{path}[{i}]", problems)
        elif isinstance(a, str) and path.endswith(".function[0]") and a.startswith("4wEA") and b.startswith("4wEA"):
            # A Keras Lambda's marshalled Python code object: it embeds the source file's path (the venv's
            # site-packages), so it differs between installs while the function is the same.
            pass
        elif a != b:
            problems.append(f"{path}: {str(a)[:200]!r} vs {str(b)[:200]!r}")
    elif not np.isclose(a, b, rtol=RTOL, atol=ATOL):
        problems.append(f"{path}: {a} vs {b}")


def main(committed, regenerated):
    problems = []
    fa, fb = files(committed), files(regenerated)
    for missing in sorted(fa - fb):
        problems.append(f"{missing}: not regenerated")
    for extra in sorted(fb - fa):
        problems.append(f"{extra}: regenerated but not committed")
    for rel in sorted(fa & fb):
        pa, pb = os.path.join(committed, rel), os.path.join(regenerated, rel)
        if rel.endswith(".json"):
            compare_json(json.load(open(pa)), json.load(open(pb)), rel, problems)
        elif rel.endswith(".bin"):
            x, y = np.fromfile(pa, dtype=np.float32), np.fromfile(pb, dtype=np.float32)
            if x.shape != y.shape or not np.allclose(x, y, rtol=RTOL, atol=ATOL, equal_nan=True):
                problems.append(f"{rel}: weights differ")
        elif open(pa, "rb").read() != open(pb, "rb").read():
            problems.append(f"{rel}: bytes differ")
    if problems:
        print(f"compare_fixtures: {len(problems)} difference(s) between {committed} and {regenerated}:")
        for p in problems[:200]:
            print("  " + p)
        sys.exit(1)
    print(f"compare_fixtures: {len(fa)} files equal within rtol {RTOL}, atol {ATOL}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
