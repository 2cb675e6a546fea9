/**
 * Shapes, data formats, padding (padValues, causal), dilation, output padding, argument validation,
 * names and warnings of the quantized layers with a tfjs float counterpart.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import * as lqi from "../../src/internal.js";
import { assertClose, useBackend } from "../helpers.js";
import { dilateJs, slowConvTranspose, slowConvTransposeKernelGrad } from "./reference.js";

type AnyLayer = tfl.layers.Layer;
type Args = Record<string, unknown>;
const L = lq.layers as unknown as Record<string, (args: Args) => AnyLayer>;
const F = tfl.layers as unknown as Record<string, (args: Args) => AnyLayer>;

function values(n: number, seed: number): number[] {
  const out: number[] = [];
  let s = seed * 7919 + 13;
  for (let i = 0; i < n; i++) {
    s = (s * 9301 + 49297) % 233280;
    out.push((s / 233280 - 0.5) * 3);
  }
  return out;
}
const tensorOf = (shape: number[], seed: number) =>
  tf.tensor(
    values(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Channels-last → channels-first permutation of a rank-r tensor. */
const toFirst = (r: number) => [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)];

/** Builds `layer` on `x`, gives it deterministic weights and returns them. */
function buildWithWeights(layer: AnyLayer, x: tf.Tensor, seed: number): tf.Tensor[] {
  tf.dispose(layer.apply(x) as tf.Tensor);
  const ws = layer.getWeights().map((w, i) => tensorOf(w.shape, seed + i));
  layer.setWeights(ws);
  return ws;
}

describe("quantized layers: shapes, formats, padding and arguments", () => {
  before(() => useBackend("cpu"));

  // (d) Closed-form output shapes (channels-last spatial dims + channels), checked for both formats,
  // symbolically (computeOutputShape) and on concrete tensors.
  const SHAPES: Array<[string, Args, number[], number[]]> = [
    ["quantConv1d", { filters: 4, kernelSize: 3 }, [7, 2], [5, 4]],
    ["quantConv1d", { filters: 4, kernelSize: 3, strides: 2 }, [7, 2], [3, 4]],
    ["quantConv1d", { filters: 4, kernelSize: 3, strides: 2, padding: "same" }, [7, 2], [4, 4]],
    ["quantConv1d", { filters: 4, kernelSize: 3, dilationRate: 2 }, [7, 2], [3, 4]],
    ["quantConv1d", { filters: 4, kernelSize: 3, dilationRate: 2, padding: "causal" }, [7, 2], [7, 4]],
    ["quantConv2d", { filters: 4, kernelSize: 3 }, [9, 7, 2], [7, 5, 4]],
    ["quantConv2d", { filters: 4, kernelSize: 3, strides: 2, padding: "same" }, [9, 7, 2], [5, 4, 4]],
    ["quantConv2d", { filters: 4, kernelSize: 3, strides: [2, 3] }, [9, 7, 2], [4, 2, 4]],
    ["quantConv2d", { filters: 4, kernelSize: 3, dilationRate: 2 }, [9, 7, 2], [5, 3, 4]],
    ["quantConv2d", { filters: 4, kernelSize: 3, dilationRate: 2, padding: "same", padValues: 1 }, [9, 7, 2], [9, 7, 4]],
    ["quantConv3d", { filters: 2, kernelSize: 3 }, [5, 6, 7, 1], [3, 4, 5, 2]],
    ["quantConv3d", { filters: 2, kernelSize: 3, strides: 2, padding: "same" }, [5, 6, 7, 1], [3, 3, 4, 2]],
    ["quantDepthwiseConv2d", { kernelSize: 3, depthMultiplier: 2 }, [9, 7, 3], [7, 5, 6]],
    ["quantDepthwiseConv2d", { kernelSize: 3, depthMultiplier: 2, strides: 2, padding: "same" }, [9, 7, 3], [5, 4, 6]],
    ["quantDepthwiseConv2d", { kernelSize: 3, dilationRate: 2 }, [9, 7, 3], [5, 3, 3]],
    ["quantSeparableConv2d", { filters: 4, kernelSize: 3 }, [9, 7, 3], [7, 5, 4]],
    ["quantSeparableConv2d", { filters: 4, kernelSize: 3, strides: 2, padding: "same" }, [9, 7, 3], [5, 4, 4]],
    ["quantSeparableConv2d", { filters: 4, kernelSize: 3, dilationRate: 2, depthMultiplier: 2 }, [9, 7, 3], [5, 3, 4]],
    ["quantConv2dTranspose", { filters: 4, kernelSize: 3 }, [3, 5, 2], [5, 7, 4]],
    ["quantConv2dTranspose", { filters: 4, kernelSize: 3, strides: 2 }, [3, 5, 2], [7, 11, 4]],
    ["quantConv2dTranspose", { filters: 4, kernelSize: 3, strides: 2, padding: "same" }, [3, 5, 2], [6, 10, 4]],
    ["quantConv2dTranspose", { filters: 4, kernelSize: 3, strides: 2, padding: "same", outputPadding: 1 }, [3, 5, 2], [6, 10, 4]],
    ["quantConv2dTranspose", { filters: 4, kernelSize: 3, strides: 2, outputPadding: 1 }, [3, 5, 2], [8, 12, 4]],
    ["quantConv2dTranspose", { filters: 4, kernelSize: 3, dilationRate: 2 }, [3, 5, 2], [7, 9, 4]],
    ["quantConv3dTranspose", { filters: 2, kernelSize: 2, strides: 2 }, [2, 3, 1, 2], [4, 6, 2, 2]],
    ["quantConv3dTranspose", { filters: 2, kernelSize: 2, padding: "same" }, [2, 3, 1, 2], [2, 3, 1, 2]],
    ["quantConv3dTranspose", { filters: 2, kernelSize: 2, strides: 2, outputPadding: 1 }, [2, 3, 1, 2], [5, 7, 3, 2]],
  ];
  for (const [factory, args, inCL, outCL] of SHAPES) {
    for (const format of ["channels_last", "channelsFirst"]) {
      const label = `(d) ${factory}(${JSON.stringify(args)}) ${format}: [${inCL}] -> [${outCL}]`;
      it(label, () => {
        const first = format !== "channels_last";
        const move = (s: number[]) => (first ? [s[s.length - 1], ...s.slice(0, -1)] : s);
        const layer = L[factory]({ ...args, dataFormat: format });
        const symbolic = layer.apply(tfl.input({ shape: move(inCL) })) as tfl.SymbolicTensor;
        assert.deepEqual(symbolic.shape, [null, ...move(outCL)]);
        const y = layer.apply(tf.ones([2, ...move(inCL)])) as tf.Tensor;
        assert.deepEqual(y.shape, [2, ...move(outCL)]);
        y.dispose();
      });
    }
  }

  it("(d) QuantDense contracts the last axis of rank > 2 inputs", () => {
    const layer = lq.layers.quantDense({ units: 5 });
    assert.deepEqual((layer.apply(tfl.input({ shape: [3, 4, 6] })) as tfl.SymbolicTensor).shape, [null, 3, 4, 5]);
    assert.deepEqual((layer.apply(tf.ones([2, 3, 4, 6])) as tf.Tensor).shape, [2, 3, 4, 5]);
  });

  // Channels-first equals the channels-last float layer on transposed data (tfjs' own channels-first
  // Conv1D and SeparableConv2D are wrong, so the reference is always channels-last).
  const FORMAT_CASES: Array<[string, string, Args, number[]]> = [
    ["quantConv1d", "conv1d", { filters: 3, kernelSize: 3, padding: "same" }, [2, 7, 2]],
    ["quantConv2d", "conv2d", { filters: 3, kernelSize: 3, strides: 2 }, [2, 7, 6, 2]],
    ["quantConv3d", "conv3d", { filters: 2, kernelSize: 2, padding: "same" }, [1, 3, 4, 3, 2]],
    ["quantDepthwiseConv2d", "depthwiseConv2d", { kernelSize: 3, depthMultiplier: 2, padding: "same" }, [2, 5, 6, 3]],
    ["quantSeparableConv2d", "separableConv2d", { filters: 4, kernelSize: 3, depthMultiplier: 2 }, [2, 5, 6, 3]],
    ["quantConv2dTranspose", "conv2dTranspose", { filters: 3, kernelSize: 3, strides: 2, padding: "same" }, [2, 3, 4, 2]],
    ["quantConv3dTranspose", "conv3dTranspose", { filters: 2, kernelSize: 2 }, [1, 2, 3, 2, 2]],
  ];
  for (const [factory, float, args, shapeCL] of FORMAT_CASES) {
    it(`channels_first ${factory} equals the channels-last float layer (ste_sign on input and kernels)`, () => {
      const r = shapeCL.length;
      const xCL = tensorOf(shapeCL, 3);
      const xCF = tf.transpose(xCL, toFirst(r));
      const quantizers: Args = { inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign" };
      if (factory === "quantDepthwiseConv2d") quantizers.depthwiseQuantizer = quantizers.kernelQuantizer;
      if (factory === "quantSeparableConv2d") {
        quantizers.depthwiseQuantizer = "ste_sign";
        quantizers.pointwiseQuantizer = "ste_sign";
      }
      if (factory === "quantDepthwiseConv2d" || factory === "quantSeparableConv2d") delete quantizers.kernelQuantizer;
      const q = L[factory]({ ...args, ...quantizers, dataFormat: "channels_first" });
      const f = F[float](args);
      const ws = buildWithWeights(q, xCF, 30);
      tf.dispose(f.apply(xCL) as tf.Tensor);
      const biasIndex = ws.length - 1;
      f.setWeights(ws.map((w, i) => (i === biasIndex ? w : lq.math.sign(w))));
      const ref = tf.transpose(f.apply(lq.math.sign(xCL)) as tf.Tensor, toFirst(r));
      assertClose(q.apply(xCF) as tf.Tensor, ref, 1e-5);
    });
  }

  // (e) padValues with "same" padding equals an explicit tf.pad with that value + "valid" float layer.
  const PAD_CASES: Array<[string, string, Args, number[], Array<[number, number]>]> = [
    ["quantConv1d", "conv1d", { filters: 2, kernelSize: 4 }, [2, 7, 2], [[1, 2]]],
    [
      "quantConv2d",
      "conv2d",
      { filters: 2, kernelSize: 3, strides: 2 },
      [2, 6, 7, 2],
      [
        [0, 1],
        [1, 1],
      ],
    ],
    [
      "quantConv2d",
      "conv2d",
      { filters: 2, kernelSize: 3, dilationRate: 2 },
      [1, 5, 5, 2],
      [
        [2, 2],
        [2, 2],
      ],
    ],
    [
      "quantConv3d",
      "conv3d",
      { filters: 2, kernelSize: 2 },
      [1, 3, 3, 3, 2],
      [
        [0, 1],
        [0, 1],
        [0, 1],
      ],
    ],
    [
      "quantDepthwiseConv2d",
      "depthwiseConv2d",
      { kernelSize: 3, depthMultiplier: 2 },
      [2, 5, 6, 3],
      [
        [1, 1],
        [1, 1],
      ],
    ],
    [
      "quantSeparableConv2d",
      "separableConv2d",
      { filters: 3, kernelSize: 3, strides: 2 },
      [2, 5, 6, 3],
      [
        [1, 1],
        [0, 1],
      ],
    ],
  ];
  for (const [factory, float, args, shape, pads] of PAD_CASES) {
    for (const padValues of [1, -1]) {
      it(`(e) ${factory}(${JSON.stringify(args)}) padValues ${padValues} equals tf.pad + valid`, () => {
        const x = tensorOf(shape, 4);
        const q = L[factory]({ ...args, padding: "same", padValues });
        const f = F[float]({ ...args, padding: "valid" });
        const ws = buildWithWeights(q, x, 40);
        const padded = tf.pad(x, [[0, 0], ...pads, [0, 0]], padValues);
        tf.dispose(f.apply(padded) as tf.Tensor);
        f.setWeights(ws);
        const y = q.apply(x) as tf.Tensor;
        assertClose(y, f.apply(padded) as tf.Tensor, 1e-5);
        const zeroPadded = L[factory]({ ...args, padding: "same" });
        buildWithWeights(zeroPadded, x, 40);
        assert.ok(Math.max(...tf.abs(tf.sub(y, zeroPadded.apply(x) as tf.Tensor)).dataSync()) > 1e-3);
        assert.equal(q.getConfig().padValues, padValues);
      });
    }
  }

  it("(e) padValues in channels_first pads the spatial axes", () => {
    const xCL = tensorOf([1, 5, 6, 2], 5);
    const q = lq.layers.quantConv2d({ filters: 2, kernelSize: 3, padding: "same", padValues: -1, dataFormat: "channels_first" });
    const f = tfl.layers.conv2d({ filters: 2, kernelSize: 3 });
    const ws = buildWithWeights(q, tf.transpose(xCL, [0, 3, 1, 2]), 50);
    const padded = tf.pad(
      xCL,
      [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ],
      -1,
    );
    tf.dispose(f.apply(padded) as tf.Tensor);
    f.setWeights(ws);
    assertClose(q.apply(tf.transpose(xCL, [0, 3, 1, 2])) as tf.Tensor, tf.transpose(f.apply(padded) as tf.Tensor, [0, 3, 1, 2]), 1e-5);
  });

  it("causal QuantConv1D equals left zero padding of (k - 1)·d + valid float conv", () => {
    const x = tensorOf([2, 7, 2], 6);
    const q = lq.layers.quantConv1d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: "causal" });
    const f = tfl.layers.conv1d({ filters: 3, kernelSize: 3, dilationRate: 2 });
    const ws = buildWithWeights(q, x, 60);
    const padded = tf.pad(x, [
      [0, 0],
      [4, 0],
      [0, 0],
    ]);
    tf.dispose(f.apply(padded) as tf.Tensor);
    f.setWeights(ws);
    assertClose(q.apply(x) as tf.Tensor, f.apply(padded) as tf.Tensor, 1e-5);
  });

  it("dilated QuantDepthwiseConv2D equals the float layer with a JS-dilated kernel (tfjs ignores its dilation)", () => {
    const x = tensorOf([1, 7, 8, 2], 7);
    const q = lq.layers.quantDepthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, dilationRate: 2, padding: "same" });
    const ws = buildWithWeights(q, x, 70);
    const dk = dilateJs(ws[0].dataSync(), ws[0].shape, [2, 2]);
    const f = tfl.layers.depthwiseConv2d({ kernelSize: 5, depthMultiplier: 2, padding: "same" });
    tf.dispose(f.apply(x) as tf.Tensor);
    f.setWeights([tf.tensor(dk.data, dk.shape), ws[1]]);
    assertClose(q.apply(x) as tf.Tensor, f.apply(x) as tf.Tensor, 1e-5);
  });

  const TRANSPOSE_CASES: Array<[string, Args, number[], number[], number[], number[]]> = [
    // factory, args, input shape, strides, dilation, expected output spatial
    ["quantConv2dTranspose", { filters: 3, kernelSize: 3, strides: 2, outputPadding: 1 }, [2, 3, 4, 2], [2, 2], [1, 1], [8, 10]],
    [
      "quantConv2dTranspose",
      { filters: 3, kernelSize: 3, strides: 2, padding: "same", outputPadding: [1, 0] },
      [2, 3, 4, 2],
      [2, 2],
      [1, 1],
      [6, 7],
    ],
    ["quantConv2dTranspose", { filters: 2, kernelSize: [3, 2], dilationRate: 2, padding: "same" }, [1, 4, 5, 2], [1, 1], [2, 2], [4, 5]],
    ["quantConv2dTranspose", { filters: 2, kernelSize: 3, dilationRate: [2, 1] }, [1, 4, 5, 2], [1, 1], [2, 1], [8, 7]],
    ["quantConv3dTranspose", { filters: 2, kernelSize: 2, strides: 2, outputPadding: 1 }, [1, 2, 3, 2, 2], [2, 2, 2], [1, 1, 1], [5, 7, 5]],
    [
      "quantConv3dTranspose",
      { filters: 2, kernelSize: 3, strides: [2, 1, 2], padding: "same" },
      [1, 2, 3, 2, 2],
      [2, 1, 2],
      [1, 1, 1],
      [4, 3, 4],
    ],
  ];
  for (const [factory, args, shape, strides, dilation, outSpatial] of TRANSPOSE_CASES) {
    it(`${factory}(${JSON.stringify(args)}) equals a slow JS transposed convolution`, () => {
      const x = tensorOf(shape, 8);
      const q = L[factory]({ ...args, inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", useBias: false });
      const ws = buildWithWeights(q, x, 80);
      const ref = slowConvTranspose(
        lq.math.sign(x).dataSync(),
        shape,
        lq.math.sign(ws[0]).dataSync(),
        ws[0].shape,
        outSpatial,
        strides,
        dilation,
        (args.padding as string) ?? "valid",
      );
      const y = q.apply(x) as tf.Tensor;
      assert.deepEqual(y.shape, ref.shape);
      assertClose(y, Array.from(ref.data), 1e-4);
      if (dilation.every((d) => d === 1)) {
        // Gradient w.r.t. the latent kernel: the slow reference gradient where |w| <= 1, else 0.
        const coeff = tensorOf(y.shape, 9);
        const kernel = q.getWeights()[0] as tf.Variable;
        const { grads } = tf.variableGrads(() => tf.sum(tf.mul(q.apply(x) as tf.Tensor, coeff)) as tf.Scalar, [kernel]);
        const gRef = slowConvTransposeKernelGrad(
          lq.math.sign(x).dataSync(),
          shape,
          coeff.dataSync(),
          outSpatial,
          ws[0].shape,
          strides,
          (args.padding as string) ?? "valid",
        );
        const w = ws[0].dataSync();
        assertClose(
          grads[kernel.name],
          Array.from(gRef, (v, i) => (Math.abs(w[i]) <= 1 ? v : 0)),
          1e-4,
          "kernel gradient",
        );
      }
    });
  }

  // (g) Bad arguments throw errors naming the argument and the value received.
  const BAD: Array<[string, Args, RegExp]> = [
    ["quantDense", { units: 0 }, /units.*0/],
    ["quantDense", { units: 2.5 }, /units.*2\.5/],
    ["quantConv2d", { filters: 0, kernelSize: 3 }, /filters.*0/],
    ["quantConv2d", { filters: 2 }, /kernelSize.*undefined/],
    ["quantConv2d", { filters: 2, kernelSize: 0 }, /kernelSize.*0/],
    ["quantConv2d", { filters: 2, kernelSize: [3, 3, 3] }, /kernelSize.*\[3,3,3\]/],
    ["quantConv2d", { filters: 2, kernelSize: 3, strides: 0 }, /strides.*0/],
    ["quantConv2d", { filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 }, /strides.*dilationRate.*2/],
    ["quantConv2d", { filters: 2, kernelSize: 3, padding: "full" }, /padding.*"full"/],
    ["quantConv2d", { filters: 2, kernelSize: 3, padding: "causal" }, /padding.*"causal"/],
    ["quantConv2d", { filters: 2, kernelSize: 3, dataFormat: "NHWC" }, /dataFormat.*"NHWC"/],
    ["quantConv2d", { filters: 2, kernelSize: 3, padValues: "one" }, /padValues.*"one"/],
    ["quantConv2d", { filters: 2, kernelSize: 3, inputQuantizer: "ste_sgn" }, /quantizer.*"ste_sgn"/i],
    ["quantConv2d", { filters: 2, kernelSize: 3, depthwiseQuantizer: "ste_sign" }, /depthwiseQuantizer.*ste_sign/],
    ["quantConv2d", { filters: 2, kernelSize: 3, metrics: "flip_ratio" }, /metrics.*"flip_ratio"/],
    ["quantConv1d", { filters: 2, kernelSize: 3, padding: "causal", padValues: 1 }, /padValues.*1/],
    ["quantConv1d", { filters: 2, kernelSize: 3, dilationRate: -1 }, /dilationRate.*-1/],
    ["quantDepthwiseConv2d", { kernelSize: 3, depthMultiplier: 0 }, /depthMultiplier.*0/],
    ["quantSeparableConv2d", { filters: -1, kernelSize: 3 }, /filters.*-1/],
    ["quantConv2dTranspose", { filters: 2, kernelSize: 3, strides: 2, outputPadding: 2 }, /outputPadding.*2/],
    ["quantConv2dTranspose", { filters: 2, kernelSize: 3, outputPadding: -1 }, /outputPadding.*-1/],
    ["quantConv3dTranspose", { filters: 2, kernelSize: [2, 2] }, /kernelSize.*\[2,2\]/],
    ["quantConv2d", { filters: 3, kernelSize: 3, groups: 2 }, /groups.*divides filters \(3\).*2/],
    ["quantConv2dTranspose", { filters: 2, kernelSize: 3, groups: 2 }, /groups.*no grouped form.*2/],
  ];
  for (const [factory, args, pattern] of BAD) {
    it(`(g) ${factory}(${JSON.stringify(args)}) throws ${pattern}`, () => {
      assert.throws(() => L[factory](args), pattern);
    });
  }

  it("default names and weight names follow Keras: quant_conv2d, quant_conv2d_1, …", () => {
    const a = lq.layers.quantDepthwiseConv2d({ kernelSize: 1 });
    const b = lq.layers.quantDepthwiseConv2d({ kernelSize: 1 });
    const m = /^quant_depthwise_conv2d(?:_(\d+))?$/.exec(a.name);
    assert.ok(m, a.name);
    assert.equal(b.name, `quant_depthwise_conv2d_${m[1] === undefined ? 1 : Number(m[1]) + 1}`);
    assert.equal(lq.layers.quantConv2dTranspose({ filters: 1, kernelSize: 1 }).name.replace(/_\d+$/, ""), "quant_conv2d_transpose");
    assert.equal(lqi.layers.uniqueLayerName("QuantSeparableConv2DProbe"), "quant_separable_conv2d_probe");
    assert.equal(lqi.layers.uniqueLayerName("QuantSeparableConv2DProbe"), "quant_separable_conv2d_probe_1");
    const named = lq.layers.quantDense({ units: 1, name: "mine" });
    tf.dispose(named.apply(tf.ones([1, 2])) as tf.Tensor);
    assert.deepEqual(
      named.weights.map((w) => w.name),
      ["mine/kernel", "mine/bias"],
    );
  });

  it("constraints accept weight_clip; kernels default to glorotUniform; pointwiseInitializer is honoured", () => {
    const conv = lq.layers.quantConv2d({ filters: 1, kernelSize: 1, kernelConstraint: "weight_clip", biasConstraint: "nonNeg" });
    const config = conv.getConfig() as Record<string, any>;
    assert.equal(config.kernelConstraint.className, "WeightClip");
    assert.equal(config.kernelConstraint.config.clipValue, 1);
    assert.equal(config.biasConstraint.className, "NonNeg");
    assert.equal(config.kernelInitializer.className, "VarianceScaling");
    assert.equal(config.kernelInitializer.config.distribution, "uniform");
    const sep = lq.layers.quantSeparableConv2d({
      filters: 2,
      kernelSize: 1,
      pointwiseInitializer: "ones",
      depthwiseConstraint: "weight_clip",
    });
    tf.dispose(sep.apply(tf.ones([1, 2, 2, 3])) as tf.Tensor);
    assertClose(sep.getWeights()[1], new Array(6).fill(1), 0, "pointwise kernel initialised with ones");
    const sepConfig = sep.getConfig() as Record<string, any>;
    assert.equal(sepConfig.pointwiseInitializer.className, "Ones");
    assert.equal(sepConfig.depthwiseConstraint.className, "WeightClip");
    assert.equal(sepConfig.depthMultiplier, 1);
    const dw = lq.layers.quantDepthwiseConv2d({ kernelSize: 1, depthwiseConstraint: "weight_clip" });
    assert.equal((dw.getConfig() as Record<string, any>).depthwiseConstraint.className, "WeightClip");
    assert.equal(
      (lq.layers.quantConv1d({ filters: 1, kernelSize: 1, dataFormat: "channels_first" }).getConfig() as Args).dataFormat,
      "channelsFirst",
    );
  });

  it('loads camelCased Keras forms: "steSign" strings and {className, config} quantizers', () => {
    const layer = lq.layers.quantConv2d({
      filters: 2,
      kernelSize: 3,
      inputQuantizer: "steSign",
      kernelQuantizer: { className: "SteSign", config: { clipValue: 0.5, name: "q", trainable: true, dtype: "float32" } },
      kernelConstraint: { className: "WeightClip", config: { clipValue: 0.5 } },
    } as never);
    const kq = layer.kernelQuantizer as lq.quantizers.SteSign;
    assert.ok(kq instanceof lq.quantizers.SteSign);
    assert.equal(kq.clipValue, 0.5);
    assert.equal(lqi.quantizers.precisionOf(layer.inputQuantizer), 1);
  });

  it("starved-weights warnings follow larq: every binary weight quantizer without its constraint is named", () => {
    const warnings: string[] = [];
    const original = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args.join(" "));
    const warned = (make: () => unknown): string[] => {
      lqi.layers.resetStarvedWeightsWarning();
      warnings.length = 0;
      make();
      return [...warnings];
    };
    try {
      // larq's TestLayerWarns, case by case.
      const dense = warned(() => lq.layers.quantDense({ units: 5, kernelQuantizer: "ste_sign" }));
      assert.equal(dense.length, 1);
      assert.match(dense[0], /starved/);
      assert.match(dense[0], /kernelConstraint/);
      assert.deepEqual(
        warned(() => lq.layers.quantDense({ units: 5, kernelQuantizer: "ste_sign", kernelConstraint: "weight_clip" })),
        [],
      );
      const depthwise = warned(() => lq.layers.quantDepthwiseConv2d({ kernelSize: 5, depthwiseQuantizer: "ste_sign" }));
      assert.equal(depthwise.length, 1);
      assert.match(depthwise[0], /depthwiseConstraint/);
      assert.deepEqual(
        warned(() => lq.layers.quantDepthwiseConv2d({ kernelSize: 5, depthwiseQuantizer: "ste_sign", depthwiseConstraint: "weight_clip" })),
        [],
      );
      for (const factory of ["quantSeparableConv1d", "quantSeparableConv2d"]) {
        const both = warned(() =>
          L[factory]({ filters: 3, kernelSize: 3, depthwiseQuantizer: "ste_sign", pointwiseQuantizer: "ste_sign" }),
        );
        assert.equal(both.length, 1, factory);
        assert.match(both[0], /depthwiseConstraint/, factory);
        assert.match(both[0], /pointwiseConstraint/, factory);
        const pointwise = warned(() =>
          L[factory]({
            filters: 3,
            kernelSize: 3,
            depthwiseQuantizer: "ste_sign",
            depthwiseConstraint: "weight_clip",
            pointwiseQuantizer: "ste_sign",
          }),
        );
        assert.equal(pointwise.length, 1, factory);
        assert.match(pointwise[0], /pointwiseConstraint/);
        assert.doesNotMatch(pointwise[0], /depthwiseConstraint/);
        const depthwiseOnly = warned(() =>
          L[factory]({
            filters: 3,
            kernelSize: 3,
            depthwiseQuantizer: "ste_sign",
            pointwiseQuantizer: "ste_sign",
            pointwiseConstraint: "weight_clip",
          }),
        );
        assert.match(depthwiseOnly[0], /depthwiseConstraint/);
        assert.doesNotMatch(depthwiseOnly[0], /pointwiseConstraint/);
        const none = warned(() =>
          L[factory]({
            filters: 3,
            kernelSize: 3,
            depthwiseQuantizer: "ste_sign",
            pointwiseQuantizer: "ste_sign",
            depthwiseConstraint: "weight_clip",
            pointwiseConstraint: "weight_clip",
          }),
        );
        assert.deepEqual(none, [], factory);
      }
      // Only binary quantizers count (larq's _is_binary: precision 1 and not NoOp); input quantizers never do.
      assert.deepEqual(
        warned(() => lq.layers.quantDense({ units: 1, kernelQuantizer: new lq.quantizers.NoOp({ precision: 1 }) })),
        [],
      );
      assert.deepEqual(
        warned(() => lq.layers.quantDense({ units: 1, kernelQuantizer: "ste_tern" })),
        [],
      );
      assert.deepEqual(
        warned(() => lq.layers.quantConv2d({ filters: 1, kernelSize: 1, inputQuantizer: "ste_sign" })),
        [],
      );
      // Each distinct set of names is logged once per process.
      lqi.layers.resetStarvedWeightsWarning();
      warnings.length = 0;
      lq.layers.quantDense({ units: 1, kernelQuantizer: "ste_sign" });
      lq.layers.quantConv2d({ filters: 1, kernelSize: 1, kernelQuantizer: "approx_sign" });
      assert.equal(warnings.length, 1);
      lq.layers.quantSeparableConv2d({ filters: 1, kernelSize: 1, depthwiseQuantizer: "ste_sign", pointwiseQuantizer: "ste_sign" });
      assert.equal(warnings.length, 2);
    } finally {
      console.warn = original;
    }
  });

  it("trains inside a model: fit updates the latent kernel of a binary QuantConv2D + QuantDense", async () => {
    const input = tfl.input({ shape: [5, 5, 1] });
    let h = lq.layers
      .quantConv2d({ filters: 2, kernelSize: 3, kernelQuantizer: "ste_sign", kernelConstraint: "weight_clip" })
      .apply(input) as tfl.SymbolicTensor;
    h = tfl.layers.flatten().apply(h) as tfl.SymbolicTensor;
    const out = lq.layers
      .quantDense({ units: 1, inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", kernelConstraint: "weight_clip" })
      .apply(h) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    model.compile({ optimizer: tf.train.sgd(0.1), loss: "meanSquaredError" });
    const before = model.getWeights()[0].dataSync().slice();
    await model.fit(tensorOf([4, 5, 5, 1], 9), tensorOf([4, 1], 10), { epochs: 1, verbose: 0 });
    const after = model.getWeights()[0].dataSync();
    assert.ok(
      after.some((v, i) => v !== before[i]),
      "latent kernel changed",
    );
    assert.ok(size(model.getWeights()[0].shape) === 18);
  });
});
