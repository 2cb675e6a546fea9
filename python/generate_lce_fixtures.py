"""Converts larq models with Larq Compute Engine's converter and records what LCE's interpreter computes.

Usage: python generate_lce_fixtures.py OUT_DIR [MODEL ...]   (default: every model below)

For each model, OUT_DIR/lce/<model>/ gets:
- model.tflite: `larq_compute_engine.convert_keras_model(model)` (LceQuantize, LceBconv2d, LceBMaxPool2d,
  LceDequantize and TFLite builtins); x.npy: the input, saved by NumPy;
- expected.json: the input (by its LCG seed), the output of LCE's interpreter on it (1 thread), the ops the
  flatbuffer contains, and the Keras model's own output for comparison. The converted model ends before the
  final softmax (`probe_layer`), whose saturated output would hide errors.

The weights are the zoo fixtures' (python/generate_fixtures.py): the same LCG seeded by the position of each weight
in the tfjs weights manifest, so larq-ts can rebuild the identical Keras model from test/fixtures/larq/zoo and
compare its engine with the imported .tflite. The tutorial BNN gets the same treatment from its own manifest.
"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402  (sets the Keras-2 environment before TensorFlow loads)
from common import floats, np, tf  # noqa: E402
import generate_fixtures  # noqa: E402

import larq as lq  # noqa: E402,F401  (registers larq's layers)

# (fixture name, larq-zoo constructor or None for the tutorial BNN, input size)
MODELS = [
    ("TutorialBNN", None, 28),
    ("QuickNetSmall", "sota.QuickNetSmall", 64),
    ("QuickNetSmall224", "sota.QuickNetSmall", 224),
    ("QuickNet", "sota.QuickNet", 64),
    ("BiRealNet", "literature.BiRealNet", 64),
    ("BinaryResNetE18", "literature.BinaryResNetE18", 64),
    ("BinaryDenseNet28", "literature.BinaryDenseNet28", 64),
    ("MeliusNet22", "literature.MeliusNet22", 64),
]


def interpreter():
    from larq_compute_engine.tflite.python.interpreter import Interpreter

    return Interpreter


def op_names(flatbuffer):
    """The operator codes of a TFLite flatbuffer, read with TensorFlow's generated schema module."""
    from tensorflow.lite.python import schema_py_generated as schema

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(flatbuffer, 0))
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    codes = []
    for code in model.operatorCodes:
        builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
        codes.append(code.customCode.decode() if code.customCode else names[builtin])
    counts = {}
    for op in model.subgraphs[0].operators:
        counts[codes[op.opcodeIndex]] = counts.get(codes[op.opcodeIndex], 0) + 1
    return dict(sorted(counts.items()))


def build(ctor_path, size, tmp):
    tf.keras.backend.clear_session()
    common.seed_everything(1)
    if ctor_path is None:
        model = common.tutorial_bnn()
    else:
        model = generate_fixtures.zoo_constructor(ctor_path)(input_shape=(size, size, 3), weights=None, num_classes=10)
    conv_dir = os.path.join(tmp, "manifest")
    common.to_tfjs(model, conv_dir, tmp)
    manifest = [w for group in json.load(open(os.path.join(conv_dir, "model.json")))["weightsManifest"] for w in group["weights"]]
    shutil.rmtree(conv_dir)
    generate_fixtures.seeded_weights(model, manifest)
    return model


def generate(out, name, ctor_path, size, tmp):
    import larq_compute_engine as lce

    full = build(ctor_path, size, tmp)
    # The output before the final softmax: softmax of random-weight logits saturates and would hide errors.
    last = full.layers[-1]
    probe_layer = full.layers[-2] if isinstance(last, tf.keras.layers.Activation) else last
    model = tf.keras.Model(full.inputs, probe_layer.output)
    flatbuffer = lce.convert_keras_model(model)
    shape = tuple(model.input_shape[1:])
    x = common.seeded_array((1,) + shape, 5, -2.0, 2.0)
    y_lce = interpreter()(flatbuffer, num_threads=1).predict(x)
    y_keras = model(x, training=False).numpy()
    dest = os.path.join(out, "lce", name)
    os.makedirs(dest, exist_ok=True)
    with open(os.path.join(dest, "model.tflite"), "wb") as f:
        f.write(flatbuffer)
    np.save(os.path.join(dest, "x.npy"), x)  # the input as NumPy writes it, for `larq-ts run --input`
    common.write_json(
        os.path.join(dest, "expected.json"),
        {
            "name": name,
            "zoo": ctor_path,
            "x_shape": [1, *shape],
            "x_seed": 5,
            "weight_seed_base": 1000,
            "probe_layer": probe_layer.name,
            "ops": op_names(flatbuffer),
            "y_shape": list(y_lce.shape),
            "y": floats(y_lce),
            "y_keras": floats(y_keras),
            "tflite_bytes": len(flatbuffer),
        },
    )
    print(f"lce: {name} {len(flatbuffer)} bytes, max |lce - keras| {np.abs(y_lce - y_keras).max():.3g}", flush=True)


def main(argv):
    if not argv:
        sys.exit(__doc__)
    out = os.path.abspath(argv[0])
    wanted = argv[1:] or [m[0] for m in MODELS]
    unknown = [w for w in wanted if w not in [m[0] for m in MODELS]]
    if unknown:
        sys.exit(f"unknown model(s) {unknown}; expected {[m[0] for m in MODELS]}")
    common.deterministic_threads()
    with tempfile.TemporaryDirectory() as tmp:
        for name, ctor_path, size in MODELS:
            if name in wanted:
                generate(out, name, ctor_path, size, tmp)


if __name__ == "__main__":
    main(sys.argv[1:])
