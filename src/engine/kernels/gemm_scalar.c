/*
 * Binary GEMM, scalar tile: 2 rows x 4 columns of 64-bit popcounts (wasm i64.popcnt) per step.
 * Compiled with -fno-vectorize -fno-slp-vectorize: LLVM would otherwise spread the tile over i64x2 lanes with
 * extract/replace around every popcount, which V8 runs about twice as slowly.
 */
#include "lce.h"

static inline i32 pc64(u64 x) { return (i32)__builtin_popcountll(x); }

void lce_tile_scalar(const u64 *a, const u64 *wp, i32 rows, i32 kwp, i32 kwords, i32 *pc, i32 stride) {
  /* Only the kwords real words are read: an odd count ends with one single-word step (its partner is zero). */
  i32 pairs = kwords >> 1;
  i32 odd = kwords & 1;
  i32 r = 0;
  for (; r + 2 <= rows; r += 2) {
    const u64 *a0 = a + (long)r * kwp, *a1 = a0 + kwp;
    i32 s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
    const u64 *q = wp, *pa = a0, *pb = a1;
    /* Pointer walks (not a0[2 * k]) so that clang emits loads with constant offsets. */
    for (i32 k = 0; k < pairs; ++k, q += 8, pa += 2, pb += 2) {
      u64 x0 = pa[0], x1 = pa[1], y0 = pb[0], y1 = pb[1];
      s00 += pc64(x0 ^ q[0]) + pc64(x1 ^ q[1]);
      s01 += pc64(x0 ^ q[2]) + pc64(x1 ^ q[3]);
      s02 += pc64(x0 ^ q[4]) + pc64(x1 ^ q[5]);
      s03 += pc64(x0 ^ q[6]) + pc64(x1 ^ q[7]);
      s10 += pc64(y0 ^ q[0]) + pc64(y1 ^ q[1]);
      s11 += pc64(y0 ^ q[2]) + pc64(y1 ^ q[3]);
      s12 += pc64(y0 ^ q[4]) + pc64(y1 ^ q[5]);
      s13 += pc64(y0 ^ q[6]) + pc64(y1 ^ q[7]);
    }
    if (odd) {
      u64 x0 = pa[0], y0 = pb[0];
      s00 += pc64(x0 ^ q[0]);
      s01 += pc64(x0 ^ q[2]);
      s02 += pc64(x0 ^ q[4]);
      s03 += pc64(x0 ^ q[6]);
      s10 += pc64(y0 ^ q[0]);
      s11 += pc64(y0 ^ q[2]);
      s12 += pc64(y0 ^ q[4]);
      s13 += pc64(y0 ^ q[6]);
    }
    /* Scalar stores: a v128 load of four just-stored i32s would stall on store forwarding. */
    i32 *o0 = pc + (long)r * stride, *o1 = o0 + stride;
    o0[0] = s00, o0[1] = s01, o0[2] = s02, o0[3] = s03;
    o1[0] = s10, o1[1] = s11, o1[2] = s12, o1[3] = s13;
  }
  for (; r < rows; ++r) {
    const u64 *pa = a + (long)r * kwp, *q = wp;
    i32 s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (i32 k = 0; k < pairs; ++k, q += 8, pa += 2) {
      u64 x0 = pa[0], x1 = pa[1];
      s0 += pc64(x0 ^ q[0]) + pc64(x1 ^ q[1]);
      s1 += pc64(x0 ^ q[2]) + pc64(x1 ^ q[3]);
      s2 += pc64(x0 ^ q[4]) + pc64(x1 ^ q[5]);
      s3 += pc64(x0 ^ q[6]) + pc64(x1 ^ q[7]);
    }
    if (odd) {
      u64 x0 = pa[0];
      s0 += pc64(x0 ^ q[0]);
      s1 += pc64(x0 ^ q[2]);
      s2 += pc64(x0 ^ q[4]);
      s3 += pc64(x0 ^ q[6]);
    }
    i32 *o = pc + (long)r * stride;
    o[0] = s0, o[1] = s1, o[2] = s2, o[3] = s3;
  }
}
