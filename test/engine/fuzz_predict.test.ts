/**
 * Seeded grid + fuzz of `lq.engine.convert` against `model.predict` (tfjs cpu backend): 2,000+ random small models
 * over every layer kind and chain the converter supports, each run on the scalar GEMM kernel, the SIMD GEMM kernel
 * the no-SIMD module and a 2-thread engine that splits every kernel call (the last three load the first one's
 * saved file, so save/load is covered too).
 *
 * Exactness: the generator tracks, per value, whether the engine must reproduce tfjs bit for bit:
 * - the input holds dyadic values with exact zeros (−0 too); float conv / depthwise / dense weights and all
 *   biases are multiples of 1/8, so their float32 sums are exact in any order as long as they stay below
 *   2^24 units of the finest step (tracked);
 * - binary layers give exact integer dots; their sign after a BN / clamp / max-pool / flatten chain must be the
 *   sign tfjs computes (the converter's claim), whatever the chain's float rounding;
 * - batch norm (double arithmetic as the tfjs cpu kernel), max / average / global pooling, relu / relu6 /
 *   hard_tanh / PReLU, add, concat, flatten and dropout keep a value exact (average pooling, global average
 *   pooling and batch norm end "dyadic" exactness, so a later float conv is no longer order-independent);
 * - a binary layer's float output with a BN folded into it, MagnitudeAwareSign kernels, transcendental
 *   activations and order-dependent float sums are inexact: after one, no binary layer is generated (a sign
 *   of a value that differs in the last bit could flip), and the output is compared with the tolerance
 *   |engine − tfjs| ≤ 1e-4·(1 + max|tfjs|) + 1e-4·|tfjs| (a BN folded into a binary layer's float
 *   transform cancels m·dot against −m·mean: its error is relative to those terms, not to the result);
 * - MagnitudeAwareSign kernels: tfjs sums ±α terms in float32, which is not exactly α·dot; at dot = 0 it can give
 *   a tiny non-zero of either sign, so such a layer feeds a binary layer only when no dot can be 0 (odd K, no zero
 *   padding).
 * 15% of the models get 5% NaN inputs. Outputs flagged exact must be equal (Object.is, NaN = NaN). Set FUZZ_SEED / FUZZ_COUNT to rerun one range.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import { useBackend } from "../helpers.js";
import { prng } from "./forge.js";

type ST = tfl.SymbolicTensor;
type Rnd = () => number;

const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const COUNT = Number(process.env.FUZZ_COUNT ?? 2000);
const BLOCK = 100;
const CH = [1, 2, 3, 5, 31, 32, 33, 63, 64, 65];
const SMALL_CH = [1, 2, 3, 4, 7, 8];
const TOL = 1e-4;

/** Exactness bookkeeping of a value: `same` = tfjs's bits are reproducible; `dyadic` = exact in any order. */
interface Val {
  st: ST;
  shape: number[];
  same: boolean;
  /** log2 of the finest step and the largest magnitude, when every value is a multiple of 2^step. */
  dyadic: { step: number; max: number } | null;
  /** A binary layer's output chain whose float form is inexact when it has a BN or a MagnitudeAwareSign. */
  pending?: { inexactFloat: boolean; step: number; max: number; noSign?: boolean };
}

const pick = <T>(r: Rnd, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const chance = (r: Rnd, p: number) => r() < p;

class Gen {
  readonly desc: string[] = [];
  readonly binaryLayers = new Set<string>();
  readonly floatLayers = new Set<string>();
  readonly bnAfterBinary = new Set<string>();
  private n = 0;
  constructor(readonly r: Rnd) {}

  name(kind: string): string {
    return `${kind}_${this.n++}`;
  }

  /** Resolves a binary layer's pending output into a float value (its consumer is not binary). */
  asFloat(v: Val): Val {
    if (!v.pending) return v;
    const p = v.pending;
    return { st: v.st, shape: v.shape, same: !p.inexactFloat, dyadic: p.inexactFloat ? null : { step: p.step, max: p.max } };
  }

  /** Whether a binary layer may take `v` (its sign must be exactly tfjs's). */
  canBinarize(v: Val): boolean {
    return v.pending !== undefined ? !v.pending.noSign : v.same;
  }

  geometry(h: number, w: number): { kernelSize: number[]; strides: number[]; dilationRate: number[]; padding: "same" | "valid" } {
    const r = this.r;
    const kernelSize = [pick(r, [1, 2, 3]), pick(r, [1, 2, 3])];
    let strides = [1, 1];
    let dilationRate = [1, 1];
    const mode = r();
    if (mode < 0.3) strides = [pick(r, [1, 2]), pick(r, [1, 2, 3])];
    else if (mode < 0.5) dilationRate = [pick(r, [1, 2]), pick(r, [1, 2])];
    let padding: "same" | "valid" = chance(r, 0.5) ? "same" : "valid";
    const eff = kernelSize.map((k, i) => (k - 1) * dilationRate[i] + 1);
    if (eff[0] > h || eff[1] > w) padding = "same";
    return { kernelSize, strides, dilationRate, padding };
  }

  outHW(h: number, w: number, g: { kernelSize: number[]; strides: number[]; dilationRate: number[]; padding: string }): [number, number] {
    const f = (n: number, i: number) => {
      const eff = (g.kernelSize[i] - 1) * g.dilationRate[i] + 1;
      return g.padding === "same" ? Math.ceil(n / g.strides[i]) : Math.floor((n - eff) / g.strides[i]) + 1;
    };
    return [f(h, 0), f(w, 1)];
  }

  /** Binary QuantConv2D / QuantDense followed by a random foldable chain. */
  binary(v: Val, conv: boolean, filters?: number): Val {
    // With `filters` (residual / concat branches): 3×3 same, stride 1, and no pooling in the chain (size kept).
    const r = this.r;
    const name = this.name(conv ? "bconv" : "bdense");
    const units = filters ?? pick(r, CH);
    const inputQuantizer = pick(r, ["ste_sign", "ste_sign", "approx_sign", "swish_sign"]);
    const magnitude = chance(r, 0.15);
    const kernelQuantizer = magnitude ? "magnitude_aware_sign" : "ste_sign";
    const useBias = chance(r, 0.5);
    const activation = pick(r, ["linear", "linear", "linear", "relu", "hard_tanh"]);
    let st: ST;
    let shape: number[];
    let K: number;
    let d: string;
    let zeroPadded = false;
    if (conv) {
      const [h, w, c] = v.shape;
      const g = filters ? { kernelSize: [3, 3], strides: [1, 1], dilationRate: [1, 1], padding: "same" as const } : this.geometry(h, w);
      const padValues = pick(r, [0, 0, 1, -1]);
      zeroPadded = padValues === 0 && g.padding === "same";
      st = lq.layers
        .quantConv2d({ filters: units, ...g, padValues, useBias, activation, inputQuantizer, kernelQuantizer, name } as never)
        .apply(v.st) as ST;
      shape = [...this.outHW(h, w, g), units];
      K = g.kernelSize[0] * g.kernelSize[1] * c;
      d = `${name}(f${units} k${g.kernelSize} s${g.strides} d${g.dilationRate} ${g.padding} pv${padValues} ${inputQuantizer}/${kernelQuantizer} bias${+useBias} ${activation})`;
    } else {
      st = lq.layers.quantDense({ units, useBias, activation, inputQuantizer, kernelQuantizer, name } as never).apply(v.st) as ST;
      shape = [units];
      K = v.shape[0];
      d = `${name}(u${units} ${inputQuantizer}/${kernelQuantizer} bias${+useBias} ${activation})`;
    }
    this.binaryLayers.add(name);
    let hasBN = false;
    const chain: string[] = [];
    // Foldable chain: BN? MaxPool? BN? clamp?
    const addBN = () => {
      const bn = this.name("bn");
      st = tfl.layers.batchNormalization({ name: bn, center: chance(r, 0.85), scale: chance(r, 0.85) }).apply(st) as ST;
      this.bnAfterBinary.add(bn);
      hasBN = true;
      chain.push(bn);
    };
    if (chance(r, 0.6)) addBN();
    if (conv && filters === undefined && chance(r, 0.35)) {
      const ps = pick(r, [1, 2, 3]);
      const strides = pick(r, [1, 2, ps]);
      const padding = shape[0] < ps || shape[1] < ps || chance(r, 0.5) ? "same" : "valid";
      st = tfl.layers.maxPooling2d({ poolSize: ps, strides, padding, name: this.name("bpool") }).apply(st) as ST;
      shape = [
        ...this.outHW(shape[0], shape[1], { kernelSize: [ps, ps], strides: [strides, strides], dilationRate: [1, 1], padding }),
        units,
      ];
      chain.push(`maxpool${ps}/${strides}${padding}`);
      if (chance(r, 0.4)) addBN();
    }
    if (chance(r, 0.2)) {
      const act = pick(r, ["relu", "hard_tanh", "linear"]);
      st = tfl.layers.activation({ activation: act as never, name: this.name("act") }).apply(st) as ST;
      chain.push(act);
    }
    if (chance(r, 0.1)) st = tfl.layers.dropout({ rate: 0.5, name: this.name("drop") }).apply(st) as ST;
    this.desc.push(`${d}${chain.length ? ` → ${chain.join(" → ")}` : ""}`);
    const step = useBias ? -3 : 0;
    const noSign = magnitude && (zeroPadded || K % 2 === 0);
    return { st, shape, same: true, dyadic: null, pending: { inexactFloat: hasBN || magnitude, step, max: K + (useBias ? 2 : 0), noSign } };
  }

  /** Float Conv2D / DepthwiseConv2D / Dense / QuantConv2D with float input (sign kernel or sign input). */
  floatLayer(v0: Val, kind: "conv" | "depthwise" | "dense" | "signin" | "signkernel"): Val {
    const r = this.r;
    const v = this.asFloat(v0);
    const name = this.name(kind);
    const useBias = chance(r, 0.5);
    const activation = pick(r, ["linear", "linear", "linear", "relu", "relu", "relu6", "tanh", "sigmoid"]);
    let st: ST;
    let shape: number[];
    let K: number;
    let step = -3;
    const wmax = 1;
    let inStep = v.dyadic?.step ?? 0;
    let inMax = v.dyadic?.max ?? 0;
    let exactIn = v.same && v.dyadic !== null;
    let d: string;
    if (kind === "dense") {
      const units = pick(r, SMALL_CH);
      st = tfl.layers.dense({ units, useBias, activation: activation as never, name }).apply(v.st) as ST;
      shape = [units];
      K = v.shape[0];
      d = `${name}(u${units} bias${+useBias} ${activation})`;
    } else {
      const [h, w, c] = v.shape;
      const g = this.geometry(h, w);
      let [oh, ow] = this.outHW(h, w, g);
      if (kind === "depthwise") {
        const depthMultiplier = pick(r, [1, 2]);
        // tfjs-layers 4.22's DepthwiseConv2D ignores dilationRate in predict (Keras applies it; the engine does):
        // no dilation here, exactness.test.ts checks the engine's dilated depthwise against a tfjs-core oracle.
        g.dilationRate = [1, 1];
        if (g.kernelSize[0] > h || g.kernelSize[1] > w) g.padding = "same";
        [oh, ow] = this.outHW(h, w, g);
        st = tfl.layers
          .depthwiseConv2d({
            kernelSize: g.kernelSize,
            strides: g.strides,
            dilationRate: g.dilationRate,
            padding: g.padding,
            depthMultiplier,
            useBias,
            activation: activation as never,
            name,
          } as never)
          .apply(v.st) as ST;
        shape = [oh, ow, c * depthMultiplier];
        K = g.kernelSize[0] * g.kernelSize[1];
      } else {
        const filters = pick(r, SMALL_CH);
        const args = { filters, ...g, useBias, activation, name };
        if (kind === "conv") st = tfl.layers.conv2d(args as never).apply(v.st) as ST;
        else if (kind === "signkernel") {
          st = lq.layers.quantConv2d({ ...args, kernelQuantizer: "ste_sign" } as never).apply(v.st) as ST;
          step = 0;
        } else {
          // sign input, float kernel: needs a reproducible sign of the input.
          st = lq.layers.quantConv2d({ ...args, inputQuantizer: "ste_sign", padValues: pick(r, [0, 1, -1]) } as never).apply(v.st) as ST;
          exactIn = true;
          inStep = 0;
          inMax = 1;
        }
        shape = [oh, ow, filters];
        K = g.kernelSize[0] * g.kernelSize[1] * c;
      }
      d = `${name}(${shape} k${g.kernelSize} s${g.strides} d${g.dilationRate} ${g.padding} bias${+useBias} ${activation})`;
    }
    this.floatLayers.add(name);
    this.desc.push(d);
    const outStep = useBias ? Math.min(inStep + step, -3) : inStep + step;
    const outMax = inMax * wmax * K + (useBias ? 2 : 0);
    const exact = exactIn && outMax / 2 ** outStep < 2 ** 24;
    const transcendental = activation === "tanh" || activation === "sigmoid";
    return { st, shape, same: exact && !transcendental, dyadic: exact && !transcendental ? { step: outStep, max: outMax } : null };
  }

  bn(v0: Val): Val {
    const v = this.asFloat(v0);
    const name = this.name("fbn");
    this.desc.push(name);
    // Right after a binary layer the converter folds this BN into the layer's float transform: inexact.
    if (v0.pending) this.bnAfterBinary.add(name);
    return { st: tfl.layers.batchNormalization({ name }).apply(v.st) as ST, shape: v.shape, same: v.same && !v0.pending, dyadic: null };
  }

  pool(v0: Val, kind: "max" | "avg"): Val {
    const r = this.r;
    const v = this.asFloat(v0);
    const [h, w, c] = v.shape;
    const ps = [pick(r, [1, 2, 3]), pick(r, [1, 2, 3])];
    const strides = [pick(r, [1, 2, 3]), pick(r, [1, 2])];
    let padding: "same" | "valid" = chance(r, 0.5) ? "same" : "valid";
    if (ps[0] > h || ps[1] > w) padding = "same";
    const name = this.name(`${kind}pool`);
    const args = { poolSize: ps, strides, padding, name };
    const st = (kind === "max" ? tfl.layers.maxPooling2d(args as never) : tfl.layers.averagePooling2d(args as never)).apply(v.st) as ST;
    this.desc.push(`${name}(p${ps} s${strides} ${padding})`);
    const shape = [...this.outHW(h, w, { kernelSize: ps, strides, dilationRate: [1, 1], padding }), c];
    return { st, shape, same: v.same, dyadic: kind === "max" ? v.dyadic : null };
  }

  activation(v0: Val): Val {
    const r = this.r;
    const v = this.asFloat(v0);
    const name = this.name("act");
    const kind = pick(r, [
      "relu",
      "relu6",
      "hard_tanh",
      "prelu",
      "leaky",
      "relu",
      "relu6",
      "hard_tanh",
      "prelu",
      "leaky",
      "tanh",
      "sigmoid",
      "elu",
      "softplus",
      "softmax",
    ]);
    let layer: { apply(x: ST): unknown };
    if (kind === "relu6") layer = tfl.layers.reLU({ maxValue: 6, name });
    else if (kind === "prelu") layer = tfl.layers.prelu({ name });
    else if (kind === "leaky") layer = tfl.layers.leakyReLU({ alpha: 0.25, name });
    else if (kind === "elu") layer = tfl.layers.elu({ name });
    else layer = tfl.layers.activation({ activation: kind as never, name });
    this.desc.push(`${name}(${kind})`);
    const exactKind = ["relu", "relu6", "hard_tanh", "prelu", "leaky"].includes(kind);
    const dy = exactKind && v.dyadic ? { step: v.dyadic.step - (kind === "prelu" || kind === "leaky" ? 3 : 0), max: v.dyadic.max } : null;
    return { st: layer.apply(v.st) as ST, shape: v.shape, same: v.same && exactKind, dyadic: dy };
  }

  /** x + f(x) or concat(x, f(x)) with a shape-preserving branch. */
  merge(v0: Val, kind: "add" | "concat"): Val {
    const r = this.r;
    const v = this.asFloat(v0);
    const [h, w, c] = v.shape;
    let b: Val;
    if (kind === "add") {
      if (this.canBinarize(v) && chance(r, 0.6)) b = this.asFloat(this.binary(v, true, c));
      else {
        const name = this.name("rconv");
        const st = tfl.layers
          .conv2d({ filters: c, kernelSize: pick(r, [1, 3]), padding: "same", useBias: chance(r, 0.5), name })
          .apply(v.st) as ST;
        this.floatLayers.add(name);
        this.desc.push(`${name}(residual)`);
        const ok = v.same && v.dyadic !== null && (v.dyadic.max * 9 * c + 2) / 2 ** (v.dyadic.step - 3) < 2 ** 24;
        b = { st, shape: v.shape, same: ok, dyadic: ok ? { step: v.dyadic!.step - 3, max: v.dyadic!.max * 9 * c + 2 } : null };
      }
    } else {
      b = this.canBinarize(v) && chance(r, 0.5) ? this.asFloat(this.binary(v, true, pick(r, CH))) : this.pool({ ...v, st: v.st }, "max");
      if (b.shape[0] !== h || b.shape[1] !== w) {
        // The pool changed the size: concatenate the pooled value with itself instead.
        const name = this.name("concat");
        this.desc.push(`${name}(self)`);
        return {
          st: tfl.layers.concatenate({ name }).apply([b.st, b.st]) as ST,
          shape: [b.shape[0], b.shape[1], 2 * b.shape[2]],
          same: b.same,
          dyadic: b.dyadic,
        };
      }
    }
    const name = this.name(kind);
    this.desc.push(`${name}`);
    const dyadic = v.dyadic && b.dyadic ? { step: Math.min(v.dyadic.step, b.dyadic.step), max: v.dyadic.max + b.dyadic.max } : null;
    const sameAdd = v.same && b.same && (kind === "concat" || (dyadic !== null && dyadic.max / 2 ** dyadic.step < 2 ** 24));
    const st = (kind === "add" ? tfl.layers.add({ name }) : tfl.layers.concatenate({ name })).apply([v.st, b.st]) as ST;
    return {
      st,
      shape: kind === "add" ? v.shape : [h, w, c + b.shape[2]],
      same: sameAdd,
      dyadic: kind === "add" && !sameAdd ? null : dyadic,
    };
  }

  /** Rank 3 → rank 1: Flatten (keeps a binary layer's pending chain), global average or max pooling. */
  toVector(v: Val): Val {
    const r = this.r;
    const u = r();
    if (u < 0.6) {
      const name = this.name("flatten");
      this.desc.push(name);
      const st = tfl.layers.flatten({ name }).apply(v.st) as ST;
      return { ...v, st, shape: [v.shape.reduce((a, b) => a * b, 1)] };
    }
    const f = this.asFloat(v);
    const max = u >= 0.8;
    const name = this.name(max ? "gmax" : "gavg");
    this.desc.push(name);
    const st = (max ? tfl.layers.globalMaxPooling2d({ name }) : tfl.layers.globalAveragePooling2d({ name })).apply(f.st) as ST;
    return { st, shape: [v.shape[2]], same: f.same, dyadic: max ? f.dyadic : null };
  }
}

/** Builds one random model from `seed`. */
function generate(seed: number): { model: tfl.LayersModel; gen: Gen; out: Val; inShape: number[] } {
  const r = prng(seed);
  const gen = new Gen(r);
  const inShape = chance(r, 0.85)
    ? [pick(r, [1, 2, 3, 4, 5, 6, 7]), pick(r, [1, 2, 3, 4, 5, 6]), pick(r, CH)]
    : [pick(r, [1, 5, 31, 64, 65, 100])];
  const input = tfl.input({ shape: inShape });
  let v: Val = { st: input, shape: inShape, same: true, dyadic: { step: -2, max: 3 } };
  gen.desc.push(`input[${inShape}]`);
  const stages = 1 + Math.floor(r() * 5);
  for (let s = 0; s < stages; s++) {
    const spatial = v.shape.length === 3;
    const canBin = gen.canBinarize(v);
    const u = r();
    if (spatial) {
      if (v.shape[0] * v.shape[1] === 1 && chance(r, 0.5)) v = gen.toVector(v);
      else if (u < 0.4 && canBin) v = gen.binary(v, true);
      else if (u < 0.5)
        v = gen.floatLayer(v, pick(r, ["conv", "depthwise", "signkernel", ...(gen.asFloat(v).same ? (["signin"] as const) : [])]));
      else if (u < 0.6) v = gen.pool(v, chance(r, 0.5) ? "max" : "avg");
      else if (u < 0.7) v = gen.merge(v, chance(r, 0.6) ? "add" : "concat");
      else if (u < 0.76) v = gen.bn(v);
      else if (u < 0.82) v = gen.activation(v);
      else if (u < 0.9) v = gen.toVector(v);
      else if (canBin) v = gen.binary(v, true);
      else v = gen.floatLayer(v, "conv");
    } else {
      if (u < 0.55 && canBin) v = gen.binary(v, false);
      else if (u < 0.75) v = gen.floatLayer(v, "dense");
      else if (u < 0.85) v = gen.bn(v);
      else v = gen.activation(v);
    }
  }
  // End with a binary layer (float output) half the time when possible: bits reach the output as integers.
  if (gen.canBinarize(v) && chance(r, 0.5)) {
    if (v.shape.length === 3 && chance(r, 0.4)) v = gen.toVector(v);
    v = gen.binary(v, v.shape.length === 3);
  }
  const out = gen.asFloat(v);
  const model = tfl.model({ inputs: input, outputs: out.st });
  return { model, gen, out, inShape };
}

/** Seeded weights: see the module docs. */
function setWeights(model: tfl.LayersModel, gen: Gen, r: Rnd): void {
  for (const layer of model.layers) {
    const ws = layer.weights;
    if (ws.length === 0) continue;
    const isBN = layer.getClassName() === "BatchNormalization";
    const afterBinary = gen.bnAfterBinary.has(layer.name);
    const values = ws.map((w) => {
      const role = w.name.split("/").pop()!.replace(/_\d+$/, "");
      const n = w.shape.reduce((a: number, b) => a * (b as number), 1);
      const a = new Float32Array(n);
      const intMean = chance(r, 0.5);
      const zeroBeta = chance(r, 0.4);
      for (let k = 0; k < n; k++) {
        if (isBN) {
          if (role === "gamma") a[k] = chance(r, 0.04) ? 0 : (chance(r, 0.35) ? -1 : 1) * (0.25 + 2 * r());
          else if (role === "beta") a[k] = zeroBeta ? 0 : Math.round((r() * 2 - 1) * 8) / 8 + (chance(r, 0.5) ? 0 : r() * 0.1);
          else if (role === "moving_mean") a[k] = intMean ? Math.floor(r() * 9) - 4 : (r() * 2 - 1) * (afterBinary ? 6 : 2);
          else a[k] = chance(r, 0.1) ? 1 : 0.05 + 4 * r(); // moving_variance
        } else if (role === "bias") a[k] = Math.round((r() * 2 - 1) * 16) / 8;
        else if (role === "alpha") a[k] = Math.round((r() * 2 - 1) * 8) / 8;
        else if (gen.binaryLayers.has(layer.name)) a[k] = chance(r, 0.08) ? 0 : r() * 2 - 1;
        else a[k] = Math.round((r() * 2 - 1) * 8) / 8; // float kernels: dyadic
      }
      return tf.tensor(a, w.shape as number[]);
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

function inputFor(shape: number[], r: Rnd, nanRate: number): tf.Tensor {
  const pool = [-2.5, -1, -0.75, -0.25, -0, 0, 0, 0.25, 0.5, 1, 3];
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => (r() < nanRate ? NaN : pick(r, pool))),
    shape,
  );
}

/** "" when equal (exact) or close (tolerance); else a description of the first difference. */
function difference(a: ArrayLike<number>, e: ArrayLike<number>, exact: boolean): string {
  if (a.length !== e.length) return `length ${a.length} vs ${e.length}`;
  let scale = 0;
  for (let i = 0; i < e.length; i++) if (Number.isFinite(e[i])) scale = Math.max(scale, Math.abs(e[i]));
  let bad = 0;
  let first = -1;
  for (let i = 0; i < a.length; i++) {
    const ok = exact
      ? Object.is(a[i], e[i]) || a[i] === e[i] || (Number.isNaN(a[i]) && Number.isNaN(e[i]))
      : Math.abs(a[i] - e[i]) <= TOL * (1 + scale) + TOL * Math.abs(e[i]) || (Number.isNaN(a[i]) && Number.isNaN(e[i])) || a[i] === e[i];
    if (!ok) {
      bad++;
      if (first < 0) first = i;
    }
  }
  return bad
    ? `${bad}/${a.length} differ, first [${first}]: engine ${a[first]} vs tfjs ${e[first]}${exact ? " (exact)" : ` (tol, scale ${scale})`}`
    : "";
}

describe("fuzz: lq.engine.convert vs model.predict", () => {
  const engines: Array<[string, lq.engine.Engine]> = [];
  const failures: string[] = [];
  let configs = 0;
  let exactOutputs = 0;
  let tensorsAtStart = 0;
  const opsSeen = new Set<string>();

  before(async () => {
    await useBackend("cpu");
    engines.push(["scalar GEMM", await lq.engine.loadEngine({ gemmKernel: "scalar" })]);
    engines.push(["SIMD GEMM", await lq.engine.loadEngine({ gemmKernel: "simd" })]);
    engines.push(["no-SIMD module", await lq.engine.loadEngine({ simd: false })]);
    // Two threads with every kernel call split into chunks, however small (results must equal one thread's).
    const threaded = await lq.engine.loadEngine({ threads: 2 });
    threaded.kernels.minSplitNs = 0;
    engines.push(["2 threads, every call split", threaded]);
    assert.equal(engines[1][1].gemmKernel, "simd");
    assert.equal(engines[2][1].simd, false);
    assert.equal(threaded.threads, 2, threaded.threadsNote);
    tensorsAtStart = tf.memory().numTensors;
  });

  after(() => {
    process.stdout.write(
      `# fuzz_predict: seed ${SEED}, ${configs} models × ${engines.length} kernel variants, ${exactOutputs} compared exactly; ops seen: ${[...opsSeen].sort().join(" ")}\n`,
    );
    const seeds = [...new Set(failures.map((f) => f.match(/^seed (\d+)/)?.[1]))];
    if (seeds.length) process.stdout.write(`# fuzz_predict: ${seeds.length} failing models: ${seeds.join(" ")}\n`);
  });

  for (let b0 = 0; b0 < COUNT; b0 += BLOCK) {
    const from = SEED + b0;
    const to = SEED + Math.min(b0 + BLOCK, COUNT);
    it(`seeds ${from}..${to - 1}`, async () => {
      const start = failures.length;
      const allocated = engines.map(([, e]) => e.allocatedBytes);
      const tensors = tf.memory().numTensors;
      for (let seed = from; seed < to; seed++) {
        configs++;
        let model: tfl.LayersModel | undefined;
        let desc = "";
        try {
          const g = generate(seed);
          model = g.model;
          desc = g.gen.desc.join(" → ");
          const r = prng(seed ^ 0x5eed);
          setWeights(model, g.gen, r);
          const batch = chance(r, 0.5) ? 1 : 2;
          // 15% of the models get NaN inputs (the engine must follow larq-ts: sign(NaN) = −1, NaN through float ops).
          const nanRate = chance(r, 0.15) ? 0.05 : 0;
          if (nanRate) desc = `NaN inputs; ${desc}`;
          const x = inputFor([batch, ...g.inShape], r, nanRate);
          const expected = model.predict(x) as tf.Tensor;
          const e = expected.dataSync().slice();
          const models: lq.engine.EngineModel[] = [];
          try {
            const first = await lq.engine.convert(model, { engine: engines[0][1] });
            models.push(first);
            for (const n of first.graph.nodes) opsSeen.add(`${n.op}:${n.dtype}`);
            const bytes = first.save();
            // No single-thread twin: every predict of the threaded variant must run on its threads.
            for (const [, engine] of engines.slice(1)) models.push(await lq.engine.load(bytes, { engine, singleThreadTwin: false }));
            if (g.out.same) exactOutputs++;
            const diffs = models.map((em) => {
              const y = em.predict(x);
              const d =
                y.shape.join() !== expected.shape.join()
                  ? `shape [${y.shape}] vs [${expected.shape}]`
                  : difference(y.dataSync(), e, g.out.same);
              y.dispose();
              return d;
            });
            if (diffs.some((d) => d)) {
              const variants = diffs.every((d) => d === diffs[0])
                ? "all kernel variants"
                : engines
                    .filter((_, i) => diffs[i])
                    .map(([n]) => n)
                    .join(", ");
              const d = diffs.find((v) => v)!;
              failures.push(
                `seed ${seed} [${variants}]: ${d}\n    ${desc}\n    graph: ${first.graph.nodes.map((n) => `${n.op}:${n.dtype}`).join(" ")}`,
              );
            }
            // 20%: batch 3 as Float32Array in / out (buffers planned again), then the first batch size again.
            if (chance(r, 0.2)) {
              const x2 = inputFor([3, ...g.inShape], r, nanRate);
              const t2 = model.predict(x2) as tf.Tensor;
              const e2 = t2.dataSync().slice();
              const y2 = first.predict(x2.dataSync() as Float32Array, x2.shape);
              const y1 = first.predict(x);
              const d = difference(y2, e2, g.out.same) || difference(y1.dataSync(), e, g.out.same);
              if (d) failures.push(`seed ${seed} [batch 3 then batch ${batch} again]: ${d}\n    ${desc}`);
              tf.dispose([x2, t2, y1]);
            }
            // 20%: chainBits: false (float values between binary layers, signs taken by signpack).
            if (chance(r, 0.2)) {
              const nc = await lq.engine.convert(model, { engine: engines[0][1], chainBits: false });
              models.push(nc);
              const y = nc.predict(x);
              const d = difference(y.dataSync(), e, g.out.same);
              if (d)
                failures.push(
                  `seed ${seed} [chainBits: false]: ${d}\n    ${desc}\n    graph: ${nc.graph.nodes.map((n) => `${n.op}:${n.dtype}`).join(" ")}`,
                );
              y.dispose();
            }
          } finally {
            models.forEach((m) => m.dispose());
            tf.dispose([x, expected]);
          }
        } catch (err) {
          failures.push(`seed ${seed}: threw ${(err as Error).stack?.split("\n").slice(0, 3).join(" | ")}\n    ${desc}`);
        } finally {
          model?.dispose();
        }
      }
      assert.equal(tf.memory().numTensors, tensors, "tensor count grew");
      assert.deepEqual(
        engines.map(([, e]) => e.allocatedBytes),
        allocated,
        "wasm allocations grew",
      );
      const mine = failures.slice(start);
      assert.ok(
        mine.length === 0,
        `${mine.length} failing configurations (seed, kernel variant, config; rerun with FUZZ_SEED=<seed> FUZZ_COUNT=1):\n${mine.slice(0, 12).join("\n")}`,
      );
    });
  }

  it("leaked no tensors over the whole run", () => {
    assert.equal(tf.memory().numTensors, tensorsAtStart);
  });
});
