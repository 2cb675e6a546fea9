/**
 * lq.zoo.binaryAlexNet has the head larq-zoo ≥ 2.1 builds (Reshape → 1x1 QuantConv2D blocks → Flatten),
 * with the layer names, classes and summary of the real larq-zoo model.
 *
 * Keras numbers its default layer names per process (`quant_conv2d`, `quant_conv2d_1`, …), and so does
 * larq-ts: the model compared with larq-zoo's must be the first one this file builds (Node runs each
 * test file in its own process).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { sign } from "../../src/math/index.js";
import * as models from "../../src/models/index.js";
import * as zoo from "../../src/zoo/index.js";
import { assertClose, useBackend } from "../helpers.js";

/**
 * Printed by real larq 0.14.0 with larq-zoo 2.4.0 (TensorFlow 2.16, TF_USE_LEGACY_KERAS=1) in a fresh
 * process: `lq.models.summary(larq_zoo.literature.BinaryAlexNet(weights=None))`.
 */
const LARQ_ZOO_SUMMARY = `+binary_alexnet stats-----------------------------------------------------------------------------------------+
| Layer                  Input prec.            Outputs   # 1-bit  # 32-bit   Memory  1-bit MACs  32-bit MACs |
|                              (bit)                          x 1       x 1     (kB)                          |
+-------------------------------------------------------------------------------------------------------------+
| input_1                          -  (-1, 224, 224, 3)         0         0        0           ?            ? |
| quant_conv2d                     -   (-1, 56, 56, 64)     23232         0     2.84           0     72855552 |
| max_pooling2d                    -   (-1, 27, 27, 64)         0         0        0           0            0 |
| batch_normalization              -   (-1, 27, 27, 64)         0       128     0.50           0            0 |
| quant_conv2d_1                   1  (-1, 27, 27, 192)    307200         0    37.50   223948800            0 |
| max_pooling2d_1                  -  (-1, 13, 13, 192)         0         0        0           0            0 |
| batch_normalization_1            -  (-1, 13, 13, 192)         0       384     1.50           0            0 |
| quant_conv2d_2                   1  (-1, 13, 13, 384)    663552         0    81.00   112140288            0 |
| batch_normalization_2            -  (-1, 13, 13, 384)         0       768     3.00           0            0 |
| quant_conv2d_3                   1  (-1, 13, 13, 384)   1327104         0   162.00   224280576            0 |
| batch_normalization_3            -  (-1, 13, 13, 384)         0       768     3.00           0            0 |
| quant_conv2d_4                   1  (-1, 13, 13, 256)    884736         0   108.00   149520384            0 |
| max_pooling2d_2                  -    (-1, 6, 6, 256)         0         0        0           0            0 |
| batch_normalization_4            -    (-1, 6, 6, 256)         0       512     2.00           0            0 |
| reshape                          -   (-1, 1, 1, 9216)         0         0        0           ?            ? |
| quant_conv2d_5                   1   (-1, 1, 1, 4096)  37748736         0  4608.00    37748736            0 |
| batch_normalization_5            -   (-1, 1, 1, 4096)         0      8192    32.00           0            0 |
| quant_conv2d_6                   1   (-1, 1, 1, 4096)  16777216         0  2048.00    16777216            0 |
| batch_normalization_6            -   (-1, 1, 1, 4096)         0      8192    32.00           0            0 |
| quant_conv2d_7                   1   (-1, 1, 1, 1000)   4096000         0   500.00     4096000            0 |
| batch_normalization_7            -   (-1, 1, 1, 1000)         0      2000     7.81           0            0 |
| flatten                          -         (-1, 1000)         0         0        0           0            0 |
| activation                       -         (-1, 1000)         0         0        0           ?            ? |
+-------------------------------------------------------------------------------------------------------------+
| Total                                                  61827776     20944  7629.15   768512000     72855552 |
+-------------------------------------------------------------------------------------------------------------+
+binary_alexnet summary------------------------+
| Total params                      61.8 M     |
| Trainable params                  61.8 M     |
| Non-trainable params              20.9 k     |
| Model size                        7.45 MiB   |
| Model size (8-bit FP weights)     7.39 MiB   |
| Float-32 Equivalent               235.93 MiB |
| Compression Ratio of Memory       0.03       |
| Number of MACs                    841 M      |
| Ratio of MACs that are binarized  0.9134     |
+----------------------------------------------+
`;

/** `type(layer).__name__` of each layer of larq-zoo 2.4's BinaryAlexNet, in order. */
const LARQ_ZOO_CLASSES = [
  "InputLayer",
  ...["QuantConv2D", "MaxPooling2D", "BatchNormalization"],
  ...["QuantConv2D", "MaxPooling2D", "BatchNormalization"],
  ...["QuantConv2D", "BatchNormalization"],
  ...["QuantConv2D", "BatchNormalization"],
  ...["QuantConv2D", "MaxPooling2D", "BatchNormalization"],
  "Reshape",
  ...["QuantConv2D", "BatchNormalization"],
  ...["QuantConv2D", "BatchNormalization"],
  ...["QuantConv2D", "BatchNormalization"],
  "Flatten",
  "Activation",
];

describe("lq.zoo.binaryAlexNet: larq-zoo's current structure", () => {
  before(() => useBackend("wasm"));

  it("summary equals larq-zoo's line by line (names, shapes, counts, MACs); Keras' trainable split", () => {
    const model = zoo.binaryAlexNet();
    try {
      const lines: string[] = [];
      models.summary(model, { printFn: (text) => lines.push(text) });
      assert.deepEqual(`${lines.join("\n")}\n`.split("\n"), LARQ_ZOO_SUMMARY.split("\n"));
      assert.deepEqual(
        model.layers.map((l) => l.getClassName()),
        LARQ_ZOO_CLASSES,
      );
      // Keras' model.summary() of the same model: 61,838,248 trainable and 20,944 non-trainable.
      const count = (weights: tfl.LayerVariable[]): number =>
        weights.reduce((a, w) => a + w.shape.reduce<number>((p, d) => p * (d ?? 0), 1), 0);
      assert.equal(count(model.trainableWeights), 61_838_248);
      assert.equal(count(model.nonTrainableWeights), 20_944);
      assert.deepEqual(model.getLayer("reshape").outputShape, [null, 1, 1, 9216]);
      assert.deepEqual(model.getLayer("quant_conv2d_5").getWeights()[0].shape, [1, 1, 9216, 4096]);
    } finally {
      model.dispose();
    }
  });

  it("the 1x1-conv head computes sign-ed dense layers with BN on the flattened 6x6x256 map", () => {
    const before = tf.memory().numTensors;
    const model = zoo.binaryAlexNet({ numClasses: 10 });
    const heads = model.layers.filter((l) => l.getClassName() === "QuantConv2D").slice(-3);
    const norms = model.layers.filter((l) => l.getClassName() === "BatchNormalization").slice(-3);
    const features = model.layers.find((l) => l.getClassName() === "Reshape")!.input as tfl.SymbolicTensor;
    // Pre-softmax logits (the softmax of 4096-term binary sums saturates): the last BN's output.
    const probe = tfl.model({ inputs: model.inputs, outputs: [features, norms[2].output as tfl.SymbolicTensor, model.outputs[0]] });
    tf.tidy(() => {
      // Non-trivial BN statistics for the head, so that a misplaced BN or axis shows.
      norms.forEach((bn, i) => {
        const c = bn.getWeights()[0].shape[0];
        const rows = (offset: number, scale: number): tf.Tensor => tf.add(tf.mul(tf.sin(tf.mul(tf.range(0, c), 0.37 + i)), scale), offset);
        bn.setWeights([rows(0, 0.5), rows(0.1, 0.3), rows(1.5, 0.5)]); // beta, moving mean, moving variance
      });
    });
    try {
      tf.tidy(() => {
        const x = tf.randomUniform([1, 224, 224, 3], -2, 2, "float32", 13);
        const [map, logits, out] = probe.predict(x) as tf.Tensor[];
        assert.deepEqual(map.shape, [1, 6, 6, 256]);
        assert.deepEqual(logits.shape, [1, 1, 1, 10]);
        // Reference: Flatten (row-major H, W, C) → sign → matMul with sign(kernel) → BN (no scale), three times.
        let h = tf.reshape(map, [1, 9216]);
        heads.forEach((conv, i) => {
          const kernel = conv.getWeights()[0];
          const [beta, mean, variance] = norms[i].getWeights();
          const [, , cin, cout] = kernel.shape;
          h = tf.matMul(sign(h), sign(tf.reshape(kernel, [cin, cout])));
          h = tf.add(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-3))), beta);
        });
        assertClose(tf.reshape(logits, [1, 10]), h, 1e-5);
        assertClose(out, tf.softmax(h), 1e-5);
      });
    } finally {
      model.dispose();
    }
    assert.equal(tf.memory().numTensors, before);
  });
});
