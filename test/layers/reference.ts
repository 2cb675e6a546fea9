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

/** Output, input gradient and kernel gradient of {@link slowGroupedConv}. */
export interface GroupedConvResult {
  /** y, shape [B, …out, F]. */
  y: Float64Array;
  yShape: number[];
  /** ∂(Σ coeff·y)/∂x, shape of x. */
  dx: Float64Array;
  /** ∂(Σ coeff·y)/∂w, shape of w. */
  dw: Float64Array;
}

/**
 * Channels-last grouped convolution, any spatial rank, with explicit padding (plain JS loops):
 * x (B, …n, C), w (…k, C/G, F), pads[j] = [before, after] filled with `padValue`,
 * y[b, o, g·F/G + f] = Σ_a Σ_c x̃[b, o·s + a·d, g·C/G + c]·w[a, c, g·F/G + f] with x̃ the padded input.
 * With `coeff` (shape of y) also returns the gradients of Σ coeff·y with respect to x and w.
 */
export function slowGroupedConv(
  x: ArrayLike<number>,
  xShape: number[],
  w: ArrayLike<number>,
  wShape: number[],
  groups: number,
  strides: number[],
  dilation: number[],
  pads: Array<[number, number]>,
  padValue: number,
  coeff?: ArrayLike<number>,
): GroupedConvResult {
  const rank = xShape.length - 2;
  const batch = xShape[0];
  const cin = xShape[rank + 1];
  const kernel = wShape.slice(0, rank);
  const cg = wShape[rank];
  const filters = wShape[rank + 1];
  const fg = filters / groups;
  if (cg * groups !== cin) throw new Error(`reference: C/G mismatch ${cg}·${groups} != ${cin}`);
  const out = kernel.map((k, j) => {
    const padded = xShape[j + 1] + pads[j][0] + pads[j][1];
    return Math.floor((padded - ((k - 1) * dilation[j] + 1)) / strides[j]) + 1;
  });
  const yShape = [batch, ...out, filters];
  const y = new Float64Array(yShape.reduce((a, b) => a * b, 1));
  const dx = new Float64Array(xShape.reduce((a, b) => a * b, 1));
  const dw = new Float64Array(wShape.reduce((a, b) => a * b, 1));
  for (let b = 0; b < batch; b++) {
    for (const o of indices(out)) {
      for (const a of indices(kernel)) {
        const i = o.map((ov, j) => ov * strides[j] + a[j] * dilation[j] - pads[j][0]);
        const inside = i.every((iv, j) => iv >= 0 && iv < xShape[j + 1]);
        for (let g = 0; g < groups; g++) {
          for (let f = 0; f < fg; f++) {
            const fo = g * fg + f;
            const yi = offset(yShape, [b, ...o, fo]);
            for (let c = 0; c < cg; c++) {
              const wi = offset(wShape, [...a, c, fo]);
              const xv = inside ? x[offset(xShape, [b, ...i, g * cg + c])] : padValue;
              y[yi] += xv * w[wi];
              if (coeff !== undefined) {
                dw[wi] += coeff[yi] * xv;
                if (inside) dx[offset(xShape, [b, ...i, g * cg + c])] += coeff[yi] * w[wi];
              }
            }
          }
        }
      }
    }
  }
  return { y, yShape, dx, dw };
}
