/**
 * Identifier resolution (`get`, `getKernelQuantizer`), `serialize`, config round trips from
 * snake_case and camelCase JSON, tfjs serialization of quantizer layers, and argument errors.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import * as lqi from "../../src/internal.js";
import { saveAndLoad } from "./model_io.js";
import { assertClose, useBackend } from "../helpers.js";

const q = lqi.quantizers;

/** Each quantizer class with non-default arguments, its larq config (snake_case) and its aliases. */
const cases = [
  { cls: q.SteSign, args: { clipValue: 0.7 }, snake: { clip_value: 0.7 }, aliases: ["ste_sign", "steSign"] },
  { cls: q.ApproxSign, args: {}, snake: {}, aliases: ["approx_sign", "approxSign"] },
  { cls: q.SwishSign, args: { beta: 10 }, snake: { beta: 10 }, aliases: ["swish_sign", "swishSign"] },
  { cls: q.SteHeaviside, args: { clipValue: null }, snake: { clip_value: null }, aliases: ["ste_heaviside", "steHeaviside"] },
  {
    cls: q.SteTern,
    args: { thresholdValue: 0.3, ternaryWeightNetworks: true, clipValue: 2 },
    snake: { threshold_value: 0.3, ternary_weight_networks: true, clip_value: 2 },
    aliases: ["ste_tern", "steTern"],
  },
  {
    cls: q.MagnitudeAwareSign,
    args: { clipValue: 1.5 },
    snake: { clip_value: 1.5 },
    aliases: ["magnitude_aware_sign", "magnitudeAwareSign"],
  },
  {
    cls: q.DoReFa,
    args: { kBit: 3, mode: "weights" },
    snake: { k_bit: 3, mode: "weights" },
    aliases: ["dorefa_quantizer", "dorefaQuantizer", "DoReFaQuantizer"],
  },
  { cls: q.NoOp, args: { precision: 1 }, snake: { precision: 1 }, aliases: ["NoOpQuantizer"] },
] as const;

type Ctor = new (args?: any) => lq.quantizers.Quantizer;

/** The quantizer-specific part of a config, with camelCase keys. */
function ownConfig(quantizer: lq.quantizers.Quantizer): Record<string, unknown> {
  const { name: _n, trainable: _t, dtype: _d, batchInputShape: _b, ...rest } = quantizer.getConfig() as Record<string, unknown>;
  return rest;
}

describe("quantizer identifiers and serialization", () => {
  before(() => useBackend("cpu"));

  for (const { cls, args, snake, aliases } of cases) {
    const Cls = cls as unknown as Ctor;
    describe(cls.className, () => {
      it("getConfig has larq's keys (camelCase) with the constructor's values", () => {
        assert.deepEqual(ownConfig(new Cls(args)), args);
      });

      it("round trip from snake_case JSON, camelCase JSON and serialize()", () => {
        const snakeJson = JSON.parse(
          JSON.stringify({ class_name: cls.className, config: { ...snake, name: "q1", trainable: true, dtype: "float32" } }),
        );
        const fromSnake = q.get(snakeJson) as lq.quantizers.Quantizer;
        assert.ok(fromSnake instanceof cls);
        assert.deepEqual(ownConfig(fromSnake), args);
        assert.equal(fromSnake.name, "q1");

        const fromCamel = q.get({ className: cls.className, config: { ...args } }) as lq.quantizers.Quantizer;
        assert.ok(fromCamel instanceof cls);
        assert.deepEqual(ownConfig(fromCamel), args);

        const serialized = q.serialize(new Cls(args)) as { className: string; config: Record<string, unknown> };
        assert.equal(serialized.className, cls.className);
        const again = q.get(serialized as never) as lq.quantizers.Quantizer;
        assert.ok(again instanceof cls);
        assert.deepEqual(ownConfig(again), args);
        assert.equal(again.precision, new Cls(args).precision);
      });

      it("string identifiers: the class name and larq's aliases give a new instance", () => {
        for (const id of [cls.className, ...aliases]) {
          if (cls === q.NoOp) {
            assert.throws(() => q.get(id), /Invalid precision: expected an integer >= 1, received undefined/);
            continue;
          }
          const a = q.get(id);
          const b = q.get(id);
          assert.ok(a instanceof cls, id);
          assert.notEqual(a, b, "a new instance each time");
        }
        if (cls !== q.NoOp) assert.ok(q.get({ class_name: aliases[0] }) instanceof cls);
      });

      it("an instance is returned as is", () => {
        const instance = new Cls(args);
        assert.equal(q.get(instance), instance);
      });

      it("survives tf.serialization in a saved and loaded tfjs model", async () => {
        const input = tfl.input({ shape: [6] });
        const quantizer = new Cls(args);
        const model = tfl.model({ inputs: input, outputs: quantizer.apply(input) as tfl.SymbolicTensor });
        const { topology, loaded } = await saveAndLoad(model);
        // The saved topology is Keras JSON: snake_case keys, as larq writes them.
        for (const key of Object.keys(snake)) assert.ok(topology.includes(`"${key}"`), `${key} in ${topology}`);
        const layer = loaded.layers[1] as unknown as lq.quantizers.Quantizer;
        assert.ok(layer instanceof cls);
        assert.deepEqual(ownConfig(layer), args);
        const x = tf.tensor2d([[-1.5, -0.2, 0, 0.01, 0.4, 2]]);
        assertClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor);
        tf.dispose([x]);
      });
    });
  }

  it("modelFromJSON accepts a hand-written larq-style topology with snake_case config", async () => {
    const topology = {
      class_name: "Sequential",
      config: {
        name: "seq",
        layers: [
          {
            class_name: "SteTern",
            config: { name: "tern", batch_input_shape: [null, 4], threshold_value: 0.5, ternary_weight_networks: false, clip_value: 1 },
          },
        ],
      },
    };
    const model = await tfl.models.modelFromJSON({ modelTopology: topology } as never);
    const layer = model.layers[0] as unknown as lq.quantizers.SteTern;
    assert.ok(layer instanceof q.SteTern);
    assert.equal(layer.thresholdValue, 0.5);
    const y = model.predict(tf.tensor2d([[-0.6, -0.5, 0.49, 0.5]])) as tf.Tensor;
    assert.deepEqual(Array.from(y.dataSync()), [-1, -1, 0, 1]);
  });

  it("functions serialize to larq's snake_case names, which resolve back to the classes", () => {
    const pairs: [lq.quantizers.QuantizerFunction, string, unknown][] = [
      [q.steSign, "ste_sign", q.SteSign],
      [q.approxSign, "approx_sign", q.ApproxSign],
      [q.swishSign, "swish_sign", q.SwishSign],
      [q.steHeaviside, "ste_heaviside", q.SteHeaviside],
      [q.steTern, "ste_tern", q.SteTern],
      [q.magnitudeAwareSign, "magnitude_aware_sign", q.MagnitudeAwareSign],
      [q.dorefa, "dorefa_quantizer", q.DoReFa],
    ];
    for (const [fn, name, cls] of pairs) {
      assert.equal(q.serialize(fn), name);
      assert.equal(q.get(fn), fn, "a function is returned as is");
      assert.ok(q.get(name) instanceof (cls as Ctor), name);
    }
    assert.equal(q.serialize(null), null);
    assert.equal(q.get(null), null);
    assert.equal(q.get(undefined), null);
    assert.throws(() => q.serialize(((x: tf.Tensor) => x) as never), /Cannot serialize the quantizer function/);
  });

  it("a registered function without a class resolves to the function", () => {
    const halve = ((x: tf.Tensor) => tf.mul(x, 0.5)) as lq.quantizers.QuantizerFunction;
    q.registerQuantizerFunction("test_halve_quantizer", halve);
    assert.equal(q.get("test_halve_quantizer"), halve);
    assert.equal(q.get("testHalveQuantizer"), halve);
    assert.equal(q.serialize(halve), "test_halve_quantizer");
  });

  it("bad identifiers throw an error that names the value and lists the valid names", () => {
    const bad: unknown[] = [42, [1, 2], "unknown", "ste_sgn", true, { className: "Nope" }, { class_name: 7 }, { config: {} }, 0];
    for (const identifier of bad) {
      assert.throws(
        () => q.get(identifier as never),
        (error: Error) => {
          assert.match(error.message, /^Unknown quantizer: /);
          for (const name of [
            "ste_sign",
            "approx_sign",
            "swish_sign",
            "ste_heaviside",
            "ste_tern",
            "magnitude_aware_sign",
            "dorefa_quantizer",
            "SteSign",
            "DoReFa",
            "NoOp",
          ]) {
            assert.ok(error.message.includes(name), `${name} listed in: ${error.message}`);
          }
          return true;
        },
        JSON.stringify(identifier),
      );
    }
    assert.throws(() => q.get(42 as never), /Unknown quantizer: 42\./);
    assert.throws(() => q.get({ className: "Nope" }), /Unknown quantizer: "Nope"/);
  });

  it("bad config objects throw naming the class and the offending key or value", () => {
    assert.throws(
      () => q.get({ class_name: "SteSign", config: 5 as never }),
      /Invalid quantizer config for SteSign: expected an object, received 5/,
    );
    assert.throws(() => q.get({ class_name: "SteSign", config: [1] as never }), /expected an object, received \[1\]/);
    assert.throws(
      () => q.get({ class_name: "SteSign", config: { clip_valu: 1 } }),
      /unknown key "clip_valu".*clipValue.*Did you mean "clipValue"\?/,
    );
    assert.throws(() => q.get({ className: "DoReFa", config: { kbit: 2 } }), /unknown key "kbit".*kBit, mode/);
    assert.throws(() => q.get({ className: "SteSign", config: {}, extra: 1 } as never), /unexpected key "extra"/);
    assert.throws(() => q.get({ className: "SteSign", config: { clip_value: "1" } }), /Invalid clipValue: .*received "1"/);
  });

  it("bad constructor arguments throw naming the argument and the value", () => {
    const cases: [() => unknown, RegExp][] = [
      [() => new q.SteSign({ clipValue: -1 }), /Invalid clipValue: .*received -1/],
      [() => new q.SteHeaviside({ clipValue: Number.NaN }), /Invalid clipValue: .*received/],
      [() => new q.MagnitudeAwareSign({ clipValue: "x" as never }), /Invalid clipValue: .*received "x"/],
      [() => new q.SwishSign({ beta: "5" as never }), /Invalid beta: .*received "5"/],
      [() => new q.SteTern({ thresholdValue: -0.1 }), /Invalid thresholdValue: .*received -0.1/],
      [() => new q.SteTern({ ternaryWeightNetworks: 1 as never }), /Invalid ternaryWeightNetworks: expected a boolean, received 1/],
      [() => new q.DoReFa({ kBit: 0 }), /Invalid kBit: expected an integer >= 1, received 0/],
      [() => new q.DoReFa({ kBit: 1.5 }), /Invalid kBit: .*received 1.5/],
      [() => new q.DoReFa({ mode: "weight" as never }), /Invalid mode: expected "activations" or "weights", received "weight"/],
      [() => q.dorefa(tf.zeros([2]), 2, "kernel" as never), /Invalid mode: .*received "kernel"/],
      [() => new q.NoOp({} as never), /Invalid precision: expected an integer >= 1, received undefined/],
      [() => new q.NoOp({ precision: 0 }), /Invalid precision: .*received 0/],
      [() => new q.SteSign({ metrics: "flip_ratio" as never }), /Invalid metrics: .*received "flip_ratio"/],
      [() => new q.SteSign({ metrics: ["flip_rate"] }), /Invalid metrics: .*flip_ratio.*received \["flip_rate"\]/],
      [() => new q.ApproxSign(5 as never), /Invalid args: .*received 5/],
      [() => q.steSign(tf.zeros([2]), -2), /Invalid clipValue: .*received -2/],
      [() => q.steHeaviside(tf.zeros([2]), "1" as never), /Invalid clipValue: .*received "1"/],
      [() => q.magnitudeAwareSign(tf.zeros([2]), -1), /Invalid clipValue: .*received -1/],
      [() => q.steTern(tf.zeros([2]), -0.5), /Invalid thresholdValue: .*received -0.5/],
      [() => q.steTern(tf.zeros([2]), 0.05, "yes" as never), /Invalid ternaryWeightNetworks: .*received "yes"/],
      [() => q.swishSign(tf.zeros([2]), Number.NaN), /Invalid beta: .*received/],
      [() => q.dorefa(tf.zeros([2]), 0), /Invalid kBit: .*received 0/],
    ];
    for (const [fn, pattern] of cases) assert.throws(fn, pattern);
  });
});

describe("metrics option and getKernelQuantizer", () => {
  it("the metrics option is kept on every quantizer; the default is none (larq's metrics=None)", () => {
    for (const Cls of [
      q.SteSign,
      q.ApproxSign,
      q.SwishSign,
      q.SteHeaviside,
      q.SteTern,
      q.MagnitudeAwareSign,
      q.DoReFa,
    ] as unknown as Ctor[]) {
      assert.deepEqual(new Cls({ metrics: ["flip_ratio"] }).metrics, ["flip_ratio"]);
      assert.deepEqual(new Cls().metrics, []);
      assert.deepEqual(new Cls({ metrics: null }).metrics, []);
    }
    assert.deepEqual(new q.NoOp({ precision: 1, metrics: ["flip_ratio"] }).metrics, ["flip_ratio"]);
  });

  it("quantizers created inside metricsScope without getKernelQuantizer (input quantizers) collect nothing", () => {
    lq.context.metricsScope(["flip_ratio"], () => {
      assert.deepEqual(new q.SteSign().metrics, []);
      assert.deepEqual((q.get("ste_sign") as lq.quantizers.Quantizer).metrics, []);
    });
  });

  it("getKernelQuantizer fills in the metrics of the enclosing scope (larq's get_kernel_quantizer)", () => {
    const inside = lq.context.metricsScope(["flip_ratio"], () => {
      const quantizer = q.getKernelQuantizer("ste_sign");
      assert.deepEqual(lq.context.getTrainingMetrics(), ["flip_ratio"]);
      return quantizer;
    });
    assert.ok(inside instanceof q.SteSign);
    assert.deepEqual((inside as lq.quantizers.SteSign).metrics, ["flip_ratio"]);

    for (const id of ["dorefa_quantizer", { class_name: "SteTern", config: { clip_value: 1 } }, new q.ApproxSign()] as const) {
      const kernelQ = lq.context.metricsScope(["flip_ratio"], () => q.getKernelQuantizer(id as never)) as lq.quantizers.Quantizer;
      assert.deepEqual(kernelQ.metrics, ["flip_ratio"]);
    }
    // Outside a scope: none.
    assert.deepEqual((q.getKernelQuantizer("ste_sign") as lq.quantizers.Quantizer).metrics, []);
  });

  it("getKernelQuantizer keeps explicit metrics and leaves functions and null alone", () => {
    const explicit = new q.SteSign({ metrics: ["flip_ratio"] });
    assert.equal(q.getKernelQuantizer(explicit), explicit);
    assert.deepEqual(explicit.metrics, ["flip_ratio"]);
    const fn = (x: tf.Tensor) => x;
    const resolved = lq.context.metricsScope(["flip_ratio"], () => q.getKernelQuantizer(fn));
    assert.equal(resolved, fn);
    assert.equal((resolved as unknown as { metrics?: unknown }).metrics, undefined);
    assert.equal(q.getKernelQuantizer(null), null);
  });
});
