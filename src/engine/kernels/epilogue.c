/*
 * The blocked GEMM driver and its output transform. The tile kernels only count bits into a block of popcounts on
 * the C stack; one pass per block then turns them into outputs with its constants (splats, pointers) in registers.
 * Applying the transform per 4-column tile instead cost as much as the popcounts themselves at K = 576 (the tile's
 * accumulators and the transform's parameters do not fit V8's registers together).
 */
#include "lce.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

void lce_gemm_blocked(lce_tile_fn tile, const u64 *a, const u64 *w, i32 m, i32 kwp, i32 kwords, const lce_epilogue *e) {
  const i32 n = e->n, npad = e->npad;
  const i32 cb = npad < LCE_BLOCK_COLS ? npad : LCE_BLOCK_COLS;
  i32 rb = LCE_BLOCK / cb;
  rb = rb < 2 ? 2 : rb & ~1; /* even: the scalar tile's 2-row steps stay whole */
  i32 pc[LCE_BLOCK];
  for (i32 m0 = 0; m0 < m; m0 += rb) {
    i32 rows = m - m0 < rb ? m - m0 : rb;
    const u64 *ab = a + (long)m0 * kwp;
    for (i32 c0 = 0; c0 < npad; c0 += cb) {
      i32 cols = npad - c0 < cb ? npad - c0 : cb;
      for (i32 j = 0; j < cols; j += NR) tile(ab, w + (long)(c0 + j) * kwp, rows, kwp, kwords, pc + j, cols);
      lce_epilogue_block(e, pc, cols, m0, rows, c0, n - c0 < cols ? n : c0 + cols);
    }
  }
}

/* The float output of one column from its dot (after the border correction): the scalar form of the SIMD loop. */
static inline float float_out(const lce_epilogue *e, i32 d, i32 c) {
  d = d < e->dlo ? e->dlo : d;
  d = d > e->dhi ? e->dhi : d;
  float v;
  if (e->f64p) {
    const double *M = e->f64p, *C = M + e->npad, *B = C + e->npad;
    v = (float)(((double)d - C[c]) * M[c] + B[c]);
  } else {
    v = e->mult[c] * (float)d + e->bias[c];
  }
  v = v < e->lo ? e->lo : v;
  return v > e->hi ? e->hi : v;
}

/* The dot of column c (k - 2 * popcount, minus the row's border correction when it has one). */
static inline i32 dot1(i32 k, const i32 *prow, const i32 *corr, i32 c) { return k - 2 * prow[c] - (corr ? corr[c] : 0); }

#ifdef __wasm_simd128__
/* dot1 for columns c..c+3. */
static inline v128_t dot4(v128_t kk, const i32 *prow, const i32 *corr, i32 c) {
  v128_t d = wasm_i32x4_sub(kk, wasm_i32x4_shl(wasm_v128_load(prow + c), 1));
  return corr ? wasm_i32x4_sub(d, wasm_v128_load(corr + c)) : d;
}
#endif

void lce_epilogue_block(const lce_epilogue *ep, const i32 *pc, i32 stride, i32 m0, i32 rows, i32 c0, i32 c1) {
  /*
   * A local copy: v128_t is a may_alias type, so through `ep` every field would be re-read after each v128 store;
   * the copy's fields stay in registers.
   */
  const lce_epilogue E = *ep, *e = &E;
  const i32 N = e->n, npad = e->npad, k = e->k;
  for (i32 i = 0; i < rows; ++i) {
    const i32 m = m0 + i;
    const i32 *prow = pc + (long)i * stride - c0; /* prow[c] for c0 <= c < c1 */
    const i32 *corr = e->rowPattern ? e->corr + (long)e->rowPattern[m] * npad : 0;
    i32 c = c0;
    if (e->outF) {
      float *o = e->outF + (long)m * N;
      const float *add = e->addF ? e->addF + (long)m * N : 0;
#ifdef __wasm_simd128__
      const v128_t kk = wasm_i32x4_splat(k), dlo = wasm_i32x4_splat(e->dlo), dhi = wasm_i32x4_splat(e->dhi);
      const v128_t lo = wasm_f32x4_splat(e->lo), hi = wasm_f32x4_splat(e->hi);
      for (; c + 4 <= c1; c += 4) {
        v128_t d = wasm_i32x4_min(wasm_i32x4_max(dot4(kk, prow, corr, c), dlo), dhi);
        v128_t v;
        if (e->f64p) {
          /* Same double arithmetic as float_out: (dot - C) * M + B, rounded once to float32. */
          const double *M = e->f64p + c, *C = M + npad, *B = C + npad;
          v128_t d0 = wasm_f64x2_convert_low_i32x4(d), d1 = wasm_f64x2_convert_low_i32x4(wasm_i32x4_shuffle(d, d, 2, 3, 0, 1));
          v128_t v0 = wasm_f64x2_add(wasm_f64x2_mul(wasm_f64x2_sub(d0, wasm_v128_load(C)), wasm_v128_load(M)), wasm_v128_load(B));
          v128_t v1 =
              wasm_f64x2_add(wasm_f64x2_mul(wasm_f64x2_sub(d1, wasm_v128_load(C + 2)), wasm_v128_load(M + 2)), wasm_v128_load(B + 2));
          v = wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(v0), wasm_f32x4_demote_f64x2_zero(v1), 0, 1, 4, 5);
        } else {
          v = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(e->mult + c), wasm_f32x4_convert_i32x4(d)), wasm_v128_load(e->bias + c));
        }
        /* pmax/pmin are exactly float_out's `v < lo ? lo : v` and `v > hi ? hi : v`. */
        v = wasm_f32x4_pmin(wasm_f32x4_pmax(v, lo), hi);
        if (add) v = wasm_f32x4_add(v, wasm_v128_load(add + c));
        wasm_v128_store(o + c, v);
      }
#endif
      for (; c < c1; ++c) {
        float v = float_out(e, dot1(k, prow, corr, c), c);
        o[c] = add ? v + add[c] : v;
      }
    } else {
      u64 *ob = e->outB + (long)m * ((N + 63) >> 6);
      for (i32 c0w = c0; c0w < c1; c0w += 64) {
        const i32 end = c1 - c0w < 64 ? c1 : c0w + 64;
        u64 bits = 0;
#ifdef __wasm_simd128__
        const v128_t kk = wasm_i32x4_splat(k);
        for (; c + 4 <= end; c += 4) {
          v128_t lt = wasm_i32x4_lt(dot4(kk, prow, corr, c), wasm_v128_load(e->thr + c));
          bits |= (u64)wasm_i32x4_bitmask(lt) << (c - c0w);
        }
#endif
        for (; c < end; ++c) bits |= (u64)(dot1(k, prow, corr, c) < e->thr[c]) << (c - c0w);
        ob[c0w >> 6] = bits;
      }
    }
  }
}
