"""Compares two fixture trees written by generate_fixtures.py (the committed one and a fresh regeneration).

Usage: python compare_fixtures.py COMMITTED_DIR REGENERATED_DIR
JSON values must be equal, numbers within 1e-5 relative + 1e-5 of the array's largest magnitude (at least 1e-6)
absolute; .bin weight files are compared as float32 arrays with the same tolerance. Exits 1 listing every
difference.

Three parts depend on the CPU's float rounding, because a sign taken of a value within rounding of zero (a
binarized activation, a Bop flip of a latent weight) can go either way and the difference then grows; they are
compared at tolerances measured between the committed fixtures (an Intel Xeon with AVX-512) and a regeneration
on an AMD EPYC with AVX but no AVX2 (2026-12-04), with margin, and still far from what a wrong layer, optimizer
or loss gives:
- larq-zoo outputs (zoo/*/expected.json y): max |difference| within 1e-2 of the output's scale (measured:
  XNORNet 1.97e-3, relative L2 2.1%; the other 13 models within 1e-5).
- the 300-step training curve: the first 5 losses within 1e-3 (measured: steps 1-7 equal to 7 digits, 8-10 apart
  by 0.8-3.3%), the mean of the last 50 within 15% (measured 1.3%).
- the weights after 10 steps (train/after_10): per weight, binary (+-1) arrays equal in at least 95% of the
  entries (measured: at least 97.2%), float arrays within 25% relative L2 (measured: at most 12.3%). The snapshot
  after 1 step stays at the strict tolerance.
The larq-ts tests compare larq-ts with the committed fixtures at their own, stricter tolerances.
"""
import json
import os
import sys

import numpy as np

RTOL, ATOL = 1e-5, 1e-6
# CPU-dependent parts (see the docstring): zoo outputs, and the weights after the training curves part.
ZOO_TOL = 1e-2
PARTED_SNAPSHOT, BINARY_AGREE, FLOAT_REL_L2 = "train/after_10", 0.95, 0.25


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
                # CPU-dependent (see the module's docstring): Bop's flips part the curves after a few steps.
                x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
                if not np.allclose(x[:5], y[:5], rtol=1e-3, atol=0):
                    problems.append(f"{path}: the first 5 losses differ by more than 1e-3")
                if abs(x[-50:].mean() - y[-50:].mean()) > 0.15 * x[-50:].mean():
                    problems.append(f"{path}: mean of the last 50 losses {x[-50:].mean()} vs {y[-50:].mean()}")
            elif path.startswith("zoo/") and path.endswith("expected.json.y"):
                # CPU-dependent (see the module's docstring): deep binarized networks.
                x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
                worst, scale = float(np.max(np.abs(x - y))), float(np.max(np.abs(x)))
                if not worst <= ZOO_TOL * scale:
                    problems.append(f"{path}: max |difference| {worst} exceeds {ZOO_TOL} of the output scale {scale}")
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


def compare_parted_weights(model_json, rel, x, y, problems):
    """The weights of a snapshot taken after the training curves part (CPU-dependent), weight by weight."""
    manifest = json.load(open(model_json))["weightsManifest"]
    group = [g for g in manifest if os.path.basename(rel) in g["paths"]]
    if len(group) != 1 or len(group[0]["paths"]) != 1:
        problems.append(f"{rel}: not the single shard of one weights group of {model_json}")
        return
    offset = 0
    for w in group[0]["weights"]:
        n = int(np.prod(w["shape"]))
        u, v = x[offset : offset + n].astype(np.float64), y[offset : offset + n].astype(np.float64)
        offset += n
        if np.all(np.abs(u) == 1) and np.all(np.abs(v) == 1):
            agree = float(np.mean(u == v))
            if agree < BINARY_AGREE:
                problems.append(f"{rel}: {w['name']}: binary entries equal in {agree:.2%} (< {BINARY_AGREE:.0%})")
        else:
            rel_l2 = float(np.linalg.norm(u - v) / max(np.linalg.norm(u), 1e-30))
            if not rel_l2 <= FLOAT_REL_L2:
                problems.append(f"{rel}: {w['name']}: relative L2 difference {rel_l2:.3f} (> {FLOAT_REL_L2})")
    if offset != x.size:
        problems.append(f"{rel}: the manifest covers {offset} of {x.size} weights")


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
            if x.shape != y.shape:
                problems.append(f"{rel}: {x.size} vs {y.size} weights")
            elif rel.startswith(PARTED_SNAPSHOT + "/"):
                compare_parted_weights(os.path.join(committed, PARTED_SNAPSHOT, "model.json"), rel, x, y, problems)
            elif not np.allclose(x, y, rtol=RTOL, atol=ATOL, equal_nan=True):
                problems.append(f"{rel}: weights differ")
        elif open(pa, "rb").read() != open(pb, "rb").read():
            problems.append(f"{rel}: bytes differ")
    if problems:
        print(f"compare_fixtures: {len(problems)} difference(s) between {committed} and {regenerated}:")
        for p in problems[:200]:
            print("  " + p)
        sys.exit(1)
    print(f"compare_fixtures: {len(fa)} files equal within rtol {RTOL}, atol {ATOL} (the CPU-dependent parts within theirs)")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
