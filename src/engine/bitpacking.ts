/**
 * The bit layout contract of the engine: how ±1 tensors are stored as packed bits, in TS and in wasm memory.
 *
 * @remarks
 * - Words are 64 bits wide ({@link WORD_BITS}). In JS a packed buffer is a `Uint32Array` holding each 64-bit word
 *   as two 32-bit halves, low half first (little endian), which is byte-for-byte the wasm memory layout.
 * - Channels are packed along the last axis, least significant bit first: channel `c` of a pixel is bit `c % 64`
 *   of that pixel's word `floor(c / 64)`, i.e. bit `c % 32` of its 32-bit half `floor(c / 32)`.
 * - Bit 1 means −1 (negative); bit 0 means +1. Zero and positive values pack to 0 (larq's sign: sign(0) = +1),
 *   as does −0; `x < 0` and NaN pack to 1 (`!(x >= 0)`: larq-ts's sign(NaN) = −1, as `model.predict` gives).
 * - Every pixel (every index of the leading axes) starts on a word boundary and occupies
 *   {@link wordsPerPixel}`(C) = ceil(C / 64)` words (`2 · ceil(C / 64)` 32-bit halves). The padding bits of the
 *   last word are always 0, so XOR-ing two packed rows never counts them.
 * - The dot product of two packed ±1 vectors of length C is `C − 2 · popcount(a XOR b)`.
 * - GEMM rows (a convolution's receptive field, im2col): the taps follow each other at 32-bit granularity,
 *   {@link halvesPerTap}`(C) = ceil(C / 32)` halves each, so a tap whose last word is at most half used does not
 *   carry the empty half (C = 32: 9 taps in 5 words, not 9); {@link gemmRowWords} words of real bits, the rest 0.
 *
 * @packageDocumentation
 */
import { invalidArgument } from "../utils/errors.js";

/** Bits per packed word (the wasm kernels work on 64-bit words). */
export const WORD_BITS = 64;

/** Number of 64-bit words holding `channels` packed bits: `ceil(channels / 64)`. */
export function wordsPerPixel(channels: number): number {
  checkCount("channels", channels, 1);
  return Math.ceil(channels / WORD_BITS);
}

/** Number of 32-bit halves (`Uint32Array` elements) holding `channels` packed bits: `2 · ceil(channels / 64)`. */
export function u32PerPixel(channels: number): number {
  return 2 * wordsPerPixel(channels);
}

/** 32-bit halves of one tap in a GEMM row: `ceil(channels / 32)` (see the module comment). */
export function halvesPerTap(channels: number): number {
  checkCount("channels", channels, 1);
  return Math.ceil(channels / 32);
}

/** Words of real bits in a GEMM row of `taps` taps of `channels` channels: `ceil(taps · ceil(channels / 32) / 2)`. */
export function gemmRowWords(taps: number, channels: number): number {
  checkCount("taps", taps, 1);
  return Math.ceil((taps * halvesPerTap(channels)) / 2);
}

/**
 * GEMM rows from packed filter rows: `rows` rows of `taps` packed pixels of `channels` channels each
 * ({@link u32PerPixel} halves per tap) → `rows` rows of {@link gemmRowWords}`(taps, channels)` words, the taps'
 * {@link halvesPerTap} halves one after the other (the same rows when every tap's halves fill whole words).
 */
export function packGemmRows(packed: Uint32Array, rows: number, taps: number, channels: number): Uint32Array {
  const stride = u32PerPixel(channels);
  const hp = halvesPerTap(channels);
  const rowU32 = 2 * gemmRowWords(taps, channels);
  if (packed.length !== rows * taps * stride) invalidArgument("packed.length", packed.length, `${rows * taps * stride}`);
  if (hp === stride) return packed;
  const out = new Uint32Array(rows * rowU32);
  for (let r = 0; r < rows; r++)
    for (let t = 0; t < taps; t++) for (let h = 0; h < hp; h++) out[r * rowU32 + t * hp + h] = packed[(r * taps + t) * stride + h];
  return out;
}

/** Length of the `Uint32Array` that holds a packed tensor of `shape` (last axis = channels). */
export function packedLength(shape: readonly number[]): number {
  checkShape("shape", shape);
  return (sizeOf(shape) / shape[shape.length - 1]) * u32PerPixel(shape[shape.length - 1]);
}

/**
 * Packs the signs of `values` (a dense row-major tensor of `shape`) along the last axis.
 *
 * @remarks bit = 1 where value < 0 or NaN, else 0; see the module comment for the layout.
 * @param values - the tensor data, `prod(shape)` numbers.
 * @param shape - the tensor shape; its last entry is the channel count.
 * @returns a `Uint32Array` of {@link packedLength}`(shape)` elements.
 * @example
 * ```ts
 * packBits([-1, 2, 0, -3], [4]); // Uint32Array [0b1001, 0]
 * ```
 */
export function packBits(values: ArrayLike<number>, shape: readonly number[]): Uint32Array {
  checkShape("shape", shape);
  const size = sizeOf(shape);
  if (values.length !== size) invalidArgument("values.length", values.length, `${size} (the size of shape)`);
  const channels = shape[shape.length - 1];
  const stride = u32PerPixel(channels);
  const pixels = size / channels;
  const out = new Uint32Array(pixels * stride);
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < channels; c++) {
      if (!(values[p * channels + c] >= 0)) out[p * stride + (c >>> 5)] |= 1 << (c & 31);
    }
  }
  return out;
}

/**
 * Unpacks a packed tensor of `shape` into ±1 floats (bit 1 → −1, bit 0 → +1).
 *
 * @example
 * ```ts
 * unpackBits(new Uint32Array([0b101, 0]), [3]); // Float32Array [-1, 1, -1]
 * ```
 */
export function unpackBits(packed: Uint32Array, shape: readonly number[]): Float32Array {
  checkShape("shape", shape);
  const expected = packedLength(shape);
  if (packed.length !== expected) invalidArgument("packed.length", packed.length, `${expected} for shape [${shape}]`);
  const channels = shape[shape.length - 1];
  const stride = u32PerPixel(channels);
  const pixels = sizeOf(shape) / channels;
  const out = new Float32Array(pixels * channels);
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < channels; c++) {
      out[p * channels + c] = (packed[p * stride + (c >>> 5)] >>> (c & 31)) & 1 ? -1 : 1;
    }
  }
  return out;
}

/** Reads channel `channel` of pixel `pixel` of a packed tensor with `channels` channels: 1 = negative. */
export function getBit(packed: Uint32Array, pixel: number, channel: number, channels: number): number {
  return (packed[pixel * u32PerPixel(channels) + (channel >>> 5)] >>> (channel & 31)) & 1;
}

/** Number of set bits of a 32-bit integer. */
export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * Packs a conv filter given in the tfjs/Keras layout HWIO `[kh, kw, cin, cout]` as `[cout, kh, kw, cin]` packed
 * along `cin` (one packed row of `kh · kw` pixels per output channel), which is the order im2col uses.
 *
 * @param filter - `kh · kw · cin · cout` floats, HWIO row-major; signs are taken (0 → +1).
 * @param shape - `[kh, kw, cin, cout]`.
 */
export function packFilter(filter: ArrayLike<number>, shape: readonly number[]): Uint32Array {
  if (!Array.isArray(shape) || shape.length !== 4) invalidArgument("shape", shape, "[kh, kw, cin, cout]");
  checkShape("shape", shape);
  const [kh, kw, cin, cout] = shape;
  if (filter.length !== kh * kw * cin * cout) {
    invalidArgument("filter.length", filter.length, `${kh * kw * cin * cout} (the size of [${shape}])`);
  }
  const ohwi = new Float32Array(filter.length);
  for (let t = 0; t < kh * kw; t++) {
    for (let c = 0; c < cin; c++) {
      for (let n = 0; n < cout; n++) ohwi[(n * kh * kw + t) * cin + c] = filter[(t * cin + c) * cout + n];
    }
  }
  return packBits(ohwi, [cout, kh, kw, cin]);
}

/**
 * Packs dense weights given as `[cin, cout]` (Keras kernel layout) into `[cout, cin]` packed along `cin`.
 */
export function packDenseWeights(weights: ArrayLike<number>, shape: readonly number[]): Uint32Array {
  if (!Array.isArray(shape) || shape.length !== 2) invalidArgument("shape", shape, "[cin, cout]");
  const [cin, cout] = shape;
  return packFilter(weights, [1, 1, cin, cout]);
}

/**
 * Negates (flips the real channel bits of) the packed rows whose `rows[i]` flag is set; padding bits stay 0.
 *
 * @param packed - a packed tensor of shape `[rows.length, ...pixels, channels]`, modified in place.
 * @param pixelsPerRow - pixels in one row (e.g. `kh · kw` for a packed filter).
 * @param channels - channels per pixel.
 */
export function negatePackedRows(packed: Uint32Array, rows: ArrayLike<boolean | number>, pixelsPerRow: number, channels: number): void {
  const stride = u32PerPixel(channels);
  if (packed.length !== rows.length * pixelsPerRow * stride) {
    invalidArgument("packed.length", packed.length, `${rows.length * pixelsPerRow * stride}`);
  }
  for (let r = 0; r < rows.length; r++) {
    if (!rows[r]) continue;
    for (let p = 0; p < pixelsPerRow; p++) {
      const base = (r * pixelsPerRow + p) * stride;
      for (let h = 0; h < stride; h++) packed[base + h] ^= realBitsMask(h, channels);
    }
  }
}

/** The mask of real (non-padding) channel bits in 32-bit half `half` of a pixel with `channels` channels. */
export function realBitsMask(half: number, channels: number): number {
  const left = channels - half * 32;
  if (left >= 32) return 0xffffffff;
  if (left <= 0) return 0;
  return ((1 << left) - 1) >>> 0;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function checkCount(name: string, value: unknown, min: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    invalidArgument(name, value, `an integer >= ${min}`);
  }
}

function checkShape(name: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || shape.length === 0) invalidArgument(name, shape, "a non-empty array of dimensions");
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 1) {
      invalidArgument(name, shape, "positive integer dimensions");
    }
  }
}
