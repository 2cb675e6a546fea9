/**
 * Conformance suite of the quantized layers that have a tfjs float counterpart.
 *
 * References are independent of the code under test: tfjs float layers (fed sign-ed inputs and
 * weights computed in the test), explicit tf.pad + "valid" float convolutions, kernels dilated in
 * plain JS, a slow JS transposed convolution, and closed-form output shapes.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import * as lqi from "../../src/internal.js";
import { assertClose, assertNoTensorLeak, useBackend } from "../helpers.js";
import { dilateJs, indices, offset, slowConvTransposeKernelGrad } from "./reference.js";

type AnyLayer = tfl.layers.Layer;
type Args = Record<string, unknown>;
const L = lq.layers as unknown as Record<string, (args: Args) => AnyLayer>;
const F = tfl.layers as unknown as Record<string, (args: Args) => AnyLayer>;

interface Case {
  name: string;
  /** lq factory and tfjs float factory names. */
  quant: string;
  float: string;
  args: Args;
  inputShape: number[];
  /** Indices (in getWeights order) of the quantized weights and their quantizer arguments. */
  quantized: number[];
  quantizerArgs: string[];
  className: string;
  weightNames: string[];
  /**
   * How (c) gets its reference gradient when the tfjs float layer has none: "dilated" — a float
   * layer with the kernel dilated in JS (tfjs has no gradient for dilated convolutions);
   * "slowTranspose" — the slow JS transposed convolution (no gradient for tfjs' conv3dTranspose).
   */
  gradRef?: "dilated" | "slowTranspose";
}

const KQ = ["kernelQuantizer"];
const CASES: Case[] = [
  {
    name: "QuantDense",
    quant: "quantDense",
    float: "dense",
    args: { units: 3 },
    inputShape: [2, 5],
    quantized: [0],
    quantizerArgs: KQ,
    className: "QuantDense",
    weightNames: ["kernel", "bias"],
  },
  {
    name: "QuantDense rank 3",
    quant: "quantDense",
    float: "dense",
    args: { units: 3 },
    inputShape: [2, 3, 5],
    quantized: [0],
    quantizerArgs: KQ,
    className: "QuantDense",
    weightNames: ["kernel", "bias"],
  },
  {
    name: "QuantConv1D",
    quant: "quantConv1d",
    float: "conv1d",
    args: { filters: 3, kernelSize: 3, strides: 2, padding: "same" },
    inputShape: [2, 7, 2],
    quantized: [0],
    quantizerArgs: KQ,
    className: "QuantConv1D",
    weightNames: ["kernel", "bias"],
  },
  {
    name: "QuantConv2D",
    quant: "quantConv2d",
    float: "conv2d",
    args: { filters: 3, kernelSize: [3, 2], strides: [2, 1], padding: "same" },
    inputShape: [2, 5, 7, 2],
    quantized: [0],
    quantizerArgs: KQ,
    className: "QuantConv2D",
    weightNames: ["kernel", "bias"],
  },
  {
    name: "QuantConv2D dilated",
    quant: "quantConv2d",
    float: "conv2d",
    args: { filters: 2, kernelSize: 3, dilationRate: 2, activation: "relu" },
    inputShape: [1, 7, 6, 2],
    quantized: [0],
    quantizerArgs: KQ,
    className: "QuantConv2D",
    weightNames: ["kernel", "bias"],
    gradRef: "dilated",
  },
  {
    name: "QuantConv3D",
    quant: "quantConv3d",
    float: "conv3d",
    args: { filters: 2, kernelSize: 2, padding: "same" },
    inputShape: [1, 3, 4, 5, 2],
    quantized: [0],
    quantizerArgs: KQ,
    className: "QuantConv3D",
    weightNames: ["kernel", "bias"],
  },
  {
    name: "QuantConv2DTranspose",
    quant: "quantConv2dTranspose",
    float: "conv2dTranspose",
    args: { filters: 3, kernelSize: 3, strides: 2, padding: "same" },
    inputShape: [2, 3, 4, 2],
    quantized: [0],
    quantizerArgs: KQ,
    className: "QuantConv2DTranspose",
    weightNames: ["kernel", "bias"],
  },
  {
    name: "QuantConv2DTranspose valid",
    quant: "quantConv2dTranspose",
    float: "conv2dTranspose",
    args: { filters: 2, kernelSize: [3, 2], strides: [2, 1] },
    inputShape: [1, 3, 4, 2],
    quantized: [0],
    quantizerArgs: KQ,
    className: "QuantConv2DTranspose",
    weightNames: ["kernel", "bias"],
  },
  {
    name: "QuantConv3DTranspose",
    quant: "quantConv3dTranspose",
    float: "conv3dTranspose",
    args: { filters: 2, kernelSize: 2, strides: 2 },
    inputShape: [1, 2, 3, 2, 2],
    quantized: [0],
    quantizerArgs: KQ,
    className: "QuantConv3DTranspose",
    weightNames: ["kernel", "bias"],
    gradRef: "slowTranspose",
  },
  {
    name: "QuantDepthwiseConv2D",
    quant: "quantDepthwiseConv2d",
    float: "depthwiseConv2d",
    args: { kernelSize: 3, depthMultiplier: 2, strides: 2, padding: "same" },
    inputShape: [2, 5, 6, 3],
    quantized: [0],
    quantizerArgs: ["depthwiseQuantizer"],
    className: "QuantDepthwiseConv2D",
    weightNames: ["depthwise_kernel", "bias"],
  },
  {
    name: "QuantSeparableConv2D",
    quant: "quantSeparableConv2d",
    float: "separableConv2d",
    args: { filters: 4, kernelSize: 3, depthMultiplier: 2, padding: "same" },
    inputShape: [2, 5, 6, 3],
    quantized: [0, 1],
    quantizerArgs: ["depthwiseQuantizer", "pointwiseQuantizer"],
    className: "QuantSeparableConv2D",
    weightNames: ["depthwise_kernel", "pointwise_kernel", "bias"],
  },
];

/** Deterministic pseudo-random values in (-1.5, 1.5) away from 0 (so that signs are unambiguous). */
function values(n: number, seed: number): number[] {
  const out: number[] = [];
  let s = seed * 9301 + 49297;
  for (let i = 0; i < n; i++) {
    s = (s * 9301 + 49297) % 233280;
    const u = s / 233280;
    const v = (u - 0.5) * 3;
    out.push(Math.abs(v) < 0.05 ? 0.3 : v);
  }
  return out;
}

function tensorOf(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(
    values(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );
}

const signJs = (v: number) => (v < 0 ? -1 : 1);

function quantArgs(c: Case, quantizer: string | null): Args {
  const args: Args = { ...c.args, inputQuantizer: quantizer };
  for (const key of c.quantizerArgs) args[key] = quantizer;
  return args;
}

/** Builds a layer on a concrete input and returns its weights (the latent variables). */
function build(layer: AnyLayer, x: tf.Tensor): void {
  tf.dispose(layer.apply(x) as tf.Tensor);
}

/** Sets deterministic weights (some |w| > 1) on the quant layer; returns them as plain arrays. */
function setWeights(layer: AnyLayer, seed: number): tf.Tensor[] {
  const ws = layer.getWeights().map((w, i) => tensorOf(w.shape, seed + i));
  layer.setWeights(ws);
  return ws;
}

describe("quantized layers: conformance with the tfjs float layers", () => {
  before(() => useBackend("cpu"));

  for (const c of CASES) {
    describe(c.name, () => {
      it("(a) without quantizers equals the float layer with the same weights", () => {
        const x = tensorOf(c.inputShape, 1);
        const q = L[c.quant](quantArgs(c, null));
        const f = F[c.float](c.args);
        build(q, x);
        build(f, x);
        const ws = setWeights(q, 10);
        f.setWeights(ws);
        assertClose(q.apply(x) as tf.Tensor, f.apply(x) as tf.Tensor, 1e-5, c.name);
        assert.equal(q.getClassName(), c.className);
      });

      it("(b) with ste_sign equals the float layer on sign(x) with sign(kernels)", () => {
        const x = tensorOf(c.inputShape, 2);
        const q = L[c.quant](quantArgs(c, "ste_sign"));
        const f = F[c.float](c.args);
        build(q, x);
        build(f, x);
        const ws = setWeights(q, 20);
        f.setWeights(ws.map((w, i) => (c.quantized.includes(i) ? lq.math.sign(w) : w)));
        const y = q.apply(x) as tf.Tensor;
        const ref = f.apply(lq.math.sign(x)) as tf.Tensor;
        assertClose(y, ref, 1e-5, c.name);
        // Inputs away from ±0 so the result really depends on the quantization.
        const plain = f.apply(x) as tf.Tensor;
        assert.ok(Math.max(...tf.abs(tf.sub(plain, ref)).dataSync()) > 1e-3, "test would not detect missing quantization");
      });

      it("(c) gradients reach the latent kernels and are zero where |w| > 1", () => {
        const x = tensorOf(c.inputShape, 3);
        const q = L[c.quant](quantArgs(c, "ste_sign"));
        const f = F[c.float](c.args);
        build(q, x);
        build(f, x);
        const ws = setWeights(q, 30);
        f.setWeights(ws.map((w, i) => (c.quantized.includes(i) ? lq.math.sign(w) : w)));
        const outShape = (q.apply(x) as tf.Tensor).shape;
        const coeff = tensorOf(outShape, 4);
        const latent = q.getWeights() as tf.Variable[];
        const g = tf.variableGrads(() => tf.sum(tf.mul(q.apply(x) as tf.Tensor, coeff)) as tf.Scalar, latent);
        const sx = lq.math.sign(x);
        const refGrads: Array<ArrayLike<number>> = [];
        if (c.gradRef === "slowTranspose") {
          const wShape = ws[0].shape;
          refGrads[0] = slowConvTransposeKernelGrad(
            sx.dataSync(),
            sx.shape,
            coeff.dataSync(),
            outShape.slice(1, -1),
            wShape,
            [2, 2, 2],
            "valid",
          );
        } else if (c.gradRef === "dilated") {
          // Float layer with the kernel dilated in JS and no dilation: same forward, differentiable in tfjs.
          const dil = [2, 2];
          const dk = dilateJs(lq.math.sign(ws[0]).dataSync(), ws[0].shape, dil);
          const fd = F[c.float]({ ...c.args, dilationRate: 1, kernelSize: dk.shape.slice(0, 2) });
          build(fd, x);
          fd.setWeights([tf.tensor(dk.data, dk.shape), ws[1]]);
          const vars = fd.getWeights() as tf.Variable[];
          const gd = tf.variableGrads(() => tf.sum(tf.mul(fd.apply(sx) as tf.Tensor, coeff)) as tf.Scalar, vars);
          const full = gd.grads[vars[0].name].dataSync();
          refGrads[0] = Array.from(
            indices(ws[0].shape),
            (idx) =>
              full[
                offset(
                  dk.shape,
                  idx.map((v, j) => (j < 2 ? v * dil[j] : v)),
                )
              ],
          );
        } else {
          const floatVars = f.getWeights() as tf.Variable[];
          const gRef = tf.variableGrads(() => tf.sum(tf.mul(f.apply(sx) as tf.Tensor, coeff)) as tf.Scalar, floatVars);
          for (const i of c.quantized) refGrads[i] = gRef.grads[floatVars[i].name].dataSync();
        }
        for (const i of c.quantized) {
          const w = ws[i].dataSync();
          const got = g.grads[latent[i].name].dataSync();
          const ref = refGrads[i];
          let nonzero = 0;
          for (let j = 0; j < w.length; j++) {
            const expected = Math.abs(w[j]) <= 1 ? ref[j] : 0;
            assert.ok(
              Math.abs(got[j] - expected) <= 1e-4 * (1 + Math.abs(expected)),
              `${c.name} weight ${i} grad ${j}: ${got[j]} != ${expected}`,
            );
            if (Math.abs(w[j]) > 1) assert.equal(got[j], 0);
            if (got[j] !== 0) nonzero++;
          }
          assert.ok(nonzero > 0, "some gradient must be non-zero");
          assert.ok(
            w.some((v) => Math.abs(v) > 1),
            "test needs weights outside the clip range",
          );
        }
      });

      it("(f) getWeights inside quantizedScope(true) returns ±1 kernels, latent ones outside", () => {
        const x = tensorOf(c.inputShape, 5);
        const q = L[c.quant]({ ...quantArgs(c, "ste_sign") });
        build(q, x);
        const ws = setWeights(q, 50);
        const quantized = lq.context.quantizedScope(true, () => q.getWeights());
        quantized.forEach((w, i) => {
          const expected = c.quantized.includes(i) ? Array.from(ws[i].dataSync(), signJs) : Array.from(ws[i].dataSync());
          assertClose(w, expected, 0, `weight ${i}`);
        });
        q.getWeights().forEach((w, i) => assertClose(w, ws[i], 0, `latent weight ${i}`));
        for (const i of c.quantized) {
          const v = q.weights[i] as unknown as { precision: number; quantizer: unknown };
          assert.equal(v.precision, 1);
          assert.equal(lqi.layers.weightPrecision(q.weights[i]), 1);
          assert.ok(v.quantizer !== null);
        }
        assert.equal(lqi.layers.weightPrecision(q.weights[q.weights.length - 1]), 32);
        assert.ok(lqi.layers.isQuantizedLayer(q));
        assert.ok(!lqi.layers.isQuantizedLayer(F[c.float](c.args)));
      });

      it("(h) getConfig has larq's keys; fromConfig and JSON model round trips predict identically", async () => {
        const x = tensorOf(c.inputShape, 6);
        const q = L[c.quant]({
          ...quantArgs(c, "ste_sign"),
          ...Object.fromEntries(c.quantizerArgs.map((k) => [k.replace("Quantizer", "Constraint"), "weight_clip"])),
        });
        build(q, x);
        setWeights(q, 60);
        const config = q.getConfig();
        for (const key of ["inputQuantizer", ...c.quantizerArgs]) assert.ok(key in config, `missing ${key}`);
        const cls = tf.serialization.SerializationMap.getMap().classNameMap[c.className];
        assert.ok(cls, `${c.className} is registered`);
        const copy = new (cls[0] as unknown as new (a: unknown) => AnyLayer)({ ...config, name: undefined });
        build(copy, x);
        copy.setWeights(q.getWeights());
        assertClose(copy.apply(x) as tf.Tensor, q.apply(x) as tf.Tensor, 0, "fromConfig");
        // Model JSON round trip: tfjs snake-cases keys when writing and camel-cases keys and string values when reading.
        const input = tfl.input({ shape: c.inputShape.slice(1) });
        const layer = L[c.quant]({ ...quantArgs(c, "ste_sign") });
        const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
        model.setWeights(q.getWeights());
        const json = model.toJSON(null, false) as object;
        const loaded = await tfl.models.modelFromJSON({ modelTopology: json } as never);
        loaded.setWeights(model.getWeights());
        assertClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, 0, "model JSON");
        assertClose(model.predict(x) as tf.Tensor, q.apply(x) as tf.Tensor, 1e-6, "model vs layer");
        assert.equal(loaded.layers[1].getClassName(), c.className);
        const exported = lq.context.quantizedScope(true, () => loaded.getWeights());
        for (const i of c.quantized)
          assertClose(exported[i], Array.from(model.getWeights()[i].dataSync(), signJs), 0, "model.getWeights in quantizedScope");
        assert.deepEqual(
          model.weights.map((w) => w.name),
          c.weightNames.map((n) => `${layer.name}/${n}`),
        );
      });

      it("(i) no tensor leaks across predict and gradient calls", () => {
        const x = tensorOf(c.inputShape, 7);
        const q = L[c.quant](quantArgs(c, "ste_sign"));
        build(q, x);
        const vars = q.getWeights() as tf.Variable[];
        assertNoTensorLeak(() => {
          tf.dispose(q.apply(x) as tf.Tensor);
          const { value, grads } = tf.variableGrads(() => tf.sum(q.apply(x) as tf.Tensor) as tf.Scalar, vars);
          tf.dispose([value, ...Object.values(grads)]);
          // Only the quantized weights are new tensors; the others are the layer's own variables.
          const read = lq.context.quantizedScope(true, () => q.getWeights());
          tf.dispose(read.filter((_, i) => c.quantized.includes(i)));
        }, 3);
      });
    });
  }
});
