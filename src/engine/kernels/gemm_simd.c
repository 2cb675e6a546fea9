/*
 * Binary GEMM, SIMD128 tile: one row x 4 columns; each step XORs one v128 (two 64-bit words, a k-pair) of the row
 * with the same k-pair of the 4 columns and counts bits with i8x16.popcnt. Byte counters are widened to 32 bits at
 * least every 31 steps (31 * 16 bits per byte lane = 248 < 256).
 * In the build without SIMD this function is the scalar tile.
 */
#include "lce.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

static inline v128_t widen(v128_t acc32, v128_t acc8) {
  return wasm_i32x4_add(acc32, wasm_u32x4_extadd_pairwise_u16x8(wasm_u16x8_extadd_pairwise_u8x16(acc8)));
}

static inline i32 hsum(v128_t v) {
  return wasm_i32x4_extract_lane(v, 0) + wasm_i32x4_extract_lane(v, 1) + wasm_i32x4_extract_lane(v, 2) +
         wasm_i32x4_extract_lane(v, 3);
}

void lce_tile_simd(const u64 *a, const u64 *w, i32 rows, i32 kwp, i32 kwords, i32 *pc, i32 stride) {
  (void)kwords; /* whole k-pairs are read: the padding word of an odd count is zero in A and W */
  i32 pairs = kwp >> 1;
  const v128_t *wp = (const v128_t *)w;
  for (i32 r = 0; r < rows; ++r) {
    const v128_t *ar = (const v128_t *)(a + (long)r * kwp);
    v128_t t0 = wasm_i32x4_splat(0), t1 = t0, t2 = t0, t3 = t0;
    const v128_t *q = wp;
    i32 k = 0;
    while (k < pairs) {
      i32 end = pairs - k > 31 ? k + 31 : pairs;
      v128_t c0 = wasm_i32x4_splat(0), c1 = c0, c2 = c0, c3 = c0;
      for (; k < end; ++k, q += 4) {
        v128_t x = wasm_v128_load(ar + k);
        c0 = wasm_i8x16_add(c0, wasm_i8x16_popcnt(wasm_v128_xor(x, wasm_v128_load(q))));
        c1 = wasm_i8x16_add(c1, wasm_i8x16_popcnt(wasm_v128_xor(x, wasm_v128_load(q + 1))));
        c2 = wasm_i8x16_add(c2, wasm_i8x16_popcnt(wasm_v128_xor(x, wasm_v128_load(q + 2))));
        c3 = wasm_i8x16_add(c3, wasm_i8x16_popcnt(wasm_v128_xor(x, wasm_v128_load(q + 3))));
      }
      t0 = widen(t0, c0);
      t1 = widen(t1, c1);
      t2 = widen(t2, c2);
      t3 = widen(t3, c3);
    }
    i32 *o = pc + (long)r * stride;
    o[0] = hsum(t0), o[1] = hsum(t1), o[2] = hsum(t2), o[3] = hsum(t3);
  }
}
#else
void lce_tile_simd(const u64 *a, const u64 *w, i32 rows, i32 kwp, i32 kwords, i32 *pc, i32 stride) {
  lce_tile_scalar(a, w, rows, kwp, kwords, pc, stride);
}
#endif
