/*
 * Exported entry points of the larq-ts binary engine: sign-packing of float input, im2col on packed bits, the
 * binary GEMM with its fused output transform, and max pooling on packed bits.
 */
#include "lce.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

LCE_EXPORT("lce_has_simd") i32 lce_has_simd(void) {
#ifdef __wasm_simd128__
  return 1;
#else
  return 0;
#endif
}

/*
 * Packs rows of `channels` floats into ceil(channels/64) words each: bit = 1 where !(x >= 0), i.e. x < 0 or NaN
 * (0 and -0 give 0), larq-ts's sign: sign(NaN) = -1 as tf.where(x >= 0, 1, -1) gives.
 */
LCE_EXPORT("lce_sign_pack") void lce_sign_pack(const float *x, u64 *out, i32 rows, i32 channels) {
  i32 cw = (channels + 63) >> 6;
  for (i32 r = 0; r < rows; ++r) {
    const float *xr = x + (long)r * channels;
    u64 *o = out + (long)r * cw;
    i32 c = 0;
#ifdef __wasm_simd128__
    const v128_t zero = wasm_f32x4_splat(0.0f);
    for (; c + 64 <= channels; c += 64) {
      u64 word = 0;
      for (i32 q = 0; q < 4; ++q) {
        const float *s = xr + c + q * 16;
        v128_t m0 = wasm_f32x4_ge(wasm_v128_load(s), zero);
        v128_t m1 = wasm_f32x4_ge(wasm_v128_load(s + 4), zero);
        v128_t m2 = wasm_f32x4_ge(wasm_v128_load(s + 8), zero);
        v128_t m3 = wasm_f32x4_ge(wasm_v128_load(s + 12), zero);
        v128_t lo = wasm_i16x8_narrow_i32x4(m0, m1), hi = wasm_i16x8_narrow_i32x4(m2, m3);
        word |= (u64)(~wasm_i8x16_bitmask(wasm_i8x16_narrow_i16x8(lo, hi)) & 0xffff) << (q * 16);
      }
      o[c >> 6] = word;
    }
#endif
    for (; c < channels; c += 64) {
      i32 end = channels - c < 64 ? channels : c + 64;
      u64 word = 0;
      for (i32 j = c; j < end; ++j) word |= (u64)!(xr[j] >= 0.0f) << (j - c);
      o[c >> 6] = word;
    }
  }
}

/*
 * im2col on packed pixels: GEMM row (b, oy, ox) = the kh*kw input pixels of its receptive field in (ky, kx) order;
 * taps outside the image take `padPixel`; the row is zero-filled up to kwp words. Pixels are cw words; each tap
 * takes hp 32-bit halves of its pixel (hp = 2 * cw: whole words; hp odd: the pixel's last word is at most half used
 * and the next tap starts in its upper half, so no half of the row is empty).
 * im2col_rows writes rows p0..p1-1 of the batch's batch * oh * ow rows (row p at out + p * kwp): whole output rows
 * for lce_im2col, any range for a lce_bconv_rows chunk.
 */
#define IM2COL_TABLE_TAPS 64
static void im2col_rows(const lce_im2col_geom *g, long p0, long p1) {
  const u64 *in = g->in, *padPixel = g->padPixel;
  u64 *out = g->out;
  const i32 h = g->h, w = g->w, cw = g->cw, kh = g->kh, kw = g->kw, sh = g->sh, sw = g->sw, dh = g->dh, dw = g->dw;
  const i32 padTop = g->padTop, padLeft = g->padLeft, oh = g->oh, ow = g->ow, kwp = g->kwp, hp = g->hp;
  const int halves = hp != 2 * cw;
  const i32 taps = kh * kw;
  const i32 used = halves ? taps * hp : taps * cw * 2; /* in 32-bit halves */
  /* Windows wholly inside the image (most of them) copy from a table of tap offsets, without bounds checks. */
  i32 toff[IM2COL_TABLE_TAPS];
  const int table = taps <= IM2COL_TABLE_TAPS;
  if (table)
    for (i32 ky = 0; ky < kh; ++ky)
      for (i32 kx = 0; kx < kw; ++kx) toff[ky * kw + kx] = (ky * dh * w + kx * dw) * cw; /* in words */
  const long plane = (long)oh * ow;
  for (long p = p0; p < p1;) {
    /* One output row (or the part of it in the range) per pass: b, oy and the window's first input row. */
    const i32 b = (i32)(p / plane), oy = (i32)(p % plane) / ow;
    i32 ox = (i32)(p % plane) % ow;
    const i32 oxEnd = p1 - p < ow - ox ? ox + (i32)(p1 - p) : ow;
    const u64 *img = in + (long)b * h * w * cw;
    const i32 iy0 = oy * sh - padTop;
    const int rowInside = table && iy0 >= 0 && iy0 + (kh - 1) * dh < h;
    for (; ox < oxEnd; ++ox, ++p) {
      u64 *row = out + p * kwp;
      u32 *row32 = (u32 *)row;
      const i32 ix0 = ox * sw - padLeft;
      if (rowInside && ix0 >= 0 && ix0 + (kw - 1) * dw < w) {
        const u64 *base = img + ((long)iy0 * w + ix0) * cw;
        if (hp == 1) {
          for (i32 t = 0; t < taps; ++t) row32[t] = ((const u32 *)(base + toff[t]))[0];
        } else if (!halves && cw == 1) {
          for (i32 t = 0; t < taps; ++t) row[t] = base[toff[t]];
        } else if (halves) {
          for (i32 t = 0; t < taps; ++t)
            for (i32 c = 0; c < hp; ++c) *row32++ = ((const u32 *)(base + toff[t]))[c];
        } else {
          for (i32 t = 0; t < taps; ++t)
            for (i32 c = 0; c < cw; ++c) *row++ = base[toff[t] + c];
        }
      } else {
        for (i32 ky = 0; ky < kh; ++ky) {
          i32 iy = iy0 + ky * dh;
          for (i32 kx = 0; kx < kw; ++kx) {
            i32 ix = ix0 + kx * dw;
            const u64 *src = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? img + ((long)iy * w + ix) * cw : padPixel;
            if (halves) {
              const u32 *s32 = (const u32 *)src;
              for (i32 c = 0; c < hp; ++c) *row32++ = s32[c];
            } else {
              for (i32 c = 0; c < cw; ++c) *row++ = src[c];
            }
          }
        }
      }
      u32 *r32 = (u32 *)(out + p * kwp);
      for (i32 c = used; c < kwp * 2; ++c) r32[c] = 0;
    }
  }
}

LCE_EXPORT("lce_im2col")
void lce_im2col(const u64 *in, u64 *out, i32 batch, i32 h, i32 w, i32 cw, i32 kh, i32 kw, i32 sh, i32 sw, i32 dh,
                i32 dw, i32 padTop, i32 padLeft, i32 oh, i32 ow, i32 kwp, const u64 *padPixel, i32 hp) {
  const lce_im2col_geom g = {in, out, padPixel, h, w, cw, kh, kw, sh, sw, dh, dw, padTop, padLeft, oh, ow, kwp, hp};
  im2col_rows(&g, 0, (long)batch * oh * ow);
}

/* The epilogue of lce_bgemm's arguments k .. addF (n columns, rows indexed from the GEMM's row 0). */
static void epilogue_init(lce_epilogue *e, i32 k, i32 n, const i32 *rowPattern, const i32 *corr, const float *mult,
                          const float *bias, float lo, float hi, const i32 *thr, float *outF, u64 *outB, i32 dlo,
                          i32 dhi, const double *f64p, const float *addF) {
  const lce_epilogue v = {.k = k, .n = n, .rowPattern = rowPattern, .corr = corr, .npad = (n + NR - 1) / NR * NR,
                          .mult = mult, .bias = bias, .f64p = f64p, .lo = lo, .hi = hi, .dlo = dlo, .dhi = dhi,
                          .thr = thr, .outF = outF, .addF = addF, .outB = outB};
  *e = v;
}

/*
 * Binary GEMM with fused output transform: for every row m < M and column n < N, dot = k - 2 * popcount(A[m] ^ W[n])
 * minus the border correction corr[rowPattern[m]][n] (when rowPattern is not NULL); then either
 * outF[m][n] = clamp(mult[n] * clamp(dot, dlo, dhi) + bias[n], lo, hi) or, when outF is NULL, bit n of row m in
 * outB = (dot < thr[n]). (The dot clamp is LCE's fused activation, applied before its multiplier and bias.)
 * With f64p (not NULL: three double arrays M, C, B of npad = ceil(n / 4) * 4 entries) the float output is instead
 * clamp(float32((clamp(dot, dlo, dhi) - C[n]) * M[n] + B[n]), lo, hi) in double arithmetic: the centred form that
 * reproduces a BatchNormalization evaluated step by step (mult and bias are then unused).
 * With addF (not NULL, float output only) the float32 addF[m][n] is added to each clamped output: a residual Add
 * fused into the GEMM, one float32 addition as tfjs's add.
 * kwp is the row stride in words (even), kwords <= kwp the words holding real bits (the rest are zero).
 * kernel: 0 = scalar i64.popcnt tile, 1 = SIMD128 i8x16.popcnt tile (scalar in the build without SIMD).
 */
LCE_EXPORT("lce_bgemm")
void lce_bgemm(i32 kernel, const u64 *a, const u64 *w, i32 m, i32 n, i32 kwp, i32 kwords, i32 k, const i32 *rowPattern,
               const i32 *corr, const float *mult, const float *bias, float lo, float hi, const i32 *thr, float *outF,
               u64 *outB, i32 dlo, i32 dhi, const double *f64p, const float *addF) {
  lce_epilogue e;
  epilogue_init(&e, k, n, rowPattern, corr, mult, bias, lo, hi, thr, outF, outB, dlo, dhi, f64p, addF);
  lce_gemm_blocked(kernel == 1 ? lce_tile_simd : lce_tile_scalar, a, w, m, kwp, kwords, &e);
}

/*
 * A binary convolution as one job: lce_bconv_init stores the im2col geometry (as lce_im2col's arguments, batch
 * excepted) and the GEMM (as lce_bgemm's) in `job`; lce_bconv_rows(job, p0, count) then writes the im2col rows
 * p0..p0+count-1 of the batch * oh * ow rows and runs the GEMM with its epilogue on exactly those rows. A thread
 * that runs one chunk thus reads back the rows it has just written (still in its cache), and a split convolution
 * is one job instead of an im2col and a GEMM, each waiting for its slowest chunk.
 */
LCE_EXPORT("lce_bconv_init")
void lce_bconv_init(lce_bconv_job *job, const u64 *in, u64 *rows, i32 h, i32 w, i32 cw, i32 kh, i32 kw, i32 sh,
                    i32 sw, i32 dh, i32 dw, i32 padTop, i32 padLeft, i32 oh, i32 ow, i32 kwp, const u64 *padPixel,
                    i32 hp, i32 kernel, const u64 *wp, i32 n, i32 kwords, i32 k, const i32 *rowPattern,
                    const i32 *corr, const float *mult, const float *bias, float lo, float hi, const i32 *thr,
                    float *outF, u64 *outB, i32 dlo, i32 dhi, const double *f64p, const float *addF) {
  const lce_im2col_geom g = {in, rows, padPixel, h, w, cw, kh, kw, sh, sw, dh, dw, padTop, padLeft, oh, ow, kwp, hp};
  job->g = g;
  job->kernel = kernel;
  job->wp = wp;
  job->kwords = kwords;
  epilogue_init(&job->e, k, n, rowPattern, corr, mult, bias, lo, hi, thr, outF, outB, dlo, dhi, f64p, addF);
}

LCE_EXPORT("lce_bconv_job_bytes") i32 lce_bconv_job_bytes(void) { return (i32)sizeof(lce_bconv_job); }

LCE_EXPORT("lce_bconv_rows") void lce_bconv_rows(const lce_bconv_job *job, i32 p0, i32 count) {
  im2col_rows(&job->g, p0, (long)p0 + count);
  /* The GEMM of rows p0.. : the row-indexed epilogue pointers move to row p0 (as a split lce_bgemm's chunk). */
  lce_epilogue e = job->e;
  const i32 n = e.n;
  if (e.rowPattern) e.rowPattern += p0;
  if (e.outF) e.outF += (long)p0 * n;
  if (e.outB) e.outB += (long)p0 * ((n + 63) >> 6);
  if (e.addF) e.addF += (long)p0 * n;
  const i32 kwp = job->g.kwp;
  lce_gemm_blocked(job->kernel == 1 ? lce_tile_simd : lce_tile_scalar, job->g.out + (long)p0 * kwp, job->wp, count, kwp,
                   job->kwords, &e);
}

/*
 * Max pooling on packed bits: the max of +-1 values is -1 only when all are -1, so the output word is the AND of
 * the words of the window's in-image taps (taps in the padding are skipped, as in float max pooling).
 */
LCE_EXPORT("lce_bmaxpool")
void lce_bmaxpool(const u64 *in, u64 *out, i32 batch, i32 h, i32 w, i32 cw, i32 ph, i32 pw, i32 sh, i32 sw,
                  i32 padTop, i32 padLeft, i32 oh, i32 ow) {
  for (i32 b = 0; b < batch; ++b) {
    const u64 *img = in + (long)b * h * w * cw;
    for (i32 oy = 0; oy < oh; ++oy) {
      for (i32 ox = 0; ox < ow; ++ox) {
        u64 *o = out + (((long)b * oh + oy) * ow + ox) * cw;
        for (i32 c = 0; c < cw; ++c) o[c] = ~0ULL;
        /* Only the window's in-image taps: the loop is bounded by the input, whatever the window size. */
        i32 y0 = oy * sh - padTop, x0 = ox * sw - padLeft;
        i32 ky0 = y0 < 0 ? -y0 : 0, ky1 = h - y0 < ph ? h - y0 : ph;
        i32 kx0 = x0 < 0 ? -x0 : 0, kx1 = w - x0 < pw ? w - x0 : pw;
        for (i32 ky = ky0; ky < ky1; ++ky) {
          i32 iy = y0 + ky;
          for (i32 kx = kx0; kx < kx1; ++kx) {
            i32 ix = x0 + kx;
            const u64 *src = img + ((long)iy * w + ix) * cw;
            for (i32 c = 0; c < cw; ++c) o[c] &= src[c];
          }
        }
      }
    }
  }
}
