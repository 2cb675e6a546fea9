"""The larq-ts → Python direction: a model built and trained in larq-ts loads in Python larq.

Usage: python check_reverse.py DIR
DIR is what `node build/examples/python_interop/export_model.js DIR` wrote: DIR/tfjs/model.json and
DIR/expected.json. The model is converted with tensorflowjs_converter's own entry point
(--input_format=tfjs_layers_model --output_format=keras; larq is imported first so that its layers are known),
loaded with tf.keras, and its predictions and larq summary are compared with larq-ts's.
Exits non-zero on any difference.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import np, tf  # noqa: E402

import larq as lq  # noqa: E402,F401  (registers larq's layers, quantizers and constraints with tf.keras)
from tensorflowjs.converters import converter  # noqa: E402


def main(directory):
    expected = json.load(open(os.path.join(directory, "expected.json")))
    h5 = os.path.join(directory, "model.h5")
    converter.convert(
        ["--input_format=tfjs_layers_model", "--output_format=keras", os.path.join(directory, "tfjs", "model.json"), h5]
    )
    model = tf.keras.models.load_model(h5, compile=False)
    x = np.asarray(expected["x"], dtype=np.float32).reshape(expected["x_shape"])
    y = model(x, training=False).numpy().ravel()
    want = np.asarray(expected["y"], dtype=np.float32)
    worst = float(np.max(np.abs(y - want)))
    problems = []
    if y.shape != want.shape or worst > 1e-5:
        problems.append(f"predictions differ from larq-ts's by up to {worst}")
    ours = [l.rstrip() for l in common.captured_summary(model).rstrip().split("\n")]
    theirs = [l.rstrip() for l in expected["summary"].rstrip().split("\n")]
    if ours != theirs:
        problems.append("larq summary differs:\n" + "\n".join(ours) + "\nlarq-ts:\n" + "\n".join(theirs))
    layers = ", ".join(f"{l.name} ({type(l).__module__.split('.')[0]}.{type(l).__name__})" for l in model.layers)
    print(f"loaded in Python larq: {layers}")
    if problems:
        sys.exit("check_reverse: " + "\n".join(problems))
    print(f"check_reverse: predictions equal (max |difference| {worst:.2e}), summary equal line for line")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
