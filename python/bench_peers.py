"""The Python half of `npm run bench:peers` (bench/peers.ts): builds the models once and times the native peers.

Usage:
  python bench_peers.py prepare CACHE_DIR [--models=A,B]   builds what is missing in CACHE_DIR/<model>/
  python bench_peers.py serve CACHE_DIR                    answers timing requests, one JSON object a line

`prepare` writes, per model (larq's tutorial BNN at 28x28x1, the larq-zoo models at 224x224x3 with weights=None,
seed 1, every BatchNormalization given non-trivial moving statistics from a fixed seed; each model ends at its logits,
the final softmax dropped, so that the outputs compared are not saturated):
- tfjs/: the Keras model converted by tensorflowjs_converter (layers format), which larq-ts loads;
- lce.tflite: larq_compute_engine.convert_keras_model (LceBconv2d and friends);
- float.tflite: TensorFlow's own TFLiteConverter on the same Keras model (binarization as float Sign ops);
- model.onnx: tf2onnx on the same Keras model (float);
- x.bin: the input (float32, little-endian), y_keras.bin: Keras' output on it;
- meta.json: shapes, and for each artefact either its file name or why it could not be made.
A conversion that fails is recorded with its message; nothing else is retried until its file is deleted.

`serve` reads requests from stdin and writes one JSON answer per line on stdout (logs go to stderr):
  {"cmd": "load", "model": M, "threads": [1, 2]}  → {"errors": {peer: msg}, "outputs": {peer: [..]}, "versions": ..}
  {"cmd": "time", "peer": P, "threads": T, "iters": N} → {"times": [ms, ...]}   (x from x.bin, batch 1)
  {"cmd": "quit"}
Peers: "lce" (LCE's interpreter), "tflite" (tf.lite.Interpreter on float.tflite), "ort" (onnxruntime CPU on
model.onnx, intra_op_num_threads = T, inter_op 1, sequential execution).
"""
import json
import os
import shutil
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402  (sets the Keras-2 environment before TensorFlow loads)
from common import np, tf  # noqa: E402

# (name, larq-zoo constructor or None for the tutorial BNN, input size)
MODELS = [
    ("TutorialBNN", None, 28),
    ("QuickNetSmall", "sota.QuickNetSmall", 224),
    ("QuickNet", "sota.QuickNet", 224),
    ("BiRealNet", "literature.BiRealNet", 224),
    ("BinaryResNetE18", "literature.BinaryResNetE18", 224),
    ("BinaryDenseNet28", "literature.BinaryDenseNet28", 224),
    ("MeliusNet22", "literature.MeliusNet22", 224),
]


def log(*args):
    print("bench_peers.py:", *args, file=sys.stderr, flush=True)


def short(error):
    text = f"{type(error).__name__}: {error}".strip().replace("\n", " ")
    return text[:300] + ("…" if len(text) > 300 else "")


def set_bn_statistics(model, seed=7):
    """Non-trivial BN statistics (as bench/engine_models.ts does): mean in [-1, 1), variance in [0.5, 4.5), gamma and
    beta in [0.5, 1.5), from a fixed seed, so no threshold or scale is degenerate."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if not isinstance(layer, tf.keras.layers.BatchNormalization):
            continue
        values = []
        for w in layer.weights:
            name = w.name.split("/")[-1].split(":")[0]
            shape = tuple(w.shape)
            if name == "moving_variance":
                values.append(0.5 + 4 * rng.random(shape, dtype=np.float32))
            elif name == "moving_mean":
                values.append(2 * rng.random(shape, dtype=np.float32) - 1)
            else:
                values.append(0.5 + rng.random(shape, dtype=np.float32))
        layer.set_weights(values)


def build(ctor_path, size):
    tf.keras.backend.clear_session()
    common.seed_everything(1)
    if ctor_path is None:
        model = common.tutorial_bnn()
    else:
        import larq_zoo

        module, name = ctor_path.split(".")
        ctor = getattr(getattr(larq_zoo, module), name)
        model = ctor(input_shape=(size, size, 3), weights=None)
    set_bn_statistics(model)
    # Every contestant runs the model up to its logits: the final softmax (negligible time) saturates on random
    # weights, which would hide any disagreement between the outputs that the harness compares.
    last = model.layers[-1]
    if isinstance(last, tf.keras.layers.Activation) and last.get_config()["activation"] == "softmax":
        model = tf.keras.Model(model.inputs, model.layers[-2].output, name=model.name)
    return model


def attempt(meta, key, fn):
    try:
        meta[key] = {"file": fn()}
    except Exception as error:  # noqa: BLE001  (any failure is reported in the table)
        log(f"{key} failed: {short(error)}")
        meta[key] = {"error": short(error)}


def prepare_model(cache, name, ctor_path, size):
    dest = os.path.join(cache, name)
    meta_path = os.path.join(dest, "meta.json")
    if os.path.exists(meta_path):
        log(f"{name}: reusing {dest}")
        return
    import larq as lq  # noqa: F401  (registers larq's layers)
    import larq_compute_engine as lce

    log(f"{name}: building")
    t0 = time.time()
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    model = build(ctor_path, size)
    shape = [1, *model.input_shape[1:]]
    x = common.seeded_array(shape, 5, -2.0, 2.0)
    x.astype("<f4").tofile(os.path.join(dest, "x.bin"))
    y = model(x, training=False).numpy()
    y.astype("<f4").tofile(os.path.join(dest, "y_keras.bin"))
    meta = {"name": name, "zoo": ctor_path, "x_shape": shape, "y_shape": list(y.shape), "params": int(model.count_params())}

    def tfjs():
        with tempfile.TemporaryDirectory() as tmp:
            common.to_tfjs(model, os.path.join(dest, "tfjs"), tmp)
        return "tfjs/model.json"

    def lce_tflite():
        with open(os.path.join(dest, "lce.tflite"), "wb") as f:
            f.write(lce.convert_keras_model(model))
        return "lce.tflite"

    def float_tflite():
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
        with open(os.path.join(dest, "float.tflite"), "wb") as f:
            f.write(converter.convert())
        return "float.tflite"

    def onnx():
        import tf2onnx

        spec = (tf.TensorSpec(shape, tf.float32, name="input"),)
        tf2onnx.convert.from_keras(model, input_signature=spec, opset=17, output_path=os.path.join(dest, "model.onnx"))
        return "model.onnx"

    attempt(meta, "tfjs", tfjs)
    attempt(meta, "lce", lce_tflite)
    attempt(meta, "tflite", float_tflite)
    attempt(meta, "ort", onnx)
    common.write_json(meta_path, meta)
    log(f"{name}: done in {time.time() - t0:.0f} s")


def versions():
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0], "tensorflow": tf.__version__}
    for pkg in ("larq", "larq-zoo", "larq-compute-engine", "tensorflowjs", "tf2onnx", "onnxruntime"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


class Server:
    def __init__(self, cache):
        self.cache = cache
        self.runners = {}
        self.x = None

    def load(self, model, threads):
        self.runners = {}
        folder = os.path.join(self.cache, model)
        meta = json.load(open(os.path.join(folder, "meta.json")))
        self.x = np.fromfile(os.path.join(folder, "x.bin"), dtype="<f4").reshape(meta["x_shape"])
        errors, outputs = {}, {}
        for peer in ("lce", "tflite", "ort"):
            if "error" in meta[peer]:
                errors[peer] = meta[peer]["error"]
                continue
            path = os.path.join(folder, meta[peer]["file"])
            for t in threads:
                try:
                    run = self.make(peer, path, t)
                    y = run()
                    self.runners[(peer, t)] = run
                    if t == threads[0]:
                        outputs[peer] = [float(v) for v in np.asarray(y, dtype=np.float32).ravel()]
                except Exception as error:  # noqa: BLE001
                    log(f"{model} {peer} threads={t}: {short(error)}")
                    errors[f"{peer}:{t}"] = short(error)
        return {"errors": errors, "outputs": outputs}

    def make(self, peer, path, threads):
        x = self.x
        if peer == "lce":
            from larq_compute_engine.tflite.python.interpreter import Interpreter

            interpreter = Interpreter(open(path, "rb").read(), num_threads=threads)
            return lambda: interpreter.predict(x)
        if peer == "tflite":
            interpreter = tf.lite.Interpreter(model_path=path, num_threads=threads)
            interpreter.allocate_tensors()
            i = interpreter.get_input_details()[0]["index"]
            o = interpreter.get_output_details()[0]["index"]

            def run():
                interpreter.set_tensor(i, x)
                interpreter.invoke()
                return interpreter.get_tensor(o)

            return run
        if peer == "ort":
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
            name = session.get_inputs()[0].name
            return lambda: session.run(None, {name: x})[0]
        raise ValueError(peer)

    def time(self, peer, threads, iters):
        run = self.runners[(peer, threads)]
        times = []
        for _ in range(iters):
            t0 = time.perf_counter()
            run()
            times.append((time.perf_counter() - t0) * 1e3)
        return {"times": times}


def serve(cache):
    server = Server(cache)
    reply = lambda obj: print(json.dumps(obj), flush=True)  # noqa: E731
    reply({"ready": True, "versions": versions()})
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            if request["cmd"] == "load":
                reply(server.load(request["model"], request["threads"]))
            elif request["cmd"] == "time":
                reply(server.time(request["peer"], request["threads"], request["iters"]))
            elif request["cmd"] == "quit":
                break
            else:
                reply({"error": f"unknown command {request['cmd']!r}"})
        except Exception as error:  # noqa: BLE001
            traceback.print_exc(file=sys.stderr)
            reply({"error": short(error)})


def main(argv):
    if len(argv) < 2 or argv[0] not in ("prepare", "serve"):
        sys.exit(__doc__)
    cache = os.path.abspath(argv[1])
    if argv[0] == "serve":
        serve(cache)
        return
    wanted = [m[0] for m in MODELS]
    for arg in argv[2:]:
        if arg.startswith("--models="):
            wanted = [w for w in arg.split("=", 1)[1].split(",") if w]
    unknown = [w for w in wanted if w not in [m[0] for m in MODELS]]
    if unknown:
        sys.exit(f"bench_peers.py: unknown model(s) {unknown}; expected {[m[0] for m in MODELS]}")
    os.makedirs(cache, exist_ok=True)
    for name, ctor_path, size in MODELS:
        if name in wanted:
            prepare_model(cache, name, ctor_path, size)


if __name__ == "__main__":
    main(sys.argv[1:])
