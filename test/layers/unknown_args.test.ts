import assert from "node:assert/strict";
import { describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "../helpers.js";

import * as lq from "../../src/index.js";
import * as lqi from "../../src/internal.js";
import { suggestName } from "../../src/utils/args.js";

type Factory = (args: never) => tfl.layers.Layer;

/** Each of the 11 quantized layers with minimal valid arguments and an input shape. */
const LAYERS: Array<[string, Factory, Record<string, unknown>, number[]]> = [
  ["QuantDense", lq.layers.quantDense as Factory, { units: 2 }, [3]],
  ["QuantConv1D", lq.layers.quantConv1d as Factory, { filters: 2, kernelSize: 2 }, [5, 3]],
  ["QuantConv2D", lq.layers.quantConv2d as Factory, { filters: 2, kernelSize: 2 }, [4, 4, 3]],
  ["QuantConv3D", lq.layers.quantConv3d as Factory, { filters: 2, kernelSize: 2 }, [3, 3, 3, 2]],
  ["QuantConv2DTranspose", lq.layers.quantConv2dTranspose as Factory, { filters: 2, kernelSize: 2 }, [3, 3, 2]],
  ["QuantConv3DTranspose", lq.layers.quantConv3dTranspose as Factory, { filters: 2, kernelSize: 2 }, [3, 3, 3, 2]],
  ["QuantDepthwiseConv2D", lq.layers.quantDepthwiseConv2d as Factory, { kernelSize: 2 }, [4, 4, 3]],
  ["QuantSeparableConv1D", lq.layers.quantSeparableConv1d as Factory, { filters: 2, kernelSize: 2 }, [5, 3]],
  ["QuantSeparableConv2D", lq.layers.quantSeparableConv2d as Factory, { filters: 2, kernelSize: 2 }, [4, 4, 3]],
  ["QuantLocallyConnected1D", lq.layers.quantLocallyConnected1d as Factory, { filters: 2, kernelSize: 2 }, [5, 3]],
  ["QuantLocallyConnected2D", lq.layers.quantLocallyConnected2d as Factory, { filters: 2, kernelSize: 2 }, [4, 4, 3]],
];

describe("unknown arguments are rejected, as Keras rejects unknown keyword arguments", () => {
  it("a Python-style snake_case name names the argument and suggests the camelCase one", () => {
    assert.throws(
      () => lq.layers.quantDense({ units: 2, kernel_quantizer: "ste_sign" } as never),
      (e: Error) =>
        /Invalid kernel_quantizer: QuantDense has no argument "kernel_quantizer" \(received "ste_sign"\)\. Did you mean "kernelQuantizer"\?/.test(
          e.message,
        ) && /camelCase/.test(e.message),
    );
    assert.throws(
      () => lq.layers.quantConv2d({ filters: 2, kernelSize: 3, pad_values: 1 } as never),
      /QuantConv2D has no argument "pad_values".*Did you mean "padValues"\?/,
    );
  });

  it("a typo suggests the nearest known name", () => {
    assert.throws(
      () => lq.layers.quantDense({ units: 2, kernelQuantiser: "ste_sign" } as never),
      /QuantDense has no argument "kernelQuantiser".*Did you mean "kernelQuantizer"\?/,
    );
    assert.throws(
      () => lq.layers.quantConv2d({ filters: 2, kernelSize: 3, inputQuantzer: "ste_sign" } as never),
      /Did you mean "inputQuantizer"\?/,
    );
    assert.throws(
      () => lq.layers.quantDense({ units: 2, zzz: 1 } as never),
      (e: Error) =>
        /QuantDense has no argument "zzz" \(received 1\)\. Known arguments: .*kernelQuantizer/.test(e.message) &&
        !/Did you mean/.test(e.message),
    );
  });

  it("every quantized layer rejects unknown arguments before validating the others", () => {
    for (const [name, make, args] of LAYERS) {
      assert.throws(() => make({ ...args, kernel_size: 3 } as never), new RegExp(`${name} has no argument "kernel_size"`), name);
      assert.throws(() => make({ ...args, bogus: true } as never), new RegExp(`${name} has no argument "bogus"`), name);
    }
    // A quantizer for a weight the layer does not have is unknown too.
    assert.throws(
      () => lq.layers.quantDense({ units: 2, depthwiseQuantizer: "ste_sign" } as never),
      /QuantDense has no argument "depthwiseQuantizer"/,
    );
  });

  it("accepts every tf.layers.Layer argument and ignores undefined values", () => {
    const layer = lq.layers.quantDense({
      units: 2,
      name: "d",
      trainable: true,
      inputShape: [3],
      batchSize: 4,
      dtype: "float32",
      inputDType: "float32",
      kernelQuantizer: undefined,
    } as never);
    assert.equal(layer.name, "d");
    const batched = lq.layers.quantConv2d({ filters: 1, kernelSize: 1, batchInputShape: [null, 2, 2, 1] } as never);
    assert.deepEqual(batched.batchInputShape, [null, 2, 2, 1]);
    const weights = [tf.ones([3, 2]), tf.zeros([2])];
    const withWeights = lq.layers.quantDense({ units: 2, inputShape: [3], weights } as never);
    tfl.sequential({ layers: [withWeights] });
    assert.deepEqual(Array.from(withWeights.getWeights()[0].dataSync()), [1, 1, 1, 1, 1, 1]);
    tf.dispose(weights);
  });

  it("every quantized layer restores from its own saved config (toJSON → modelFromJSON)", async () => {
    for (const [name, make, args, shape] of LAYERS) {
      const layer = make({ ...args, inputShape: shape, inputQuantizer: "ste_sign", metrics: [] } as never);
      const model = tfl.sequential({ layers: [layer] });
      const json = JSON.parse(JSON.stringify(model.toJSON(null, false)));
      const restored = await tfl.models.modelFromJSON({ modelTopology: json } as never);
      assert.equal(restored.layers[0].getClassName(), name);
      assert.deepEqual(restored.layers[0].getConfig(), layer.getConfig(), name);
      model.dispose();
      restored.dispose();
    }
  });

  it("a subclass may extend argumentNames", () => {
    class Scaled extends lq.layers.QuantDense {
      static override className = "ScaledQuantDense";
      static override readonly argumentNames = [...lq.layers.QuantDense.argumentNames, "scale"];
      readonly scale: number;
      constructor(args: lq.layers.QuantDenseArgs & { scale?: number }) {
        const { scale, ...rest } = args;
        super(rest);
        this.scale = scale ?? 1;
      }
    }
    assert.doesNotThrow(() => new Scaled({ units: 2, scale: 2 }));
    assert.throws(() => new Scaled({ units: 2, scael: 2 } as never), /ScaledQuantDense has no argument "scael".*Did you mean "scale"/);
  });

  it("TFOpLambda, quantizers, constraints and activations reject unknown arguments", async () => {
    assert.throws(
      () => lq.layers.tfOpLambda({ function: "math.add", argumentOrdr: ["x", "y"] } as never),
      /TFOpLambda has no argument "argumentOrdr".*Did you mean "argumentOrder"/,
    );
    assert.throws(
      () => new lq.quantizers.SteSign({ clip_value: 2 } as never),
      /SteSign has no argument "clip_value".*Did you mean "clipValue"/,
    );
    assert.throws(() => new lq.quantizers.DoReFa({ kbit: 2 } as never), /DoReFa has no argument "kbit".*Did you mean "kBit"/);
    assert.throws(() => new lq.quantizers.SteSign({ name: "q", metrix: [] } as never), /Did you mean "metrics"/);
    assert.throws(
      () => lq.constraints.weightClip({ clip_value: 0.5 } as never),
      /WeightClip has no argument "clip_value".*Did you mean "clipValue"/,
    );
    assert.throws(() => new lq.activations.LeakyTanh({ alfa: 0.1 } as never), /LeakyTanh has no argument "alfa".*Did you mean "alpha"/);
    assert.throws(
      () => new lqi.zoo.SplitChannels({ groups: 2, group: 2 } as never),
      /SplitChannels has no argument "group".*Did you mean "groups"/,
    );
    assert.throws(() => new lqi.zoo.PaddedAdd({ nme: "p" } as never), /PaddedAdd has no argument "nme".*Did you mean "name"/);
    // Their configs still deserialize (tfjs adds customObjects to every config it deserializes).
    const dense = lq.layers.quantDense({
      units: 2,
      inputShape: [3],
      kernelConstraint: lq.constraints.weightClip({ clipValue: 0.5 }),
      kernelQuantizer: new lq.quantizers.SteSign({ clipValue: 0.5 }),
    });
    const model = tfl.sequential({ layers: [dense] });
    const restored = await tfl.models.modelFromJSON({ modelTopology: JSON.parse(JSON.stringify(model.toJSON(null, false))) } as never);
    const layer = restored.layers[0] as unknown as { kernelConstraint: lq.constraints.WeightClip };
    assert.equal(layer.kernelConstraint.clipValue, 0.5);
    model.dispose();
    restored.dispose();
  });
});

describe("suggestName", () => {
  const known = ["kernelQuantizer", "inputQuantizer", "padValues", "updateFreq", "units"];
  it("camelCase spelling, case/underscore-insensitive match, edit distance, unique prefix", () => {
    assert.equal(suggestName("kernel_quantizer", known), "kernelQuantizer");
    assert.equal(suggestName("KernelQuantizer", known), "kernelQuantizer");
    assert.equal(suggestName("kernelQuantiser", known), "kernelQuantizer");
    assert.equal(suggestName("unit", known), "units");
    assert.equal(suggestName("update", known), "updateFreq");
    assert.equal(suggestName("frobnicate", known), undefined);
  });
});
