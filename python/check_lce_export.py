"""Runs `.tflite` files written by larq-ts (lq.engine.exportTFLite) in Larq Compute Engine's interpreter and compares
its outputs with the larq-ts engine's, which the exporter saved beside them (x_<i>.npy → y_<i>.npy).

Usage: python check_lce_export.py DIR [DIR ...]

A DIR with an `original.tflite` (written by `export_tflite --reexport`: an LCE-converted file that larq-ts imported
and exported again) is checked against LCE's own outputs on that original instead: the round trip must not change
what LCE computes (LCE's float rounding on the original is the import test's business, at its own tolerance).

Binary layers agree exactly; float outputs to float32 rounding (the engine computes multiplier·dot + bias, LCE
float(2·popcount)·m′ + b′): the check allows 1e-4 of each output's scale, and the predicted classes must agree.
"""
import glob
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
from larq_compute_engine.tflite.python.interpreter import Interpreter  # noqa: E402


def check(folder):
    model = open(os.path.join(folder, "model.tflite"), "rb").read()
    interpreter = Interpreter(model, num_threads=1)
    inputs = sorted(glob.glob(os.path.join(folder, "x_*.npy")))
    if not inputs:
        sys.exit(f"check_lce_export: no x_*.npy in {folder}")
    original = os.path.join(folder, "original.tflite")
    reference = Interpreter(open(original, "rb").read(), num_threads=1) if os.path.exists(original) else None
    against = "LCE on the original" if reference else "larq-ts"
    worst = 0.0
    for path in inputs:
        x = np.load(path)
        want = np.load(path.replace("x_", "y_"))
        if reference:
            want = reference.predict(x).reshape(want.shape)
        got = interpreter.predict(x).reshape(want.shape)
        scale = max(float(np.abs(want).max()), 1e-6)
        worst = max(worst, float(np.abs(got - want).max()) / scale)
        if np.argmax(got) != np.argmax(want):
            sys.exit(f"check_lce_export: {path}: LCE predicts class {np.argmax(got)}, {against} {np.argmax(want)}")
    if worst > 1e-4:
        sys.exit(f"check_lce_export: {folder}: max |LCE - {against}| is {worst:.3g} of the output scale (allowed 1e-4)")
    print(f"check_lce_export: {folder}: {len(inputs)} inputs, LCE's interpreter equals {against} (max rel. diff {worst:.2g})")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for folder in sys.argv[1:]:
        check(folder)
