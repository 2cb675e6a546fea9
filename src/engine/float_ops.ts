/**
 * Float32 ops of the engine graph evaluated in TS on views of the wasm memory (convolutions, dense layers, batch
 * normalization, pooling windows and additions run in C: kernels/float.c). They follow the tfjs cpu kernels'
 * arithmetic where it matters for exactness.
 *
 * @packageDocumentation
 */

/**
 * Global average or max pooling of NHWC to `[b, c]`. The average follows the tfjs cpu `Mean` kernel exactly: each
 * value divided by the count in float32, then summed in double (row-major over the pixels) and rounded once.
 */
export function globalPool(x: Float32Array, shape: readonly number[], out: Float32Array, max: boolean): void {
  const [b, h, w, c] = shape;
  const n = h * w;
  for (let bi = 0; bi < b; bi++) {
    for (let ci = 0; ci < c; ci++) {
      let acc = max ? -Infinity : 0;
      for (let p = 0; p < n; p++) {
        const v = x[(bi * n + p) * c + ci];
        acc = max ? (v > acc || v !== v ? v : acc) : acc + Math.fround(v / n);
      }
      out[bi * c + ci] = acc;
    }
  }
}

/** Element-wise activation (softmax over the last axis of size `channels`). */
export function activation(x: Float32Array, out: Float32Array, name: string, channels: number, alpha = 0): void {
  const n = x.length;
  switch (name) {
    case "linear":
      out.set(x);
      return;
    case "relu":
      for (let i = 0; i < n; i++) out[i] = Math.max(0, x[i]); // tfjs's relu: −0 → +0, NaN stays
      return;
    case "relu6":
      for (let i = 0; i < n; i++) out[i] = Math.min(Math.max(x[i], 0), 6);
      return;
    case "hardtanh":
      for (let i = 0; i < n; i++) out[i] = Math.min(Math.max(x[i], -1), 1);
      return;
    case "leakyrelu":
      for (let i = 0; i < n; i++) out[i] = x[i] < 0 ? alpha * x[i] : x[i];
      return;
    case "sigmoid":
      for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-x[i]));
      return;
    case "tanh":
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
      return;
    case "elu": {
      const a = alpha || 1;
      for (let i = 0; i < n; i++) out[i] = x[i] < 0 ? a * (Math.exp(x[i]) - 1) : x[i];
      return;
    }
    case "selu": {
      const a = 1.6732632423543772,
        s = 1.0507009873554805;
      for (let i = 0; i < n; i++) out[i] = x[i] < 0 ? s * a * (Math.exp(x[i]) - 1) : s * x[i];
      return;
    }
    case "softplus":
      for (let i = 0; i < n; i++) out[i] = Math.log1p(Math.exp(-Math.abs(x[i]))) + Math.max(x[i], 0);
      return;
    case "softsign":
      for (let i = 0; i < n; i++) out[i] = x[i] / (1 + Math.abs(x[i]));
      return;
    case "hardsigmoid":
      for (let i = 0; i < n; i++) out[i] = Math.min(Math.max(0.2 * x[i] + 0.5, 0), 1);
      return;
    case "swish":
      for (let i = 0; i < n; i++) out[i] = x[i] / (1 + Math.exp(-x[i]));
      return;
    case "mish":
      for (let i = 0; i < n; i++) out[i] = x[i] * Math.tanh(Math.log1p(Math.exp(x[i])));
      return;
    case "gelu":
      for (let i = 0; i < n; i++) out[i] = 0.5 * x[i] * (1 + erf(x[i] / Math.SQRT2));
      return;
    case "softmax": {
      for (let r = 0; r < n; r += channels) {
        let mx = -Infinity;
        for (let c = 0; c < channels; c++) mx = Math.max(mx, x[r + c]);
        let sum = 0;
        for (let c = 0; c < channels; c++) sum += out[r + c] = Math.exp(x[r + c] - mx);
        for (let c = 0; c < channels; c++) out[r + c] /= sum;
      }
      return;
    }
    default:
      throw new Error(`lq.engine: unknown activation "${name}".`);
  }
}

/** larq-ts's sign: +1 for x ≥ 0, −1 otherwise (so NaN → −1, as `tf.where(x >= 0, 1, -1)`). */
export function sign(x: Float32Array, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) out[i] = x[i] >= 0 ? 1 : -1;
}

function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 is too coarse for float32; use a series / continued fraction split.
  const ax = Math.abs(x);
  let r: number;
  if (ax < 2.5) {
    let term = ax,
      sum = ax;
    for (let k = 1; k < 60; k++) {
      term *= (-ax * ax) / k;
      sum += term / (2 * k + 1);
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let f = 0;
    for (let k = 60; k >= 1; k--) f = k / 2 / (ax + f);
    r = 1 - Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * (ax + f));
  }
  return x < 0 ? -r : r;
}
