/*
 * Binary GEMM, scalar tiles: 64-bit popcounts (wasm i64.popcnt) of 2 rows x 4 columns or 1 row x 4 columns per step.
 * Compiled with -fno-vectorize -fno-slp-vectorize: LLVM would otherwise spread the tile over i64x2 lanes with
 * extract/replace around every popcount, which V8 runs about twice as slowly.
 *
 * Which tile: the 2x4 tile loads each weight word once for two rows, but its 8 counters, 12 words and 4 pointers do
 * not fit V8's x64 registers, so its loop spills; the 1x4 tile's loop needs fewer registers and runs 10-15% faster
 * per popcount once K is long (measured against the register-only popcount bound at K = 1152 to 4608 bits), while
 * at K = 576 (9 words) the 2x4 tile's fewer per-row costs make it as fast or slightly faster. Both loops end on a
 * pointer compare: a separate counter costs one more register (a few percent).
 */
#include "lce.h"

/* From this many words on, lce_tile_scalar uses the 1x4 tile for every row. */
#define ONE_ROW_MIN_WORDS 16

static inline i32 pc64(u64 x) { return (i32)__builtin_popcountll(x); }

/*
 * 1 row x 4 columns, rows r0..rows-1. Only the kwords real words are read: an odd count ends with one single-word
 * step (its partner is zero).
 */
static void tile_1x4(const u64 *a, const u64 *wp, i32 r0, i32 rows, i32 kwp, i32 kwords, i32 *pc, i32 stride) {
  const u64 *qend = wp + 8 * (kwords >> 1);
  for (i32 r = r0; r < rows; ++r) {
    const u64 *pa = a + (long)r * kwp, *q = wp;
    i32 s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    /* Pointer walks (not a[2 * k]) so that clang emits loads with constant offsets. */
    for (; q != qend; q += 8, pa += 2) {
      u64 x0 = pa[0], x1 = pa[1];
      s0 += pc64(x0 ^ q[0]) + pc64(x1 ^ q[1]);
      s1 += pc64(x0 ^ q[2]) + pc64(x1 ^ q[3]);
      s2 += pc64(x0 ^ q[4]) + pc64(x1 ^ q[5]);
      s3 += pc64(x0 ^ q[6]) + pc64(x1 ^ q[7]);
    }
    if (kwords & 1) {
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

/* 2 rows x 4 columns over the even part of the rows; returns the first row left (0 or 1 row remains). */
static i32 tile_2x4(const u64 *a, const u64 *wp, i32 rows, i32 kwp, i32 kwords, i32 *pc, i32 stride) {
  const u64 *qend = wp + 8 * (kwords >> 1);
  i32 r = 0;
  for (; r + 2 <= rows; r += 2) {
    const u64 *pa = a + (long)r * kwp, *pb = pa + kwp, *q = wp;
    i32 s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
    for (; q != qend; q += 8, pa += 2, pb += 2) {
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
    if (kwords & 1) {
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
  return r;
}

void lce_tile_scalar(const u64 *a, const u64 *wp, i32 rows, i32 kwp, i32 kwords, i32 *pc, i32 stride) {
  i32 r = kwords >= ONE_ROW_MIN_WORDS ? 0 : tile_2x4(a, wp, rows, kwp, kwords, pc, stride);
  tile_1x4(a, wp, r, rows, kwp, kwords, pc, stride);
}
