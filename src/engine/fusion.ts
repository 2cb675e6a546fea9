/**
 * The fusion pass of the converter: a binary QuantConv2D / QuantDense with its following foldable layers (bias,
 * BatchNormalization, clamp activations, Dropout, MaxPooling2D, Flatten) as one bitpacked op, with packed-bit
 * outputs and exact per-channel thresholds where every consumer binarizes again ({@link bitRule}), or a float
 * transform that folds only the steps it reproduces bit for bit.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";

import type { Builder } from "./convert.js";
import { floatTransform, type ResolvedTransform } from "./ops.js";
import { isTfOpLambdaAdd } from "./ops/tf_op_lambda_rule.js";
import { activationName, CLAMPS, isScaledSign, layerConfig, mustWeight, pairOf, readWeight, type LNode } from "./convert_util.js";

/** A per-channel step of the float pipeline after a binary layer's dot product. */
type Step =
  | {
      kind: "affine";
      f: (x: number, n: number) => number;
      m: Float64Array;
      b: Float64Array;
      /** A BatchNormalization: `β + (x − μ)·m`, kept apart for the centred double form. */
      bn?: { mean: ArrayLike<number>; beta: ArrayLike<number> | undefined };
    }
  | { kind: "clamp"; lo: number; hi: number; f: (x: number, n: number) => number }
  | { kind: "maxpool"; ln: LNode }
  | { kind: "reshape"; ln: LNode }
  | { kind: "dropout" };

/** Converts a binary QuantConv2D / QuantDense (`ln`) with the following foldable layers into `b`'s graph. */
export function binaryLayer(g: Builder, ln: LNode, cfg: Record<string, any>): void {
  const L = ln.layer;
  const isConv = ln.cls === "QuantConv2D";
  const x = g.bitsIn(ln);
  const kernel = mustWeight(L, "kernel");
  const cout = kernel.shape[kernel.shape.length - 1];
  const cin = kernel.shape[kernel.shape.length - 2];
  const taps = isConv ? kernel.shape[0] * (kernel.shape[1] as number) : 1;
  const K = taps * cin;
  const scale = new Float64Array(cout).fill(1);
  if (isScaledSign(L.kernelQuantizer)) {
    const s = tf
      .mean(
        tf.abs(kernel),
        kernel.shape.slice(0, -1).map((_, i) => i),
      )
      .dataSync();
    for (let n = 0; n < cout; n++) scale[n] = s[n];
  }
  const bias = cfg.useBias !== false ? readWeight(L, "bias")?.dataSync() : undefined;
  // Grouped convolutions: the kernel holds C/G input channels per output (K = taps · C/G); the node reads all C.
  const groups: number = isConv ? (cfg.groups ?? 1) : 1;
  let attrs: Record<string, unknown> = { inChannels: cin * groups, outChannels: cout, ...(groups > 1 ? { groups } : {}) };
  if (isConv) {
    g.checkNHWC(ln, cfg);
    const padding = cfg.padding ?? "valid";
    if (padding !== "valid" && padding !== "same") g.unsupported(ln, `padding "${padding}"`);
    const pv = L.padValues ?? 0;
    if (pv !== 0 && pv !== 1 && pv !== -1) g.unsupported(ln, `padValues ${pv} (binary layers take 0, 1 or -1)`);
    attrs = {
      ...attrs,
      kernelSize: kernel.shape.slice(0, 2),
      strides: pairOf(cfg.strides, 1),
      dilations: pairOf(cfg.dilationRate, 1),
      padding,
      padValue: pv,
    };
  } else if (ln.shape.length !== 1) {
    g.unsupported(ln, "inputs of rank > 2");
  }
  // The per-channel float pipeline after the dot product, as tfjs evaluates it.
  const steps: Step[] = [];
  const f32 = Math.fround;
  {
    const m = Float64Array.from(scale);
    const b = new Float64Array(cout);
    if (bias) for (let n = 0; n < cout; n++) b[n] = bias[n];
    steps.push({ kind: "affine", m, b, f: (d, n) => (bias ? f32(f32(scale[n] * d) + bias[n]) : f32(scale[n] * d)) });
  }
  const ownAct = activationName(cfg.activation);
  if (ownAct !== "linear") {
    if (!(ownAct in CLAMPS)) g.unsupported(ln, `activation "${ownAct}" on a binary layer`);
    const [lo, hi] = CLAMPS[ownAct];
    steps.push({ kind: "clamp", lo, hi, f: (v) => Math.min(Math.max(v, lo), hi) });
  }
  // Walk the single-consumer chain of foldable layers: each entry is [layer node, step].
  const chain: Array<[LNode, Step]> = [];
  let cur = ln.id;
  let reshaped = false;
  for (;;) {
    const next = g.singleConsumer(cur);
    if (!next) break;
    const ncfg = layerConfig(next.layer);
    let step: Step | undefined;
    if (
      (next.cls === "BatchNormalization" && !reshaped && (ncfg.axis ?? -1) === -1) ||
      (next.cls === "BatchNormalization" && !reshaped && ncfg.axis === next.shape.length)
    ) {
      const w = g.bnWeights(next.layer);
      const eps = ncfg.epsilon ?? 1e-3;
      const mean = w.mean.data,
        vr = w.variance.data,
        gm = w.gamma?.data,
        bt = w.beta?.data;
      const m = new Float64Array(cout),
        b = new Float64Array(cout);
      for (let n = 0; n < cout; n++) {
        m[n] = (gm ? gm[n] : 1) / Math.sqrt(vr[n] + eps);
        b[n] = (bt ? bt[n] : 0) - mean[n] * m[n];
      }
      step = {
        kind: "affine",
        m,
        b,
        bn: { mean, beta: bt },
        f: (v, n) => f32((bt ? bt[n] : 0) + ((v - mean[n]) * (gm ? gm[n] : 1)) / Math.sqrt(vr[n] + eps)),
      };
    } else if ((next.cls === "Activation" || next.cls === "ReLU") && !reshaped) {
      const act =
        next.cls === "ReLU" ? (ncfg.maxValue === 6 ? "relu6" : ncfg.maxValue == null ? "relu" : "?") : activationName(ncfg.activation);
      if (act === "linear") step = { kind: "dropout" };
      else if (act in CLAMPS) {
        const [lo, hi] = CLAMPS[act];
        step = { kind: "clamp", lo, hi, f: (v) => Math.min(Math.max(v, lo), hi) };
      }
    } else if (next.cls === "MaxPooling2D" && !reshaped) {
      step = { kind: "maxpool", ln: next };
    } else if ((next.cls === "Flatten" || next.cls === "Reshape") && next.shape.length === 1 && cout % 64 === 0) {
      step = { kind: "reshape", ln: next };
      reshaped = true;
    } else if (next.cls === "Dropout") {
      step = { kind: "dropout" };
    }
    if (!step) break;
    chain.push([next, step]);
    cur = next.id;
  }
  // Packed-bit output: the whole chain ends at layers that all binarize their input.
  let bitsEnd = -1;
  if (g.chainBits) {
    for (let i = chain.length; i >= 0; i--) {
      const endId = i === 0 ? ln.id : chain[i - 1][0].id;
      if (g.feedsOnlyBinary(endId)) {
        bitsEnd = i;
        break;
      }
    }
  }
  if (bitsEnd >= 0) {
    const used = chain.slice(0, bitsEnd);
    const all: Step[] = [...steps, ...used.map(([, s]) => s)];
    const rule = bitRule(all, cout, K);
    if (rule) {
      let id = g.emit(L.name, isConv ? "bconv2d" : "bdense", [x], { ...attrs, transform: "bits" }, ln.shape, "bits", {
        [isConv ? "filter" : "kernel"]: { kind: "bits", shape: kernel.shape.slice(), data: Float32Array.from(kernel.dataSync()) },
        multiplier: g.f32(rule.multiplier),
        bias: g.f32(rule.bias),
      });
      g.value.set(ln.id, id);
      for (const [cl, s] of used) {
        if (s.kind === "maxpool") {
          const c = layerConfig(cl.layer);
          const [ph, pw] = pairOf(c.poolSize, 2);
          id = g.emit(
            cl.layer.name,
            "bmaxpool",
            [id],
            { poolSize: [ph, pw], strides: c.strides ? pairOf(c.strides, ph) : [ph, pw], padding: c.padding ?? "valid" },
            cl.shape,
            "bits",
          );
        } else if (s.kind === "reshape") {
          id = g.emit(cl.layer.name, "reshape", [id], {}, cl.shape, "bits");
        }
        g.value.set(cl.id, id);
      }
      return;
    }
  }
  // Float output: fold the leading affine and clamp steps into multiplier, bias and clamp bounds — in float32
  // (m·d + b), or, where that is not exact, in the centred double form B + (d − C)·M (see OutputTransform).
  const m = new Float64Array(cout).fill(1),
    b = new Float64Array(cout);
  const cM = new Float64Array(cout).fill(1),
    cC = new Float64Array(cout),
    cB = new Float64Array(cout);
  let lo = -Infinity,
    hi = Infinity,
    clamped = false,
    centred = false,
    dotLo = -Infinity,
    dotHi = Infinity;
  const identity = (): boolean => m.every((v) => v === 1) && b.every((v) => v === 0) && dotLo === -Infinity && dotHi === Infinity;
  const onLattice = (v: number): boolean => Number.isInteger(v) || v === Infinity || v === -Infinity;
  const fold = (s: Step): boolean => {
    if (s.kind === "dropout") return true;
    if (s.kind === "affine") {
      if (clamped) return false;
      for (let n = 0; n < cout; n++) {
        m[n] *= s.m[n];
        b[n] = b[n] * s.m[n] + s.b[n];
        if (s.bn) {
          // β + (B + (d − C)·M − μ)·m = β + (d − (C + (μ − B)/M))·M·m: the zero at x = μ stays exact.
          cC[n] += (s.bn.mean[n] - cB[n]) / cM[n];
          cM[n] *= s.m[n];
          cB[n] = s.bn.beta ? s.bn.beta[n] : 0;
        } else {
          cB[n] = cB[n] * s.m[n] + s.b[n];
          cM[n] *= s.m[n];
        }
      }
      return true;
    }
    if (s.kind === "clamp") {
      if (clamped) return false;
      if (identity() && onLattice(s.lo) && onLattice(s.hi)) {
        // A clamp of the bare integer dot to integer bounds (ReLU, ReLU6, hard_tanh of a bias-free ste_sign
        // layer, as in QuickNet) is a bound on the dot itself, LCE's fused activation: affine steps after it
        // still fold.
        [dotLo, dotHi] = [s.lo, s.hi];
        return true;
      }
      [lo, hi, clamped] = [s.lo, s.hi, true];
      return true;
    }
    return false;
  };
  for (const s of steps) if (!fold(s)) throw new Error("lq.engine.convert: internal error folding a binary layer.");
  /** The transform of the steps folded so far, in the current form, as the runtime evaluates it. */
  const current = (): ResolvedTransform => {
    const t: ResolvedTransform = {
      kind: "float",
      multiplier: Float32Array.from(m),
      bias: Float32Array.from(b),
      clampMin: lo,
      clampMax: hi,
    };
    if (dotLo !== -Infinity || dotHi !== Infinity) Object.assign(t, { dotMin: dotLo, dotMax: dotHi });
    if (!centred) return t;
    t.multiplier = Float32Array.from(cM);
    t.multiplierLo = Float32Array.from(cM, (v, n) => v - t.multiplier[n]);
    t.center = Float32Array.from(cC);
    t.bias = Float32Array.from(cB);
    return t;
  };
  // A step is folded only when the folded transform still equals tfjs's step-by-step evaluation for every dot in
  // [−K, K] (a BatchNormalization folded into a float32 multiplier/bias is often one ulp off, and where tfjs gives
  // an exact 0 that flips the next sign); otherwise it runs as its own op.
  const pipeline: Array<(x: number, n: number) => number> = steps
    .filter((s) => "f" in s)
    .map((s) => (s as { f: (x: number, n: number) => number }).f);
  const exact = (): boolean => {
    const t = current();
    for (const v of [t.multiplier, t.bias, t.center ?? [], t.multiplierLo ?? []]) if (!v.every(Number.isFinite)) return false;
    for (let n = 0; n < cout; n++) {
      for (let d = -K; d <= K; d++) {
        const got = floatTransform(t, n, d);
        let want = d;
        for (const f of pipeline) want = f(want, n);
        if (got !== want && !(got !== got && want !== want)) return false;
      }
    }
    return true;
  };
  let folded = 0;
  while (folded < chain.length) {
    const s = chain[folded][1];
    const saved = { m: m.slice(), b: b.slice(), cM: cM.slice(), cC: cC.slice(), cB: cB.slice(), lo, hi, clamped, centred, dotLo, dotHi };
    if (!fold(s)) break;
    if ("f" in s) {
      pipeline.push(s.f);
      let ok = exact();
      if (!ok && !centred) {
        centred = true;
        ok = exact();
      }
      if (!ok) {
        pipeline.pop();
        m.set(saved.m);
        b.set(saved.b);
        cM.set(saved.cM);
        cC.set(saved.cC);
        cB.set(saved.cB);
        [lo, hi, clamped, centred, dotLo, dotHi] = [saved.lo, saved.hi, saved.clamped, saved.centred, saved.dotLo, saved.dotHi];
        break;
      }
    }
    folded++;
  }
  // A residual Add right after the whole folded chain (QuickNet's `BN(bconv(x)) + x`) whose other addend is
  // already computed: that addend is added in the GEMM epilogue, one float32 addition as tfjs's add.
  const inputs = [x];
  let add: LNode | undefined;
  if (folded === chain.length && ((attrs as { groups?: number }).groups ?? 1) === 1) {
    const endId = folded === 0 ? ln.id : chain[folded - 1][0].id;
    const next = g.singleConsumer(endId);
    const isAdd = next && (next.cls === "Add" || (next.cls === "TFOpLambda" && isTfOpLambdaAdd(layerConfig(next.layer))));
    if (next && isAdd && next.inputs.length === 2 && next.inputs[0] !== next.inputs[1] && next.shape.join() === ln.shape.join()) {
      const other = g.value.get(next.inputs[next.inputs[0] === endId ? 1 : 0]);
      if (other !== undefined && g.nodes[other].dtype === "float32" && g.shapeOf(other).join() === ln.shape.join()) {
        inputs.push(other);
        add = next;
      }
    }
  }
  const t = current();
  const transform: Record<string, unknown> = { transform: "float" };
  if (clamped) Object.assign(transform, { clampMin: lo, clampMax: hi });
  // Only finite bounds are written (JSON has no Infinity; a missing bound is unbounded).
  if (Number.isFinite(dotLo)) transform.dotMin = dotLo;
  if (Number.isFinite(dotHi)) transform.dotMax = dotHi;
  const id = g.emit(L.name, isConv ? "bconv2d" : "bdense", inputs, { ...attrs, ...transform }, ln.shape, "float32", {
    [isConv ? "filter" : "kernel"]: { kind: "bits", shape: kernel.shape.slice(), data: Float32Array.from(kernel.dataSync()) },
    multiplier: g.f32(t.multiplier),
    bias: g.f32(t.bias),
    ...(t.center ? { center: g.f32(t.center), multiplierLo: g.f32(t.multiplierLo!) } : {}),
  });
  g.value.set(ln.id, id);
  for (let i = 0; i < folded; i++) g.value.set(chain[i][0].id, id);
  if (add) g.value.set(add.id, id);
}

/**
 * Per-channel bit rule of a binary layer whose output goes, through `steps`, into a sign: bit n of the output is 1
 * exactly when h_n(dot) < 0 (or NaN: larq-ts's sign), where h_n is the float pipeline tfjs evaluates. Evaluates h_n
 * for every dot in [−K, K] and encodes the (prefix or suffix) set of negative dots as a `"bits"` transform with
 * multiplier ±1 and bias ½ − threshold, which the runtime turns back into the same integer threshold.
 *
 * @remarks
 * A max pool in the chain runs on bits as the AND of its window's bits, which equals the sign of the pooled float
 * values exactly when the steps *after* the pool map larger values to "not negative" no less than smaller ones:
 * over the values v reachable at the pool (the steps before it applied to every dot), the negative set of the
 * remaining steps must be a down-set (v < w and post(w) negative ⟹ post(v) negative). The steps before the pool
 * are free (a negative BatchNormalization γ there stays in bits, as in LCE). Returns undefined when a channel's
 * set of negative dots is neither a prefix nor a suffix, or a pool's condition fails.
 */
function bitRule(
  steps: Array<{ kind: string; f?: (x: number, n: number) => number }>,
  cout: number,
  K: number,
): { multiplier: Float32Array; bias: Float32Array } | undefined {
  const multiplier = new Float32Array(cout);
  const bias = new Float32Array(cout);
  const pools: number[] = [];
  steps.forEach((s, i) => s.kind === "maxpool" && pools.push(i));
  const vals = new Float64Array(2 * K + 1);
  for (let n = 0; n < cout; n++) {
    const neg = new Uint8Array(2 * K + 1);
    for (let d = -K; d <= K; d++) {
      let v = d;
      for (const s of steps) if (s.f) v = s.f(v, n);
      neg[d + K] = v >= 0 ? 0 : 1; // larq-ts's sign: NaN → −1
    }
    for (const p of pools) {
      for (let d = -K; d <= K; d++) {
        let v = d;
        for (let i = 0; i < p; i++) if (steps[i].f) v = steps[i].f!(v, n);
        if (v !== v) return undefined; // NaN at a pool: keep floats
        vals[d + K] = v;
      }
      // Down-set: no negative value above the smallest non-negative one.
      let minNonNeg = Infinity;
      for (let i = 0; i <= 2 * K; i++) if (!neg[i] && vals[i] < minNonNeg) minNonNeg = vals[i];
      for (let i = 0; i <= 2 * K; i++) if (neg[i] && vals[i] > minNonNeg) return undefined;
    }
    let prefixEnd = -K; // first d that is not negative
    while (prefixEnd <= K && neg[prefixEnd + K]) prefixEnd++;
    let rest = true;
    for (let d = prefixEnd; d <= K; d++) if (neg[d + K]) rest = false;
    if (rest) {
      // bit = d < prefixEnd
      multiplier[n] = 1;
      bias[n] = 0.5 - prefixEnd;
      continue;
    }
    let s = K;
    while (s >= -K && neg[s + K]) s--;
    for (let d = -K; d <= s; d++) if (neg[d + K]) return undefined;
    // bit = d > s  ⟺  −d < −s: negated filter with threshold −s.
    multiplier[n] = -1;
    bias[n] = 0.5 + s;
  }
  return { multiplier, bias };
}
