/**
 * Slow, independent closed-form references for the quantizer tests: plain JavaScript on float32
 * inputs, written from larq's formulas, sharing no code with src/quantizers.
 */

/** Rounds `v` to float32, as the tensors hold it. */
export const f32 = (v: number): number => Math.fround(v);

/** Round half to even (TensorFlow's and tfjs' `round`). */
export function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const diff = v - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** larq's sign: -1 for x < 0, +1 for x >= 0 (also for -0). */
export const refSign = (v: number): number => (v < 0 ? -1 : 1);
/** Heaviside: 1 for x > 0, else 0. */
export const refHeaviside = (v: number): number => (v > 0 ? 1 : 0);
/** Clipped straight-through gradient factor. */
export const refClipped = (v: number, clip: number | null): number => (clip === null || Math.abs(v) <= clip ? 1 : 0);
/** ApproxSign gradient factor: 2 - 2|x| on [-1, 1], else 0. */
export const refApproxGrad = (v: number): number => (Math.abs(v) <= 1 ? 2 - 2 * Math.abs(v) : 0);
/** SignSwish gradient factor. */
export const refSwishGrad = (v: number, beta: number): number =>
  (beta * (2 - beta * v * Math.tanh((beta * v) / 2))) / (1 + Math.cosh(beta * v));
/** Ternarization with threshold delta: ±1 at x = ±delta, as in larq. */
export const refTern = (v: number, delta: number): number => (v >= delta ? 1 : v <= -delta ? -1 : 0);

/** DoReFa activations mode, k bits. */
export function refDorefaActivations(v: number, kBit: number): number {
  const n = 2 ** kBit - 1;
  const c = Math.min(Math.max(v, 0), 1);
  return roundHalfEven(f32(c * n)) / n;
}

/** DoReFa weights mode over a whole tensor (flat values), k bits. */
export function refDorefaWeights(values: number[], kBit: number): { value: number[]; grad: number[] } {
  const n = 2 ** kBit - 1;
  const t = values.map(Math.tanh);
  const m = Math.max(...t.map(Math.abs));
  const value = t.map((ti) => {
    const unit = m === 0 ? 0.5 : f32(ti / (2 * m)) + 0.5;
    return (2 * roundHalfEven(f32(f32(unit) * n))) / n - 1;
  });
  const grad = t.map((ti) => (m === 0 ? 0 : (1 - ti * ti) / m));
  return { value, grad };
}

/**
 * Magnitude-aware sign of a [rows, channels] matrix (row-major flat values): per-channel mean |x|
 * times sign, and its gradient factor mean|x| · 1{|x| <= clip}.
 */
export function refMagnitudeAware(values: number[], channels: number, clip: number | null): { value: number[]; grad: number[] } {
  const rows = values.length / channels;
  const scale = new Array(channels).fill(0);
  values.forEach((v, i) => (scale[i % channels] += Math.abs(v) / rows));
  return {
    value: values.map((v, i) => scale[i % channels] * refSign(v)),
    grad: values.map((v, i) => scale[i % channels] * refClipped(v, clip)),
  };
}
