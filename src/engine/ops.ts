/**
 * Plain-object descriptions of the engine's binary ops and the geometry and output-transform math they share.
 * Both the TS reference ({@link ./reference.ts}) and the wasm runtime read these same records, so a converter can
 * build a graph of op records once and hand it to either.
 *
 * @packageDocumentation
 */
import { invalidArgument } from "../utils/errors.js";
import { popcount32, u32PerPixel } from "./bitpacking.js";

/** Spatial padding, as in tfjs/Keras: `"valid"` (no padding) or `"same"` (output = ceil(input / stride)). */
export type Padding = "valid" | "same";

/**
 * How a binary layer turns its integer dot products into outputs.
 *
 * @remarks
 * With `dot = K − 2 · popcount(x XOR w)` (K = binary products per output, border-corrected for `padValue: 0`):
 * - `kind: "float"`: `y[n] = clamp(multiplier[n] · clamp(dot, dotMin, dotMax) + bias[n], clampMin, clampMax)`,
 *   evaluated in float32. This folds a bias, a BatchNormalization (multiplier = γ/√(σ²+ε), bias = β −
 *   μ·multiplier) and a fused ReLU / ReLU6 / hard_tanh (clamp bounds). `dotMin` / `dotMax` clamp the integer dot
 *   product before the multiplier: LCE's fused activation of a `LceBconv2d` with float output (default ∓Infinity).
 *   With `center` given, the float output is instead the centred double form
 *   `y[n] = clamp(float32((clamp(dot, dotMin, dotMax) − center[n]) · M[n] + bias[n]), clampMin, clampMax)` with
 *   `M[n] = multiplier[n] + multiplierLo[n]`, evaluated in double precision and rounded once: a BatchNormalization
 *   evaluated step by step as tfjs does (`β + (x − μ)·γ/√(σ²+ε)`) is reproduced exactly for far more channels than
 *   by the float32 fold, including its exact zeros at `x = μ` (center = μ, bias = β). `multiplierLo` (default 0)
 *   carries the bits of M beyond float32.
 * - `kind: "bits"`: the layer writes packed bits for a following binary layer: bit n = 1 (−1) exactly when the
 *   float32 value `multiplier[n] · dot + bias[n]` is < 0, i.e. the sign the next layer's input quantizer would
 *   take. It is computed with LCE's per-channel integer thresholds (and filters negated where the multiplier is
 *   negative); see {@link computeThresholds}.
 * `multiplier` defaults to all ones and `bias` to all zeros; either may also be given as one number for all
 * channels. Clamp bounds default to ∓Infinity and are not allowed with `"bits"`.
 */
export type OutputTransform =
  | {
      kind: "float";
      multiplier?: ArrayLike<number> | number;
      bias?: ArrayLike<number> | number;
      clampMin?: number;
      clampMax?: number;
      dotMin?: number;
      dotMax?: number;
      center?: ArrayLike<number> | number;
      multiplierLo?: ArrayLike<number> | number;
    }
  | { kind: "bits"; multiplier?: ArrayLike<number> | number; bias?: ArrayLike<number> | number };

/**
 * A binary 2D convolution (LCE's BConv2D) in NHWC with a packed input.
 *
 * @remarks
 * out[b, oy, ox, n] = transform(Σ_{ky,kx,c} x[b, oy·sy − padTop + ky·dy, ox·sx − padLeft + kx·dx, c] · w[ky,kx,c,n]),
 * all values ±1. Taps outside the image take `padValue`: 0 (tfjs zero padding; the engine computes with +1 bits
 * and subtracts LCE's border correction so the result equals the float convolution exactly), or +1 / −1 (larq's
 * `pad_values`, free in bits). Same-padding amounts follow tfjs: total = max((out − 1)·s + (k − 1)·d + 1 − in, 0),
 * top/left = floor(total / 2).
 */
export interface BConv2DParams {
  /** Filter height and width. */
  kernelSize: readonly [number, number];
  /** Input channels C (≥ 1). */
  inChannels: number;
  /** Output channels N (≥ 1). */
  outChannels: number;
  /** Strides `[sy, sx]`; default `[1, 1]`. */
  strides?: readonly [number, number];
  /** Dilation rates `[dy, dx]`; default `[1, 1]`. */
  dilations?: readonly [number, number];
  /** `"valid"` (default) or `"same"`. */
  padding?: Padding;
  /** Value of padded taps: 0 (default, as tfjs), 1 or −1. Irrelevant for `"valid"`. */
  padValue?: 0 | 1 | -1;
  /** Output transform; default `{ kind: "float" }` (the raw dot product). */
  transform?: OutputTransform;
}

/**
 * A binary fully connected layer (BDense): out[b, n] = transform(Σ_c x[b, c] · w[c, n]) with ±1 values.
 */
export interface BDenseParams {
  /** Input features C. */
  inChannels: number;
  /** Output features N. */
  outChannels: number;
  /** Output transform; default `{ kind: "float" }`. */
  transform?: OutputTransform;
}

/**
 * Max pooling on packed bits (BMaxPool): the max of ±1 values is −1 only if all of them are −1, so each output bit
 * is the AND of the window's bits. Taps in the padding are skipped, as in tfjs `maxPool`.
 */
export interface BMaxPoolParams {
  /** Window `[ph, pw]`. */
  poolSize: readonly [number, number];
  /** Strides; default = `poolSize`. */
  strides?: readonly [number, number];
  /** `"valid"` (default) or `"same"`. */
  padding?: Padding;
}

/** Geometry of one spatial axis of a windowed op. */
export interface AxisGeometry {
  /** Output size. */
  out: number;
  /** Padding before the first input element. */
  padBefore: number;
}

/** Output size and leading padding of one axis, as tfjs computes them. */
export function axisGeometry(inSize: number, kernel: number, stride: number, dilation: number, padding: Padding): AxisGeometry {
  const effective = (kernel - 1) * dilation + 1;
  if (padding === "valid") {
    const out = Math.floor((inSize - effective) / stride) + 1;
    if (out < 1) invalidArgument("input size", inSize, `at least the effective window ${effective} for "valid"`);
    return { out, padBefore: 0 };
  }
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + effective - inSize, 0);
  return { out, padBefore: Math.floor(total / 2) };
}

/** A BConv2D record with every default filled in and every field validated. */
export interface ResolvedBConv2D {
  /** Filter height. */
  kh: number;
  /** Filter width. */
  kw: number;
  /** Input channels. */
  cin: number;
  /** Output channels. */
  cout: number;
  /** Vertical stride. */
  sy: number;
  /** Horizontal stride. */
  sx: number;
  /** Vertical dilation. */
  dy: number;
  /** Horizontal dilation. */
  dx: number;
  /** Padding mode. */
  padding: Padding;
  /** Value of padded taps. */
  padValue: 0 | 1 | -1;
  /** Per-channel output transform. */
  transform: ResolvedTransform;
}

/** An output transform with per-channel arrays. */
export interface ResolvedTransform {
  /** Float output or packed bits. */
  kind: "float" | "bits";
  /** Per-channel multiplier (float32). */
  multiplier: Float32Array;
  /** Per-channel bias (float32). */
  bias: Float32Array;
  /** Lower clamp bound (−Infinity when none). */
  clampMin: number;
  /** Upper clamp bound (+Infinity when none). */
  clampMax: number;
  /** Lower bound of the integer dot before the multiplier (float output; none when undefined or −Infinity). */
  dotMin?: number;
  /** Upper bound of the integer dot before the multiplier (float output; none when undefined or +Infinity). */
  dotMax?: number;
  /** Float output in the centred double form: the per-channel center (see {@link OutputTransform}); else undefined. */
  center?: Float32Array;
  /** Centred double form: the per-channel low part of the multiplier (zeros when not given); else undefined. */
  multiplierLo?: Float32Array;
}

/** Validates a {@link BConv2DParams} record and fills in its defaults. */
export function resolveBConv2D(params: BConv2DParams): ResolvedBConv2D {
  if (typeof params !== "object" || params === null) invalidArgument("params", params, "a BConv2DParams object");
  const [kh, kw] = pair("kernelSize", params.kernelSize, undefined);
  const cin = positiveInt("inChannels", params.inChannels);
  const cout = positiveInt("outChannels", params.outChannels);
  const [sy, sx] = pair("strides", params.strides, [1, 1]);
  const [dy, dx] = pair("dilations", params.dilations, [1, 1]);
  const padding = params.padding ?? "valid";
  if (padding !== "valid" && padding !== "same") invalidArgument("padding", padding, '"valid" or "same"');
  const padValue = params.padValue ?? 0;
  if (padValue !== 0 && padValue !== 1 && padValue !== -1) invalidArgument("padValue", padValue, "0, 1 or -1");
  return { kh, kw, cin, cout, sy, sx, dy, dx, padding, padValue, transform: resolveTransform(params.transform, cout) };
}

/** Validates a {@link BDenseParams} record and fills in its defaults. */
export function resolveBDense(params: BDenseParams): { cin: number; cout: number; transform: ResolvedTransform } {
  if (typeof params !== "object" || params === null) invalidArgument("params", params, "a BDenseParams object");
  const cin = positiveInt("inChannels", params.inChannels);
  const cout = positiveInt("outChannels", params.outChannels);
  return { cin, cout, transform: resolveTransform(params.transform, cout) };
}

/** Validates a {@link BMaxPoolParams} record and fills in its defaults. */
export function resolveBMaxPool(params: BMaxPoolParams): { ph: number; pw: number; sy: number; sx: number; padding: Padding } {
  if (typeof params !== "object" || params === null) invalidArgument("params", params, "a BMaxPoolParams object");
  const [ph, pw] = pair("poolSize", params.poolSize, undefined);
  const [sy, sx] = pair("strides", params.strides, [ph, pw]);
  const padding = params.padding ?? "valid";
  if (padding !== "valid" && padding !== "same") invalidArgument("padding", padding, '"valid" or "same"');
  return { ph, pw, sy, sx, padding };
}

/** Expands an {@link OutputTransform} into per-channel float32 arrays, validating every field. */
export function resolveTransform(transform: OutputTransform | undefined, channels: number): ResolvedTransform {
  const t = transform ?? { kind: "float" };
  if (typeof t !== "object" || t === null || (t.kind !== "float" && t.kind !== "bits")) {
    invalidArgument("transform", t, '{ kind: "float" | "bits", ... }');
  }
  const perChannel = (name: string, v: ArrayLike<number> | number | undefined, dflt: number): Float32Array => {
    const out = new Float32Array(channels);
    if (v === undefined) return out.fill(dflt);
    if (typeof v === "number") {
      if (!Number.isFinite(v)) invalidArgument(`transform.${name}`, v, "a finite number or array");
      return out.fill(v);
    }
    if (v.length !== channels) invalidArgument(`transform.${name}.length`, v.length, `${channels} (one per channel)`);
    for (let i = 0; i < channels; i++) {
      if (!Number.isFinite(v[i])) invalidArgument(`transform.${name}[${i}]`, v[i], "a finite number");
      out[i] = v[i];
    }
    return out;
  };
  const multiplier = perChannel("multiplier", t.multiplier, 1);
  const bias = perChannel("bias", t.bias, 0);
  let clampMin = -Infinity;
  let clampMax = Infinity;
  if (t.kind === "float") {
    clampMin = t.clampMin ?? -Infinity;
    clampMax = t.clampMax ?? Infinity;
    if (typeof clampMin !== "number" || Number.isNaN(clampMin)) invalidArgument("transform.clampMin", clampMin, "a number");
    if (typeof clampMax !== "number" || Number.isNaN(clampMax)) invalidArgument("transform.clampMax", clampMax, "a number");
    if (clampMin > clampMax) invalidArgument("transform.clampMin", clampMin, `<= clampMax (${clampMax})`);
    const dotMin = t.dotMin ?? -Infinity;
    const dotMax = t.dotMax ?? Infinity;
    const dotBound = (v: number) => v === -Infinity || v === Infinity || Number.isInteger(v);
    if (typeof dotMin !== "number" || !dotBound(dotMin)) invalidArgument("transform.dotMin", dotMin, "an integer or -Infinity");
    if (typeof dotMax !== "number" || !dotBound(dotMax)) invalidArgument("transform.dotMax", dotMax, "an integer or Infinity");
    if (dotMin > dotMax) invalidArgument("transform.dotMin", dotMin, `<= dotMax (${dotMax})`);
    const out: ResolvedTransform = { kind: t.kind, multiplier, bias, clampMin, clampMax };
    if (dotMin !== -Infinity || dotMax !== Infinity) Object.assign(out, { dotMin, dotMax });
    if (t.center !== undefined) {
      out.center = perChannel("center", t.center, 0);
      out.multiplierLo = perChannel("multiplierLo", t.multiplierLo, 0);
    } else if (t.multiplierLo !== undefined) {
      invalidArgument("transform.multiplierLo", t.multiplierLo, "undefined without transform.center (the centred double form)");
    }
    return out;
  } else if ("clampMin" in t || "clampMax" in t || "dotMin" in t || "dotMax" in t || "center" in t || "multiplierLo" in t) {
    invalidArgument("transform", t, 'no clampMin/clampMax/dotMin/dotMax/center/multiplierLo with kind "bits"');
  }
  return { kind: t.kind, multiplier, bias, clampMin, clampMax };
}

/**
 * The float output transform of one value, exactly as the wasm kernel evaluates it.
 *
 * @remarks `fround(fround(m · clamp(dot, dotMin, dotMax)) + b)`, then clamped; `dot` is an integer, so `m · dot` is exact in double before
 * the rounding and the result is the correctly rounded float32 multiply-then-add. In the centred double form
 * (`t.center` set): `fround((d − center) · (m + mLo) + b)` in double, then clamped.
 */
export function floatTransform(t: ResolvedTransform, n: number, dot: number): number {
  const d = Math.min(Math.max(dot, t.dotMin ?? -Infinity), t.dotMax ?? Infinity);
  const v = t.center
    ? Math.fround((d - t.center[n]) * (t.multiplier[n] + t.multiplierLo![n]) + t.bias[n])
    : Math.fround(Math.fround(t.multiplier[n] * d) + t.bias[n]);
  return Math.min(Math.max(v, t.clampMin), t.clampMax);
}

/**
 * LCE-style per-channel thresholds for a `"bits"` transform.
 *
 * @remarks
 * Bit n must be 1 exactly when f(dot) = fround(fround(m·dot) + b) < 0 for integer dot in [−K, K].
 * - m > 0: f is non-decreasing, so bit = (dot < thr) with thr = the smallest dot with f(dot) ≥ 0 (K + 1 if none).
 * - m < 0: the filter of channel n is negated (`negate[n] = 1`), which turns dot into −dot; f(dot) equals
 *   fround(fround(|m|·(−dot)) + b), so the same threshold rule applies to the negated dot.
 * - m = 0: the bit is constant: thr = K + 1 (always 1) when b < 0, else −K (never 1).
 * @param k - the largest |dot|, i.e. the binary products per output.
 */
export function computeThresholds(t: ResolvedTransform, k: number): { thresholds: Int32Array; negate: Uint8Array } {
  const n = t.multiplier.length;
  const thresholds = new Int32Array(n);
  const negate = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const m = t.multiplier[i];
    const b = t.bias[i];
    if (m === 0) {
      thresholds[i] = b < 0 ? k + 1 : -k;
      continue;
    }
    negate[i] = m < 0 ? 1 : 0;
    const am = Math.abs(m);
    const f = (d: number): number => Math.fround(Math.fround(am * d) + b);
    let lo = -k;
    let hi = k + 1;
    // Invariant: f(d) < 0 for d < lo; f(hi) >= 0 or hi = k + 1.
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (f(mid) >= 0) hi = mid;
      else lo = mid + 1;
    }
    thresholds[i] = lo;
  }
  return { thresholds, negate };
}

/**
 * Per-tap sums of a packed `[cout, kh·kw, cin]` filter: `tapSums[t · cout + n] = Σ_c w[t, c, n]` (±1 values), the
 * contribution of a tap padded with +1. LCE's border correction for zero padding subtracts these for every padded
 * tap of an output position.
 */
export function filterTapSums(packedFilter: Uint32Array, taps: number, cin: number, cout: number): Int32Array {
  const stride = u32PerPixel(cin);
  const sums = new Int32Array(taps * cout);
  for (let n = 0; n < cout; n++) {
    for (let t = 0; t < taps; t++) {
      let ones = 0;
      const base = (n * taps + t) * stride;
      for (let h = 0; h < stride; h++) ones += popcount32(packedFilter[base + h]);
      sums[t * cout + n] = cin - 2 * ones;
    }
  }
  return sums;
}

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) invalidArgument(name, v, "a positive integer");
  return v;
}

function pair(name: string, v: unknown, dflt: [number, number] | undefined): [number, number] {
  if (v === undefined && dflt) return dflt;
  if (typeof v === "number") v = [v, v];
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === "number" && Number.isInteger(x) && x >= 1)) {
    invalidArgument(name, v, "a pair of positive integers");
  }
  return [v[0], v[1]];
}
