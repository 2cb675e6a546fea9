import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  gemmRowWords,
  getBit,
  halvesPerTap,
  negatePackedRows,
  packBits,
  packDenseWeights,
  packedLength,
  packFilter,
  packGemmRows,
  popcount32,
  u32PerPixel,
  unpackBits,
  WORD_BITS,
  wordsPerPixel,
} from "../../src/engine/bitpacking.js";
import { CHANNELS, larqSign, valuesWithZeros } from "./fixtures.js";

describe("engine bit layout", () => {
  it("uses 64-bit words: ceil(C/64) words, two uint32 halves each", () => {
    assert.equal(WORD_BITS, 64);
    assert.deepEqual([1, 63, 64, 65, 128, 129].map(wordsPerPixel), [1, 1, 1, 2, 2, 3]);
    assert.deepEqual([1, 64, 65].map(u32PerPixel), [2, 2, 4]);
    assert.equal(packedLength([2, 3, 65]), 2 * 3 * 4);
  });

  it("packs LSB first with bit 1 = negative and 0, -0, positives to 0", () => {
    assert.deepEqual(Array.from(packBits([-1, 2, 0, -3], [4])), [0b1001, 0]);
    assert.deepEqual(Array.from(packBits([-0, 0, 5, -0.001], [4])), [0b1000, 0]);
    // Channel 33 is bit 1 of the second half; channel 64 starts the second 64-bit word.
    const v = new Array(65).fill(1);
    v[33] = -1;
    v[64] = -1;
    assert.deepEqual(Array.from(packBits(v, [65])), [0, 2, 1, 0]);
  });

  it("starts every pixel on a word boundary and keeps the tail bits 0", () => {
    const packed = packBits(new Array(6).fill(-1), [2, 3]);
    assert.deepEqual(Array.from(packed), [0b111, 0, 0b111, 0]);
  });

  it("round-trips through unpackBits to larq's sign for every boundary channel count", () => {
    for (const c of CHANNELS) {
      const x = valuesWithZeros(3 * c, c);
      assert.deepEqual(Array.from(unpackBits(packBits(x, [3, c]), [3, c])), Array.from(larqSign(x)), `C=${c}`);
      const packed = packBits(x, [3, c]);
      for (let ch = 0; ch < c; ch++) assert.equal(getBit(packed, 1, ch, c), x[c + ch] < 0 ? 1 : 0);
    }
  });

  it("packs HWIO filters as [cout, kh, kw, cin] and dense weights as [cout, cin]", () => {
    // kh=1, kw=2, cin=2, cout=2; HWIO index = ((ky*kw + kx)*cin + c)*cout + n.
    const f = [1, -1, -1, 1, 1, 1, -1, -1];
    // n=0: taps (c0,c1): t0 = (1,-1) -> 0b10, t1 = (1,-1) -> 0b10. n=1: t0 = (-1,1) -> 0b01, t1 = (1,-1) -> 0b10.
    assert.deepEqual(Array.from(packFilter(f, [1, 2, 2, 2])), [2, 0, 2, 0, 1, 0, 2, 0]);
    assert.deepEqual(Array.from(packDenseWeights([1, -1, -1, 1], [2, 2])), [2, 0, 1, 0]);
  });

  it("lays GEMM rows out at 32-bit granularity: a tap of at most 32 channels in its last word takes no empty half", () => {
    assert.deepEqual([1, 31, 32, 33, 63, 64, 65, 96, 97, 128].map(halvesPerTap), [1, 1, 1, 2, 2, 2, 3, 3, 4, 4]);
    assert.equal(gemmRowWords(9, 32), 5); // 9 halves
    assert.equal(gemmRowWords(9, 64), 9);
    assert.equal(gemmRowWords(9, 65), 14); // 27 halves
    assert.equal(gemmRowWords(1, 65), wordsPerPixel(65));
    for (const c of CHANNELS) assert.equal(gemmRowWords(1, c), wordsPerPixel(c), `one tap of ${c} channels`);
    // 2 rows of 3 taps of 32 channels: tap t of row r holds the value 10·r + t + 1 in its lower half.
    const packed = new Uint32Array(2 * 3 * 2);
    for (let r = 0; r < 2; r++) for (let t = 0; t < 3; t++) packed[(r * 3 + t) * 2] = 10 * r + t + 1;
    assert.deepEqual(Array.from(packGemmRows(packed, 2, 3, 32)), [1, 2, 3, 0, 11, 12, 13, 0]);
    // Whole-word taps are already GEMM rows.
    const words = packBits(valuesWithZeros(3 * 64, 5), [3, 64]);
    assert.equal(packGemmRows(words, 1, 3, 64), words);
    // Every tap's bits survive, in order: the dot of two rows equals the dot of their packed pixels.
    for (const c of CHANNELS) {
      const a = packBits(valuesWithZeros(9 * c, 7 + c), [9, c]);
      const b = packBits(valuesWithZeros(9 * c, 8 + c), [9, c]);
      let ones = 0;
      for (let i = 0; i < a.length; i++) ones += popcount32(a[i] ^ b[i]);
      const [ga, gb] = [packGemmRows(a, 1, 9, c), packGemmRows(b, 1, 9, c)];
      assert.equal(ga.length, 2 * gemmRowWords(9, c));
      let gOnes = 0;
      for (let i = 0; i < ga.length; i++) gOnes += popcount32(ga[i] ^ gb[i]);
      assert.equal(gOnes, ones, `${c} channels`);
    }
    assert.throws(() => packGemmRows(new Uint32Array(3), 1, 3, 32), /packed\.length.*received 3/);
  });

  it("negates only the real bits of the selected rows", () => {
    const packed = packBits([-1, 1, 1, 1, 1, 1], [2, 3]);
    negatePackedRows(packed, [true, false], 1, 3);
    assert.deepEqual(Array.from(packed), [0b110, 0, 0, 0]);
  });

  it("counts bits", () => {
    assert.deepEqual([0, 1, 0xffffffff, 0x80000001, 0x12345678].map(popcount32), [0, 1, 32, 2, 13]);
  });

  it("rejects bad arguments, naming them", () => {
    assert.throws(() => packBits([1, 2], [3]), /values\.length.*received 2/);
    assert.throws(() => packBits([1], [0]), /Invalid shape/);
    assert.throws(() => unpackBits(new Uint32Array(3), [4]), /packed\.length.*received 3/);
    assert.throws(() => wordsPerPixel(0), /Invalid channels.*received 0/);
    assert.throws(() => packFilter([1], [1, 1, 1]), /Invalid shape/);
    assert.throws(() => packFilter([1, 1], [1, 1, 1, 1]), /filter\.length.*received 2/);
  });
});
