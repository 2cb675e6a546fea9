/**
 * Slow, readable TypeScript references of the engine's binary ops: the oracle the wasm kernels are tested against.
 *
 * @remarks
 * They work directly on packed bits ({@link ./bitpacking.ts}) and on the plain op records of {@link ./ops.ts}, one
 * output at a time, with no im2col, no tiling and no border-correction tables: padded taps with `padValue: 0` are
 * simply skipped, which is what the float convolution computes. Float outputs come back as `Float32Array`
 * (NHWC / `[batch, units]`), bit outputs as packed `Uint32Array`.
 *
 * @packageDocumentation
 */
import { invalidArgument } from "../utils/errors.js";
import { packedLength, popcount32, realBitsMask, u32PerPixel } from "./bitpacking.js";
import {
  axisGeometry,
  floatTransform,
  resolveBConv2D,
  resolveBDense,
  resolveBMaxPool,
  type BConv2DParams,
  type BDenseParams,
  type BMaxPoolParams,
  type ResolvedTransform,
} from "./ops.js";

/** Result of a reference op: float data or packed bits, with the logical (unpacked) shape. */
export interface ReferenceResult {
  /** `Float32Array` for float transforms, packed `Uint32Array` for `"bits"` transforms and max pooling. */
  data: Float32Array | Uint32Array;
  /** Logical output shape (channels last). */
  shape: number[];
}

/**
 * Reference BConv2D on a packed NHWC input.
 *
 * @param input - packed input of logical shape `inputShape`.
 * @param inputShape - `[batch, height, width, inChannels]`.
 * @param filter - packed filter `[outChannels, kh, kw, inChannels]` (see `packFilter`).
 * @param params - the op record.
 */
export function referenceBConv2D(
  input: Uint32Array,
  inputShape: readonly number[],
  filter: Uint32Array,
  params: BConv2DParams,
): ReferenceResult {
  const p = resolveBConv2D(params);
  const [batch, h, w, c] = checkInput(input, inputShape, p.cin);
  const taps = p.kh * p.kw;
  if (filter.length !== packedLength([p.cout, p.kh, p.kw, p.cin])) {
    invalidArgument("filter.length", filter.length, `${packedLength([p.cout, p.kh, p.kw, p.cin])}`);
  }
  const gy = axisGeometry(h, p.kh, p.sy, p.dy, p.padding);
  const gx = axisGeometry(w, p.kw, p.sx, p.dx, p.padding);
  const stride = u32PerPixel(c);
  const dots = new Int32Array(batch * gy.out * gx.out * p.cout);
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < gy.out; oy++) {
      for (let ox = 0; ox < gx.out; ox++) {
        for (let n = 0; n < p.cout; n++) {
          let dot = 0;
          for (let ky = 0; ky < p.kh; ky++) {
            for (let kx = 0; kx < p.kw; kx++) {
              const iy = oy * p.sy - gy.padBefore + ky * p.dy;
              const ix = ox * p.sx - gx.padBefore + kx * p.dx;
              const f = (n * taps + ky * p.kw + kx) * stride;
              if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                dot += packedDot(input, ((b * h + iy) * w + ix) * stride, filter, f, c);
              } else if (p.padValue !== 0) {
                // A padded tap holds padValue in every channel: Σ_c padValue · w[c].
                dot += p.padValue * packedSum(filter, f, c);
              }
            }
          }
          dots[o++] = dot;
        }
      }
    }
  }
  return { data: applyTransform(dots, p.transform, p.cout), shape: [batch, gy.out, gx.out, p.cout] };
}

/**
 * Reference BDense on a packed `[batch, inChannels]` input with packed weights `[outChannels, inChannels]`
 * (see `packDenseWeights`).
 */
export function referenceBDense(
  input: Uint32Array,
  inputShape: readonly number[],
  weights: Uint32Array,
  params: BDenseParams,
): ReferenceResult {
  const p = resolveBDense(params);
  if (!Array.isArray(inputShape) || inputShape.length !== 2 || inputShape[1] !== p.cin) {
    invalidArgument("inputShape", inputShape, `[batch, ${p.cin}]`);
  }
  const batch = inputShape[0];
  if (input.length !== packedLength(inputShape)) invalidArgument("input.length", input.length, `${packedLength(inputShape)}`);
  if (weights.length !== packedLength([p.cout, p.cin])) {
    invalidArgument("weights.length", weights.length, `${packedLength([p.cout, p.cin])}`);
  }
  const stride = u32PerPixel(p.cin);
  const dots = new Int32Array(batch * p.cout);
  for (let b = 0; b < batch; b++) {
    for (let n = 0; n < p.cout; n++) dots[b * p.cout + n] = packedDot(input, b * stride, weights, n * stride, p.cin);
  }
  return { data: applyTransform(dots, p.transform, p.cout), shape: [batch, p.cout] };
}

/** Reference BMaxPool on a packed NHWC input; the output is packed too. */
export function referenceBMaxPool(input: Uint32Array, inputShape: readonly number[], params: BMaxPoolParams): ReferenceResult {
  const p = resolveBMaxPool(params);
  const [batch, h, w, c] = checkInput(input, inputShape, undefined);
  const gy = axisGeometry(h, p.ph, p.sy, 1, p.padding);
  const gx = axisGeometry(w, p.pw, p.sx, 1, p.padding);
  const stride = u32PerPixel(c);
  const out = new Uint32Array(batch * gy.out * gx.out * stride);
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < gy.out; oy++) {
      for (let ox = 0; ox < gx.out; ox++) {
        const o = ((b * gy.out + oy) * gx.out + ox) * stride;
        for (let ch = 0; ch < c; ch++) {
          // max over ±1 values is −1 (bit 1) only when every in-image tap is −1.
          let allNegative = 1;
          for (let ky = 0; ky < p.ph; ky++) {
            for (let kx = 0; kx < p.pw; kx++) {
              const iy = oy * p.sy - gy.padBefore + ky;
              const ix = ox * p.sx - gx.padBefore + kx;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              const i = ((b * h + iy) * w + ix) * stride;
              allNegative &= (input[i + (ch >>> 5)] >>> (ch & 31)) & 1;
            }
          }
          out[o + (ch >>> 5)] |= allNegative << (ch & 31);
        }
      }
    }
  }
  return { data: out, shape: [batch, gy.out, gx.out, c] };
}

/** Σ_c a[c]·b[c] of two packed ±1 vectors of `channels` entries: channels − 2·popcount(a XOR b). */
function packedDot(a: Uint32Array, aOff: number, b: Uint32Array, bOff: number, channels: number): number {
  let differing = 0;
  for (let h = 0; h < u32PerPixel(channels); h++) differing += popcount32((a[aOff + h] ^ b[bOff + h]) & realBitsMask(h, channels));
  return channels - 2 * differing;
}

/** Σ_c w[c] of one packed ±1 vector. */
function packedSum(a: Uint32Array, off: number, channels: number): number {
  let negatives = 0;
  for (let h = 0; h < u32PerPixel(channels); h++) negatives += popcount32(a[off + h] & realBitsMask(h, channels));
  return channels - 2 * negatives;
}

/** Applies the output transform to integer dots laid out `[..., channels]`. */
function applyTransform(dots: Int32Array, t: ResolvedTransform, channels: number): Float32Array | Uint32Array {
  if (t.kind === "float") {
    const out = new Float32Array(dots.length);
    for (let i = 0; i < dots.length; i++) out[i] = floatTransform(t, i % channels, dots[i]);
    return out;
  }
  const pixels = dots.length / channels;
  const stride = u32PerPixel(channels);
  const out = new Uint32Array(pixels * stride);
  for (let px = 0; px < pixels; px++) {
    for (let n = 0; n < channels; n++) {
      // The sign the next layer's quantizer takes: bit 1 when the float32 value is negative.
      const v = Math.fround(Math.fround(t.multiplier[n] * dots[px * channels + n]) + t.bias[n]);
      if (!(v >= 0)) out[px * stride + (n >>> 5)] |= 1 << (n & 31);
    }
  }
  return out;
}

function checkInput(input: Uint32Array, shape: readonly number[], channels: number | undefined): number[] {
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    invalidArgument("inputShape", shape, "[batch, height, width, channels] of positive integers");
  }
  if (channels !== undefined && shape[3] !== channels) invalidArgument("inputShape[3]", shape[3], `${channels} (inChannels)`);
  if (!(input instanceof Uint32Array) || input.length !== packedLength(shape)) {
    invalidArgument("input.length", input?.length, `a Uint32Array of ${packedLength(shape)} elements`);
  }
  return [...shape];
}
