"""Runs `.tflite` files written by larq-ts (lq.engine.exportTFLite) in Larq Compute Engine's interpreter and compares
its outputs with the larq-ts engine's, which the exporter saved beside them (x_<i>.npy → y_<i>.npy).

Usage: python check_lce_export.py DIR [DIR ...]

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
    worst = 0.0
    for path in inputs:
        x = np.load(path)
        want = np.load(path.replace("x_", "y_"))
        got = interpreter.predict(x).reshape(want.shape)
        scale = max(float(np.abs(want).max()), 1e-6)
        worst = max(worst, float(np.abs(got - want).max()) / scale)
        if np.argmax(got) != np.argmax(want):
            sys.exit(f"check_lce_export: {path}: LCE predicts class {np.argmax(got)}, larq-ts {np.argmax(want)}")
    if worst > 1e-4:
        sys.exit(f"check_lce_export: {folder}: max |LCE - larq-ts| is {worst:.3g} of the output scale (allowed 1e-4)")
    print(f"check_lce_export: {folder}: {len(inputs)} inputs, LCE's interpreter equals larq-ts (max rel. diff {worst:.2g})")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for folder in sys.argv[1:]:
        check(folder)
