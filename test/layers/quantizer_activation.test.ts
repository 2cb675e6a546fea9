/**
 * Quantizer objects and quantizer functions as the `activation` of the quantized layers (larq allows
 * `activation=lq.quantizers.SteSign()`): forward values, pseudo-gradients, and configs written and read
 * as Keras writes them (`{class_name, config}` for objects, the serialized-function form for functions).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import * as lqi from "../../src/internal.js";
import { saveAndLoad } from "../quantizers/model_io.js";
import { assertClose, seededValues, useBackend } from "../helpers.js";

const q = lq.quantizers;
const signJs = (v: number) => (v < 0 ? -1 : 1);

/** A Dense layer (lq or tfjs float) on [2, 4] inputs with fixed weights. */
function withWeights<T extends tfl.layers.Layer>(layer: T): T {
  tf.dispose(layer.apply(tf.zeros([1, 4])) as tf.Tensor);
  layer.setWeights([tf.tensor(seededValues(12, 3, -1, 1), [4, 3]), tf.tensor1d([0.1, -0.2, 0.05])]);
  return layer;
}

const X = tf.tensor2d(Array.from(seededValues(8, 11, -2, 2)), [2, 4]);

describe("quantizers as activation of the quantized layers", () => {
  before(() => useBackend("cpu"));

  it("activation: new SteSign({clipValue}) gives sign(z) with the clipped straight-through gradient", () => {
    const layer = withWeights(lq.layers.quantDense({ units: 3, activation: new q.SteSign({ clipValue: 0.5 }) }));
    const float = withWeights(tfl.layers.dense({ units: 3 }));
    const z = Array.from((float.apply(X) as tf.Tensor).dataSync());
    assertClose(layer.apply(X) as tf.Tensor, z.map(signJs), 0);
    assert.ok(z.some((v) => Math.abs(v) > 0.5) && z.some((v) => Math.abs(v) <= 0.5), "both sides of the clip are exercised");
    // d Σ y / dx_bi = Σ_u 1{|z_bu| ≤ 0.5}·W_iu.
    const w = Array.from(seededValues(12, 3, -1, 1));
    const expected: number[] = [];
    for (let b = 0; b < 2; b++) {
      for (let i = 0; i < 4; i++) {
        let g = 0;
        for (let u = 0; u < 3; u++) if (Math.abs(z[b * 3 + u]) <= 0.5) g += w[i * 3 + u];
        expected.push(g);
      }
    }
    assertClose(tf.grad((x: tf.Tensor) => layer.apply(x) as tf.Tensor)(X), expected, 1e-6);
  });

  const OBJECTS: Array<[string, () => lq.quantizers.Quantizer, Record<string, unknown>]> = [
    ["SteSign", () => new q.SteSign({ clipValue: 0.5 }), { clip_value: 0.5 }],
    ["ApproxSign", () => new q.ApproxSign(), {}],
    ["SwishSign", () => new q.SwishSign({ beta: 3 }), { beta: 3 }],
    ["SteHeaviside", () => new q.SteHeaviside({ clipValue: 2 }), { clip_value: 2 }],
    ["SteTern", () => new q.SteTern({ thresholdValue: 0.2 }), { threshold_value: 0.2 }],
    ["MagnitudeAwareSign", () => new q.MagnitudeAwareSign(), {}],
    ["DoReFa", () => new q.DoReFa({ kBit: 3, mode: "activations" }), { k_bit: 3, mode: "activations" }],
    ["NoOp", () => new q.NoOp({ precision: 1 }), { precision: 1 }],
  ];
  for (const [className, make, snake] of OBJECTS) {
    it(`${className} as activation of QuantConv1D: y = q(conv(x)); saved as {class_name, config} and loaded back`, async () => {
      const input = tfl.input({ shape: [5, 2] });
      const layer = lq.layers.quantConv1d({ filters: 3, kernelSize: 2, activation: make() });
      const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
      const float = tfl.layers.conv1d({ filters: 3, kernelSize: 2 });
      const x = tf.tensor(seededValues(20, 5, -1.5, 1.5), [2, 5, 2]);
      tf.dispose(float.apply(x) as tf.Tensor);
      float.setWeights(layer.getWeights());
      // Reference: the float convolution, then a separate instance of the quantizer.
      assertClose(model.predict(x) as tf.Tensor, make().apply(float.apply(x) as tf.Tensor) as tf.Tensor, 1e-6);
      const config = layer.getConfig().activation as { className: string; config: Record<string, unknown> };
      assert.equal(config.className, className);
      const { topology, loaded } = await saveAndLoad(model);
      const saved = JSON.parse(topology).config.layers[1].config.activation as { class_name: string; config: Record<string, unknown> };
      assert.equal(saved.class_name, className);
      for (const [key, value] of Object.entries(snake)) assert.deepEqual(saved.config[key], value, key);
      const activation = (loaded.layers[1] as unknown as { activation: unknown }).activation;
      assert.ok(activation instanceof lqi.activations.QuantizerActivation);
      assert.equal(activation.quantizer.constructor, make().constructor);
      assert.deepEqual((activation.quantizer as lq.quantizers.Quantizer).getConfig(), config.config);
      assertClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, 0);
    });
  }

  it("a quantizer function as activation is saved in Keras's function form and restored as that function", async () => {
    const input = tfl.input({ shape: [4] });
    const layer = lq.layers.quantDense({ units: 3, activation: q.steTern });
    const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
    assert.deepEqual(layer.getConfig().activation, {
      module: "builtins",
      className: "function",
      config: "ste_tern",
      registeredName: "function",
    });
    const { topology, loaded } = await saveAndLoad(model);
    assert.deepEqual(JSON.parse(topology).config.layers[1].config.activation, {
      module: "builtins",
      class_name: "function",
      config: "ste_tern",
      registered_name: "function",
    });
    const activation = (loaded.layers[1] as unknown as { activation: lq.activations.QuantizerActivation }).activation;
    assert.equal(activation.quantizer, q.steTern);
    const float = withWeights(tfl.layers.dense({ units: 3 }));
    model.setWeights(float.getWeights());
    loaded.setWeights(float.getWeights());
    // steTern with its default threshold 0.05: -1, 0 or +1.
    const z = Array.from((float.apply(X) as tf.Tensor).dataSync());
    const expected = z.map((v) => (v > 0.05 ? 1 : v < -0.05 ? -1 : 0));
    assertClose(model.predict(X) as tf.Tensor, expected, 0);
    assertClose(loaded.predict(X) as tf.Tensor, expected, 0);
  });

  it("loads the activation of a Python larq model (Keras 2.16 writes module, registered_name and build_config)", async () => {
    const topology = {
      class_name: "Sequential",
      config: {
        name: "seq",
        layers: [
          { class_name: "InputLayer", config: { batch_input_shape: [null, 4], dtype: "float32", name: "input_1" } },
          {
            class_name: "QuantDense",
            config: {
              name: "quant_dense",
              units: 3,
              activation: {
                module: "larq.quantizers",
                class_name: "SteSign",
                config: { name: "ste_sign", trainable: true, dtype: "float32", clip_value: 0.5 },
                registered_name: "SteSign",
                build_config: { input_shape: [null, 3] },
              },
              use_bias: true,
              input_quantizer: null,
              kernel_quantizer: null,
            },
          },
        ],
      },
    };
    const model = await tfl.models.modelFromJSON({ modelTopology: topology } as never);
    const activation = (model.getLayer("quant_dense") as unknown as { activation: lq.activations.QuantizerActivation }).activation;
    assert.ok(activation instanceof lqi.activations.QuantizerActivation);
    assert.ok(activation.quantizer instanceof q.SteSign);
    assert.equal((activation.quantizer as lq.quantizers.SteSign).clipValue, 0.5);
    const y = Array.from((model.predict(X) as tf.Tensor).dataSync());
    assert.ok(
      y.every((v) => v === 1 || v === -1),
      `binary outputs: ${y}`,
    );
  });

  it("the string forms stay tfjs activations; unknown class names are still rejected", () => {
    const layer = lq.layers.quantDense({ units: 3, activation: "ste_sign" as never });
    assert.equal(layer.getConfig().activation, "steSign");
    assert.throws(
      () => lq.layers.quantDense({ units: 3, activation: { className: "NoSuchQuantizer", config: {} } as never }),
      /NoSuchQuantizer/,
    );
  });

  it("a quantizer with a weight as activation is built on the output shape and its weight belongs to the layer", () => {
    class Offset extends tfl.layers.Layer {
      static className = "TestOffsetActivation";
      offset: tfl.LayerVariable | null = null;
      shapeSeen: unknown = null;
      override build(shape: tfl.Shape | tfl.Shape[]): void {
        this.shapeSeen = shape;
        this.offset = this.addWeight("offset", [], "float32", tfl.initializers.constant({ value: 0.5 }));
        this.built = true;
      }
      override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
        return tf.add(Array.isArray(x) ? x[0] : x, this.offset!.read());
      }
    }
    const offset = new Offset({});
    const layer = lq.layers.quantConv2d({ filters: 2, kernelSize: 3, activation: offset });
    layer.apply(tfl.input({ shape: [6, 5, 1] }));
    assert.deepEqual(offset.shapeSeen, [null, 4, 3, 2]);
    assert.deepEqual(
      layer.weights.map((w) => w.originalName.split("/").pop()),
      ["kernel", "bias", "offset"],
    );
  });
});
