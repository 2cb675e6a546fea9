/**
 * Slow, independent reference computations for the layer tests (plain JS loops on flat arrays).
 */

/** Iterates over all multi-indices of `shape` (row-major). */
export function* indices(shape: number[]): Generator<number[]> {
  const total = shape.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(shape.length).fill(0);
  for (let n = 0; n < total; n++) {
    yield [...idx];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

/** Row-major flat offset of `idx` in `shape`. */
export function offset(shape: number[], idx: number[]): number {
  let o = 0;
  for (let d = 0; d < shape.length; d++) o = o * shape[d] + idx[d];
  return o;
}

/** Leading padding of a transposed convolution (that of the equivalent forward convolution). */
export function transposeLead(n: number, k: number, s: number, out: number, padding: string): number {
  return padding === "same" ? Math.floor(Math.max((n - 1) * s + k - out, 0) / 2) : 0;
}

/**
 * Channels-last transposed convolution, any spatial rank: x (B, …n, Ci), w (…k, F, Ci),
 * y[b, i·s + a·d − P, f] += x[b, i, c]·w[a, f, c].
 */
export function slowConvTranspose(
  x: ArrayLike<number>,
  xShape: number[],
  w: ArrayLike<number>,
  wShape: number[],
  outSpatial: number[],
  strides: number[],
  dilation: number[],
  padding: string,
): { data: Float64Array; shape: number[] } {
  const rank = xShape.length - 2;
  const [batch, ci] = [xShape[0], xShape[rank + 1]];
  const f = wShape[rank];
  const kernel = wShape.slice(0, rank);
  const lead = kernel.map((k, j) => transposeLead(xShape[j + 1], (k - 1) * dilation[j] + 1, strides[j], outSpatial[j], padding));
  const yShape = [batch, ...outSpatial, f];
  const y = new Float64Array(yShape.reduce((a, b) => a * b, 1));
  for (const b of indices([batch])) {
    for (const i of indices(xShape.slice(1, rank + 1))) {
      for (const a of indices(kernel)) {
        const o = i.map((iv, j) => iv * strides[j] + a[j] * dilation[j] - lead[j]);
        if (o.some((ov, j) => ov < 0 || ov >= outSpatial[j])) continue;
        for (let fo = 0; fo < f; fo++) {
          let sum = 0;
          for (let c = 0; c < ci; c++) sum += x[offset(xShape, [b[0], ...i, c])] * w[offset(wShape, [...a, fo, c])];
          y[offset(yShape, [b[0], ...o, fo])] += sum;
        }
      }
    }
  }
  return { data: y, shape: yShape };
}

/** Gradient of Σ coeff·slowConvTranspose(x, w) with respect to w. */
export function slowConvTransposeKernelGrad(
  x: ArrayLike<number>,
  xShape: number[],
  coeff: ArrayLike<number>,
  outSpatial: number[],
  wShape: number[],
  strides: number[],
  padding: string,
): Float64Array {
  const rank = xShape.length - 2;
  const [batch, ci] = [xShape[0], xShape[rank + 1]];
  const f = wShape[rank];
  const kernel = wShape.slice(0, rank);
  const lead = kernel.map((k, j) => transposeLead(xShape[j + 1], k, strides[j], outSpatial[j], padding));
  const yShape = [batch, ...outSpatial, f];
  const g = new Float64Array(wShape.reduce((a, b) => a * b, 1));
  for (let b = 0; b < batch; b++) {
    for (const i of indices(xShape.slice(1, rank + 1))) {
      for (const a of indices(kernel)) {
        const o = i.map((iv, j) => iv * strides[j] + a[j] - lead[j]);
        if (o.some((ov, j) => ov < 0 || ov >= outSpatial[j])) continue;
        for (let fo = 0; fo < f; fo++) {
          for (let c = 0; c < ci; c++) {
            g[offset(wShape, [...a, fo, c])] += coeff[offset(yShape, [b, ...o, fo])] * x[offset(xShape, [b, ...i, c])];
          }
        }
      }
    }
  }
  return g;
}

/** Inserts d − 1 zeros between kernel taps along the first `dilation.length` axes (plain JS). */
export function dilateJs(w: ArrayLike<number>, shape: number[], dilation: number[]): { data: number[]; shape: number[] } {
  const outShape = shape.map((k, j) => (j < dilation.length ? (k - 1) * dilation[j] + 1 : k));
  const out = new Array<number>(outShape.reduce((a, b) => a * b, 1)).fill(0);
  for (const idx of indices(shape)) {
    const o = idx.map((v, j) => (j < dilation.length ? v * dilation[j] : v));
    out[offset(outShape, o)] = w[offset(shape, idx)];
  }
  return { data: out, shape: outShape };
}
