/**
 * lq.quantizers.deserialize, the inverse of serialize (larq's test_serialization / test_noop_serialization):
 * every quantizer through every spelling of a saved identifier, larq's names, and custom objects.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import * as lqi from "../../src/internal.js";
import { assertClose, useBackend } from "../helpers.js";

const q = lqi.quantizers;
type Ctor = new (args?: any) => lq.quantizers.Quantizer;

/** Every quantizer class with non-default arguments, its larq config (snake_case) and its larq names. */
const CASES: Array<{ cls: Ctor & { className: string }; args: Record<string, unknown>; snake: Record<string, unknown>; names: string[] }> =
  [
    { cls: q.SteSign, args: { clipValue: 0.7 }, snake: { clip_value: 0.7 }, names: ["ste_sign", "steSign", "SteSign"] },
    { cls: q.ApproxSign, args: {}, snake: {}, names: ["approx_sign", "approxSign", "ApproxSign"] },
    { cls: q.SwishSign, args: { beta: 10 }, snake: { beta: 10 }, names: ["swish_sign", "swishSign", "SwishSign"] },
    {
      cls: q.SteHeaviside,
      args: { clipValue: null },
      snake: { clip_value: null },
      names: ["ste_heaviside", "steHeaviside", "SteHeaviside"],
    },
    {
      cls: q.SteTern,
      args: { thresholdValue: 0.3, ternaryWeightNetworks: true, clipValue: 2 },
      snake: { threshold_value: 0.3, ternary_weight_networks: true, clip_value: 2 },
      names: ["ste_tern", "steTern", "SteTern"],
    },
    {
      cls: q.MagnitudeAwareSign,
      args: { clipValue: 1.5 },
      snake: { clip_value: 1.5 },
      names: ["magnitude_aware_sign", "magnitudeAwareSign", "MagnitudeAwareSign"],
    },
    {
      cls: q.DoReFa,
      args: { kBit: 3, mode: "weights" },
      snake: { k_bit: 3, mode: "weights" },
      names: ["dorefa_quantizer", "dorefaQuantizer", "DoReFa", "DoReFaQuantizer"],
    },
    { cls: q.NoOp, args: { precision: 1 }, snake: { precision: 1 }, names: [] },
  ];

/** The quantizer-specific part of a config, with camelCase keys. */
function ownConfig(quantizer: unknown): Record<string, unknown> {
  assert.ok(quantizer instanceof q.Quantizer, `a Quantizer: ${String(quantizer)}`);
  const { name: _n, trainable: _t, dtype: _d, ...rest } = quantizer.getConfig() as Record<string, unknown>;
  return rest;
}

/** A tfjs-style snake_case copy of a serialized identifier, as a Keras JSON file holds it. */
function snakeCased(identifier: { className: string; config: Record<string, unknown> }): Record<string, unknown> {
  const config = Object.fromEntries(Object.entries(identifier.config).map(([k, v]) => [q.toSnakeCase(k), v]));
  return { class_name: identifier.className, config };
}

const X = [-1.7, -0.4, -0.01, 0, 0.2, 0.9, 1.3, 2.5];

describe("lq.quantizers.deserialize", () => {
  before(() => useBackend("cpu"));

  for (const { cls, args, snake, names } of CASES) {
    it(`${cls.className}: serialize → deserialize in every spelling gives the same class, config, precision and values`, () => {
      const original = new cls(args);
      const saved = q.serialize(original) as { className: string; config: Record<string, unknown> };
      assert.equal(saved.className, cls.className);
      const spellings: unknown[] = [
        saved,
        JSON.parse(JSON.stringify(saved)),
        snakeCased(saved),
        { className: saved.className, config: snakeCased(saved).config },
        { class_name: saved.className, config: saved.config },
        // Keras 2.16 writes these three keys too.
        { module: "larq.quantizers", ...snakeCased(saved), registered_name: cls.className, build_config: { input_shape: [null, 8] } },
        { class_name: cls.className, config: snake },
      ];
      const x = tf.tensor1d(X);
      const expected = Array.from((original.apply(x) as tf.Tensor).dataSync());
      for (const identifier of spellings) {
        const restored = q.deserialize(identifier as never);
        assert.ok(restored instanceof cls, JSON.stringify(identifier));
        assert.deepEqual(ownConfig(restored), args, JSON.stringify(identifier));
        assert.equal(restored.precision, original.precision);
        assert.ok(Number.isInteger(restored.precision));
        assertClose(restored.apply(x) as tf.Tensor, expected, 0);
      }
    });

    if (names.length > 0) {
      it(`${cls.className}: larq's names and their camelCase forms give new instances with default arguments`, () => {
        for (const name of names) {
          const a = q.deserialize(name);
          assert.ok(a instanceof cls, name);
          assert.notEqual(a, q.deserialize(name), "a new instance each time");
          assert.deepEqual(ownConfig(a), ownConfig(new cls({})), name);
        }
      });
    }
  }

  it("NoOp keeps its precision (larq's test_noop_serialization)", () => {
    const restored = q.deserialize(q.serialize(new q.NoOp({ precision: 1 })));
    assert.ok(restored instanceof q.NoOp);
    assert.equal(restored.precision, 1);
  });

  it("quantizer functions: serialize writes larq's name, deserialize gives the class of that name", () => {
    const pairs: Array<[lq.quantizers.QuantizerFunction, Ctor]> = [
      [q.steSign, q.SteSign],
      [q.approxSign, q.ApproxSign],
      [q.swishSign, q.SwishSign],
      [q.steHeaviside, q.SteHeaviside],
      [q.steTern, q.SteTern],
      [q.magnitudeAwareSign, q.MagnitudeAwareSign],
      [q.dorefa, q.DoReFa],
    ];
    const x = tf.tensor1d(X);
    for (const [fn, cls] of pairs) {
      const restored = q.deserialize(q.serialize(fn) as string);
      assert.ok(restored instanceof cls, String(q.serialize(fn)));
      assert.equal(restored.precision, fn.precision);
      assertClose(restored.apply(x) as tf.Tensor, fn(x), 0);
    }
    assert.equal(q.deserialize(null), null);
    assert.equal(q.deserialize(undefined), null);
    assert.equal(q.deserialize(q.serialize(null)), null);
  });

  it("customObjects resolves names like Keras's custom_objects: classes by string or config, functions by string", () => {
    class HalfSign extends q.Quantizer {
      static className = "HalfSign";
      readonly factor: number;
      constructor(args: { factor?: number; name?: string } = {}) {
        super({ name: args.name });
        this.factor = args.factor ?? 0.5;
      }
      get precision(): number {
        return 1;
      }
      quantize(x: tf.Tensor): tf.Tensor {
        return tf.mul(this.factor, lq.math.sign(x));
      }
      protected quantizerConfig(): tf.serialization.ConfigDict {
        return { factor: this.factor };
      }
    }
    class Doubler extends tfl.layers.Layer {
      static className = "Doubler";
      override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
        return tf.mul(2, Array.isArray(x) ? x[0] : x);
      }
    }
    const triple = (x: tf.Tensor) => tf.mul(3, x);
    const custom = { HalfSign, Doubler, my_triple: triple };

    const fromConfig = q.deserialize({ class_name: "HalfSign", config: { factor: 0.25, name: "h" } }, custom);
    assert.ok(fromConfig instanceof HalfSign);
    assert.equal(fromConfig.factor, 0.25);
    assert.equal(fromConfig.name, "h");
    assert.ok(q.deserialize("HalfSign", custom) instanceof HalfSign);
    // A round trip through serialize (camelCase keys) and a snake_case Keras file.
    const saved = q.serialize(new HalfSign({ factor: 0.75 })) as { className: string; config: Record<string, unknown> };
    assert.equal((q.deserialize(snakeCased(saved) as never, custom) as HalfSign).factor, 0.75);
    // A plain layer comes back in its LayerQuantizer; serialize writes the layer's own class.
    const doubler = q.deserialize({ className: "Doubler", config: {} }, custom);
    assert.ok(doubler instanceof q.LayerQuantizer);
    assert.ok(doubler.layer instanceof Doubler);
    assertClose(doubler.apply(tf.tensor1d([1, -2])) as tf.Tensor, [2, -4], 0);
    assert.equal((q.serialize(doubler) as { className: string }).className, "Doubler");
    // Functions by name, as given or camel-cased (tfjs camel-cases strings it loads).
    assert.equal(q.deserialize("my_triple", custom), triple);
    assert.equal(q.deserialize("myTriple", custom), triple);
    // Without the custom objects these names are unknown (nothing is registered under them).
    assert.throws(() => q.deserialize({ class_name: "HalfSign", config: {} }), /Unknown quantizer: "HalfSign"/);
    assert.throws(() => q.deserialize("my_triple"), /Unknown quantizer: "my_triple"/);
  });

  it("a layer class registered with tf.serialization deserializes without customObjects (saved custom quantizer layers)", () => {
    class RegisteredScale extends tfl.layers.Layer {
      static className = "DeserializeTestRegisteredScale";
      readonly scale: number;
      constructor(args: { scale?: number; name?: string } = {}) {
        super(args);
        this.scale = args.scale ?? 1;
      }
      override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
        return tf.mul(this.scale, Array.isArray(x) ? x[0] : x);
      }
      override getConfig(): tf.serialization.ConfigDict {
        return { ...super.getConfig(), scale: this.scale };
      }
    }
    tf.serialization.registerClass(RegisteredScale);
    const restored = q.deserialize({ class_name: "DeserializeTestRegisteredScale", config: { scale: 4 } });
    assert.ok(restored instanceof q.LayerQuantizer);
    assert.equal((restored.layer as RegisteredScale).scale, 4);
    assert.deepEqual(q.serialize(restored), { className: "DeserializeTestRegisteredScale", config: restored.layer.getConfig() });
  });

  it("bad input throws naming the argument or the value", () => {
    assert.throws(() => q.deserialize("ste_sgn"), /Unknown quantizer: "ste_sgn"\. Valid quantizers are: .*ste_sign/);
    assert.throws(() => q.deserialize({ className: "Nope", config: {} }), /Unknown quantizer: "Nope"/);
    assert.throws(() => q.deserialize({ class_name: "SteSign", config: { clip_valu: 1 } }), /unknown key "clip_valu"/);
    assert.throws(() => q.deserialize("ste_sign", [] as never), /Invalid customObjects: .*received \[\]/);
    assert.throws(() => q.deserialize("ste_sign", 5 as never), /Invalid customObjects: .*received 5/);
    const triple = (x: tf.Tensor) => tf.mul(3, x);
    assert.throws(
      () => q.deserialize({ className: "t", config: {} }, { t: triple }),
      /Invalid custom object for quantizer "t": .*tf.layers.Layer class/,
    );
  });

  it("is exported as lq.quantizers.deserialize", () => {
    assert.equal(typeof lq.quantizers.deserialize, "function");
  });
});
