"""Train larq's MNIST tutorial BNN in Python larq under tf.distribute.MirroredStrategy, export it for larq-ts.

Usage: python train_at_scale.py OUT_DIR [--epochs N] [--steps-per-epoch N] [--devices N]

Here the strategy mirrors the model over N logical CPU devices (default 2); on a machine with GPUs or TPUs the
same code mirrors over them (drop the logical-device split, or use TPUStrategy). The data are the bundled digits
in the same split larq-ts uses (8,000 to train, 2,000 held out). Writes:
  OUT_DIR/model.h5            the Keras model
  OUT_DIR/tfjs/               the same, converted by tensorflowjs_converter (tfjs layers format)
  OUT_DIR/python_result.json  held-out accuracy and predicted digits, for larq-ts to check
Then: node build/examples/python_interop/deploy.js OUT_DIR
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import np, tf  # noqa: E402

import larq as lq  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--steps-per-epoch", type=int, default=None, help="default: the whole training split")
    parser.add_argument("--devices", type=int, default=2, help="logical CPU devices to mirror over")
    parser.add_argument("--batch-size", type=int, default=64, help="global batch size (split over the replicas)")
    args = parser.parse_args()

    cpus = tf.config.list_physical_devices("CPU")
    tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * args.devices)
    strategy = tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(args.devices)])
    print(f"MirroredStrategy over {strategy.num_replicas_in_sync} replicas", flush=True)

    common.seed_everything(7)
    (x_train, y_train), (x_test, y_test) = common.load_mnist()
    with strategy.scope():
        model = common.tutorial_bnn()
        optimizer = lq.optimizers.CaseOptimizer(
            (lq.optimizers.Bop.is_binary_variable, lq.optimizers.Bop(threshold=1e-6, gamma=1e-3)),
            default_optimizer=tf.keras.optimizers.legacy.Adam(0.01),
        )
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    data = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(8000, seed=7).batch(args.batch_size).repeat()
    steps = args.steps_per_epoch or len(x_train) // args.batch_size
    model.fit(data, epochs=args.epochs, steps_per_epoch=steps, verbose=2)

    os.makedirs(args.out_dir, exist_ok=True)
    h5 = os.path.join(args.out_dir, "model.h5")
    model.save(h5, save_format="h5")
    # Evaluate what is deployed: the saved model, outside the strategy. Under MirroredStrategy each replica keeps
    # its own batch-norm moving statistics (synchronised on read), so predicting inside the strategy mixes
    # replica-local statistics and gives other digits than the exported model (their mean) does.
    exported = tf.keras.models.load_model(h5, compile=False)
    predicted = exported.predict(x_test, batch_size=500, verbose=0).argmax(axis=1)
    accuracy = float((predicted == y_test).mean())
    print(f"held-out accuracy (Python larq, exported model): {accuracy * 100:.2f}% on {len(y_test)} digits", flush=True)
    lq.models.summary(exported)

    from tensorflowjs.converters import converter

    converter.convert(["--input_format=keras", "--output_format=tfjs_layers_model", h5, os.path.join(args.out_dir, "tfjs")])
    common.write_json(
        os.path.join(args.out_dir, "python_result.json"),
        {
            "accuracy": accuracy,
            "correct": int((predicted == y_test).sum()),
            "count": int(len(y_test)),
            "predicted": [int(v) for v in predicted],
            "replicas": strategy.num_replicas_in_sync,
            "epochs": args.epochs,
            "steps_per_epoch": steps,
            "summary": common.captured_summary(exported),
        },
    )
    print(f"exported {os.path.join(args.out_dir, 'tfjs', 'model.json')}")


if __name__ == "__main__":
    main()
