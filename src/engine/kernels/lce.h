/*
 * Shared declarations of the larq-ts binary kernels (freestanding C for wasm32).
 *
 * Packed layout (see src/engine/bitpacking.ts): 64-bit words, channels along the last axis, channel c in bit
 * (c % 64) of word (c / 64), bit 1 = negative, 0 = +1, unused tail bits 0.
 *
 * GEMM operands:
 *  - A (activations, im2col rows): M rows of KWP words each (KWP even; trailing words zero).
 *  - W (weights): ceil(N / 4) panels; each panel holds, for k-pair p (words 2p and 2p+1), the 4 columns one after
 *    the other: panel[p * 8 + j * 2 + h] = word (2p + h) of column j. Missing columns are zero words.
 *    Both the scalar and the SIMD kernel read this same layout.
 */
#ifndef LCE_H
#define LCE_H

typedef unsigned long long u64;
typedef unsigned int u32;
typedef int i32;

#define LCE_EXPORT(name) __attribute__((export_name(name)))
#define NR 4

/* Parameters of the fused output transform, shared by every GEMM variant. */
typedef struct {
  i32 k;             /* number of real binary products per output (dot = k - 2 * popcount) */
  const i32 *rowPattern; /* per row: index into corr (NULL = no border correction) */
  const i32 *corr;   /* [patterns][npad] integer corrections subtracted from dot */
  i32 npad;          /* row length of corr (N rounded up to NR) */
  const float *mult; /* float output: per-channel multiplier */
  const float *bias; /* float output: per-channel bias */
  const double *f64p; /* float output, centred double form (NULL = float32 form): M[npad], C[npad], B[npad] */
  float lo, hi;      /* float output: clamp bounds */
  i32 dlo, dhi;      /* float output: bounds of the dot before the multiplier (LCE's fused activation) */
  const i32 *thr;    /* bits output: bit set (negative) when dot < thr[n] */
  float *outF;       /* float output [M][N] (NULL when writing bits) */
  const float *addF; /* float output: a residual [M][N] added after the clamp (a fused Add), or NULL */
  u64 *outB;         /* bits output [M][ceil(N/64)] */
} lce_epilogue;

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

/* Writes the 4 (or fewer, at the right edge) outputs of row m, columns n0..n0+3, from their popcounts. */
static inline void lce_store4(const lce_epilogue *e, i32 m, i32 n0, i32 N, const i32 pc[4]) {
  i32 cols = N - n0 < 4 ? N - n0 : 4;
#ifdef __wasm_simd128__
  if (cols == 4) {
    /* Same float32 arithmetic as the scalar path below; pmax/pmin are exactly `v < lo ? lo : v` / `v > hi ? hi : v`. */
    v128_t d = wasm_i32x4_sub(wasm_i32x4_splat(e->k), wasm_i32x4_shl(wasm_v128_load(pc), 1));
    if (e->rowPattern) d = wasm_i32x4_sub(d, wasm_v128_load(e->corr + e->rowPattern[m] * e->npad + n0));
    if (e->outF) {
      d = wasm_i32x4_min(wasm_i32x4_max(d, wasm_i32x4_splat(e->dlo)), wasm_i32x4_splat(e->dhi));
      v128_t v;
      if (e->f64p) {
        /* Same double arithmetic as the scalar path: (dot - C) * M + B, rounded once to float32. */
        const double *M = e->f64p + n0, *C = M + e->npad, *B = C + e->npad;
        v128_t d0 = wasm_f64x2_convert_low_i32x4(d), d1 = wasm_f64x2_convert_low_i32x4(wasm_i32x4_shuffle(d, d, 2, 3, 0, 1));
        v128_t v0 = wasm_f64x2_add(wasm_f64x2_mul(wasm_f64x2_sub(d0, wasm_v128_load(C)), wasm_v128_load(M)), wasm_v128_load(B));
        v128_t v1 =
            wasm_f64x2_add(wasm_f64x2_mul(wasm_f64x2_sub(d1, wasm_v128_load(C + 2)), wasm_v128_load(M + 2)), wasm_v128_load(B + 2));
        v = wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(v0), wasm_f32x4_demote_f64x2_zero(v1), 0, 1, 4, 5);
      } else {
        v = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(e->mult + n0), wasm_f32x4_convert_i32x4(d)), wasm_v128_load(e->bias + n0));
      }
      v = wasm_f32x4_pmax(v, wasm_f32x4_splat(e->lo));
      v = wasm_f32x4_pmin(v, wasm_f32x4_splat(e->hi));
      if (e->addF) v = wasm_f32x4_add(v, wasm_v128_load(e->addF + (long)m * N + n0));
      wasm_v128_store(e->outF + (long)m * N + n0, v);
    } else {
      u64 bits = (u64)wasm_i32x4_bitmask(wasm_i32x4_lt(d, wasm_v128_load(e->thr + n0)));
      e->outB[(long)m * ((N + 63) >> 6) + (n0 >> 6)] |= bits << (n0 & 63);
    }
    return;
  }
#endif
  i32 d[4];
  for (i32 j = 0; j < 4; ++j) d[j] = e->k - 2 * pc[j];
  if (e->rowPattern) {
    const i32 *c = e->corr + e->rowPattern[m] * e->npad + n0;
    for (i32 j = 0; j < 4; ++j) d[j] -= c[j];
  }
  if (e->outF) {
    float *o = e->outF + (long)m * N + n0;
    for (i32 j = 0; j < cols; ++j) {
      i32 dj = d[j] < e->dlo ? e->dlo : d[j];
      dj = dj > e->dhi ? e->dhi : dj;
      float v;
      if (e->f64p) {
        const double *M = e->f64p, *C = M + e->npad, *B = C + e->npad;
        v = (float)(((double)dj - C[n0 + j]) * M[n0 + j] + B[n0 + j]);
      } else {
        v = e->mult[n0 + j] * (float)dj + e->bias[n0 + j];
      }
      v = v < e->lo ? e->lo : v;
      v = v > e->hi ? e->hi : v;
      if (e->addF) v += e->addF[(long)m * N + n0 + j];
      o[j] = v;
    }
  } else {
    i32 nw = (N + 63) >> 6;
    u64 bits = 0;
    for (i32 j = 0; j < cols; ++j) bits |= (u64)(d[j] < e->thr[n0 + j]) << j;
    /* n0 is a multiple of 4, so the 4 bits never straddle a word. */
    e->outB[(long)m * nw + (n0 >> 6)] |= bits << (n0 & 63);
  }
}

void lce_gemm_scalar(const u64 *a, const u64 *w, i32 m, i32 n, i32 kwp, i32 kwords, const lce_epilogue *e);
void lce_gemm_simd(const u64 *a, const u64 *w, i32 m, i32 n, i32 kwp, const lce_epilogue *e);

#endif
