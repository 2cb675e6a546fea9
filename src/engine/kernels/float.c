/*
 * Float32 kernels of the engine: NHWC convolution (also used for dense layers as a 1x1 convolution of a 1x1
 * image). Each output pixel accumulates blocks of 16 output channels in four f32x4 registers over the taps and
 * input channels; the weights (HWIO) are read contiguously along the output channels.
 */
#include "lce.h"

static inline void fconv_pixel(const float *x, const float *wt, const float *bias, float *o, i32 b, i32 h, i32 w,
                               i32 cin, i32 cout, i32 kh, i32 kw, i32 iy0, i32 ix0, i32 dh, i32 dw, float padValue,
                               i32 n0, i32 n1) {
  for (i32 n = n0; n < n1; ++n) o[n] = 0;
  for (i32 ky = 0; ky < kh; ++ky) {
    i32 iy = iy0 + ky * dh;
    for (i32 kx = 0; kx < kw; ++kx) {
      i32 ix = ix0 + kx * dw;
      i32 inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
      if (!inside && padValue == 0.0f) continue;
      const float *xp = x + (((long)b * h + iy) * w + ix) * cin;
      const float *wp = wt + (long)(ky * kw + kx) * cin * cout;
      i32 n = n0;
#ifdef __wasm_simd128__
      if ((long)cin * (n1 - n0) >= 16384) {
        /*
         * Large weights (a dense layer): input channels outermost so the weight rows stream contiguously; each
         * output still adds its products in c order.
         */
        i32 n4 = n0 + ((n1 - n0) & ~3);
        for (i32 c = 0; c < cin; ++c) {
          float xv = inside ? xp[c] : padValue;
          v128_t v = wasm_f32x4_splat(xv);
          const float *wc = wp + (long)c * cout;
          for (i32 m = n0; m < n4; m += 4)
            wasm_v128_store(o + m, wasm_f32x4_add(wasm_v128_load(o + m), wasm_f32x4_mul(v, wasm_v128_load(wc + m))));
          for (i32 m = n4; m < n1; ++m) o[m] += xv * wc[m];
        }
        continue;
      }
      for (; n + 16 <= n1; n += 16) {
        v128_t a0 = wasm_v128_load(o + n), a1 = wasm_v128_load(o + n + 4);
        v128_t a2 = wasm_v128_load(o + n + 8), a3 = wasm_v128_load(o + n + 12);
        const float *wc = wp + n;
        for (i32 c = 0; c < cin; ++c, wc += cout) {
          v128_t v = wasm_f32x4_splat(inside ? xp[c] : padValue);
          a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(v, wasm_v128_load(wc)));
          a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(v, wasm_v128_load(wc + 4)));
          a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(v, wasm_v128_load(wc + 8)));
          a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(v, wasm_v128_load(wc + 12)));
        }
        wasm_v128_store(o + n, a0);
        wasm_v128_store(o + n + 4, a1);
        wasm_v128_store(o + n + 8, a2);
        wasm_v128_store(o + n + 12, a3);
      }
      for (; n + 4 <= n1; n += 4) {
        v128_t a0 = wasm_v128_load(o + n);
        const float *wc = wp + n;
        for (i32 c = 0; c < cin; ++c, wc += cout) {
          a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_f32x4_splat(inside ? xp[c] : padValue), wasm_v128_load(wc)));
        }
        wasm_v128_store(o + n, a0);
      }
#endif
      for (; n < n1; ++n) {
        float acc = o[n];
        const float *wc = wp + n;
        for (i32 c = 0; c < cin; ++c, wc += cout) acc += (inside ? xp[c] : padValue) * *wc;
        o[n] = acc;
      }
    }
  }
  if (bias) {
    for (i32 n = n0; n < n1; ++n) o[n] += bias[n];
  }
}

#ifdef __wasm_simd128__
/*
 * Four output pixels of one row (input pixels xs floats apart) x 8 output channels [n, n + 8), all of whose taps are
 * inside the image: each output still sums its taps in (ky, kx, c) order from 0 and adds the bias last, so every
 * result has the same bits as fconv_pixel's.
 */
static inline void fconv_tile4(const float *x, const float *wt, const float *bias, float *o, i32 b, i32 h, i32 w,
                               i32 cin, i32 cout, i32 kh, i32 kw, i32 iy0, i32 ix0, i32 dh, i32 dw, i32 sw, i32 n) {
  const float *xb = x + (((long)b * h + iy0) * w + ix0) * cin;
  long xs = (long)sw * cin;
  {
    v128_t a00 = wasm_f32x4_splat(0), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
    for (i32 ky = 0; ky < kh; ++ky) {
      for (i32 kx = 0; kx < kw; ++kx) {
        const float *xp = xb + ((long)ky * dh * w + (long)kx * dw) * cin;
        const float *wc = wt + (long)(ky * kw + kx) * cin * cout + n;
        for (i32 c = 0; c < cin; ++c, wc += cout) {
          v128_t w0 = wasm_v128_load(wc), w1 = wasm_v128_load(wc + 4);
          v128_t v0 = wasm_f32x4_splat(xp[c]);
          a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(v0, w0));
          a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(v0, w1));
          v128_t v1 = wasm_f32x4_splat(xp[c + xs]);
          a10 = wasm_f32x4_add(a10, wasm_f32x4_mul(v1, w0));
          a11 = wasm_f32x4_add(a11, wasm_f32x4_mul(v1, w1));
          v128_t v2 = wasm_f32x4_splat(xp[c + 2 * xs]);
          a20 = wasm_f32x4_add(a20, wasm_f32x4_mul(v2, w0));
          a21 = wasm_f32x4_add(a21, wasm_f32x4_mul(v2, w1));
          v128_t v3 = wasm_f32x4_splat(xp[c + 3 * xs]);
          a30 = wasm_f32x4_add(a30, wasm_f32x4_mul(v3, w0));
          a31 = wasm_f32x4_add(a31, wasm_f32x4_mul(v3, w1));
        }
      }
    }
    if (bias) {
      v128_t b0 = wasm_v128_load(bias + n), b1 = wasm_v128_load(bias + n + 4);
      a00 = wasm_f32x4_add(a00, b0);
      a01 = wasm_f32x4_add(a01, b1);
      a10 = wasm_f32x4_add(a10, b0);
      a11 = wasm_f32x4_add(a11, b1);
      a20 = wasm_f32x4_add(a20, b0);
      a21 = wasm_f32x4_add(a21, b1);
      a30 = wasm_f32x4_add(a30, b0);
      a31 = wasm_f32x4_add(a31, b1);
    }
    float *op = o + n;
    wasm_v128_store(op, a00);
    wasm_v128_store(op + 4, a01);
    wasm_v128_store(op + cout, a10);
    wasm_v128_store(op + cout + 4, a11);
    wasm_v128_store(op + 2 * cout, a20);
    wasm_v128_store(op + 2 * cout + 4, a21);
    wasm_v128_store(op + 3 * cout, a30);
    wasm_v128_store(op + 3 * cout + 4, a31);
  }
}
#endif

/*
 * out[b, oy, ox, n] = bias[n] + sum over (ky, kx, c) of x[b, oy*sh - padTop + ky*dh, ox*sw - padLeft + kx*dw, c]
 * * wt[ky, kx, c, n]; taps outside the image take padValue (skipped when 0). bias may be NULL.
 */
LCE_EXPORT("lce_fconv2d")
void lce_fconv2d(const float *x, const float *wt, const float *bias, float *out, i32 batch, i32 h, i32 w, i32 cin,
                 i32 cout, i32 kh, i32 kw, i32 sh, i32 sw, i32 dh, i32 dw, i32 padTop, i32 padLeft, i32 oh, i32 ow,
                 float padValue) {
  if (kh == 1 && kw == 1 && sh == 1 && sw == 1 && padTop == 0 && padLeft == 0 && oh == h && ow == w) {
    /* A 1x1 stride-1 convolution is a GEMM over all pixels: one row of batch * h * w pixels tiles best. */
    w = ow = batch * h * w;
    batch = h = oh = 1;
  }
  /* Output columns [oxLo, oxHi) have every tap inside the image horizontally; [oxLo, oxT) is tiled by 4. */
  i32 oxLo = 0, oxHi = ow;
  while (oxLo < ow && oxLo * sw - padLeft < 0) ++oxLo;
  while (oxHi > oxLo && (oxHi - 1) * sw - padLeft + (kw - 1) * dw >= w) --oxHi;
  i32 oxT = oxLo;
#ifdef __wasm_simd128__
  if (cout >= 8) oxT = oxLo + ((oxHi - oxLo) & ~3);
#endif
  i32 n8 = oxT > oxLo ? cout & ~7 : 0;
  for (i32 b = 0; b < batch; ++b) {
    for (i32 oy = 0; oy < oh; ++oy) {
      i32 iy0 = oy * sh - padTop;
      i32 rowInside = iy0 >= 0 && iy0 + (kh - 1) * dh < h;
      for (i32 ox = 0; ox < ow; ++ox) {
        float *o = out + (((long)b * oh + oy) * ow + ox) * cout;
        /* Tiled pixels get channels [n8, cout) here and [0, n8) below. */
        i32 tiled = rowInside && ox >= oxLo && ox < oxT;
        if (tiled && n8 == cout) continue;
        fconv_pixel(x, wt, bias, o, b, h, w, cin, cout, kh, kw, iy0, ox * sw - padLeft, dh, dw, padValue, tiled ? n8 : 0,
                    cout);
      }
    }
  }
#ifdef __wasm_simd128__
  /*
   * Groups of g tiled pixels (about 32 KB of input taps) with the channel blocks inside: a group's input and a
   * block's weights (kh * kw * cin * 8 floats) stay in L1 while the block walks the group.
   */
  i32 g = 8192 / (kh * kw * cin);
  g = g < 4 ? 4 : g & ~3;
  for (i32 b = 0; b < batch && n8 > 0; ++b) {
    for (i32 oy = 0; oy < oh; ++oy) {
      i32 iy0 = oy * sh - padTop;
      if (!(iy0 >= 0 && iy0 + (kh - 1) * dh < h)) continue;
      for (i32 ox0 = oxLo; ox0 < oxT; ox0 += g) {
        i32 ox1 = ox0 + g < oxT ? ox0 + g : oxT;
        for (i32 n = 0; n < n8; n += 8)
          for (i32 ox = ox0; ox < ox1; ox += 4)
            fconv_tile4(x, wt, bias, out + (((long)b * oh + oy) * ow + ox) * cout, b, h, w, cin, cout, kh, kw, iy0,
                        ox * sw - padLeft, dh, dw, sw, n);
      }
    }
  }
#endif
}

/*
 * Depthwise convolution, NHWC, kernel [kh, kw, cin, mult]: out[..., c*mult + m] = bias + sum over taps of
 * x[..., c] * wt[ky, kx, c, m]; taps outside take padValue (skipped when 0).
 */
LCE_EXPORT("lce_fdepthwise")
void lce_fdepthwise(const float *x, const float *wt, const float *bias, float *out, i32 batch, i32 h, i32 w, i32 cin,
                    i32 mult, i32 kh, i32 kw, i32 sh, i32 sw, i32 dh, i32 dw, i32 padTop, i32 padLeft, i32 oh, i32 ow,
                    float padValue) {
  i32 cout = cin * mult;
  for (i32 b = 0; b < batch; ++b) {
    for (i32 oy = 0; oy < oh; ++oy) {
      i32 iy0 = oy * sh - padTop;
      /* Taps ky in [ky0, ky1) are inside the image vertically. */
      i32 ky0 = 0, ky1 = kh;
      while (ky0 < kh && iy0 + ky0 * dh < 0) ++ky0;
      while (ky1 > ky0 && iy0 + (ky1 - 1) * dh >= h) --ky1;
      for (i32 ox = 0; ox < ow; ++ox) {
        float *o = out + (((long)b * oh + oy) * ow + ox) * cout;
        i32 ix0 = ox * sw - padLeft;
        if (padValue == 0.0f) {
          /* Padded taps are skipped: only the in-image taps, in (ky, kx) order, from 0, bias last. */
          i32 kx0 = 0, kx1 = kw;
          while (kx0 < kw && ix0 + kx0 * dw < 0) ++kx0;
          while (kx1 > kx0 && ix0 + (kx1 - 1) * dw >= w) --kx1;
          if (mult == 1) {
            i32 n = 0;
#ifdef __wasm_simd128__
            for (; n + 16 <= cout; n += 16) {
              v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
              for (i32 ky = ky0; ky < ky1; ++ky) {
                const float *xr = x + (((long)b * h + iy0 + ky * dh) * w + ix0) * cin + n;
                const float *wr = wt + (long)ky * kw * cout + n;
                for (i32 kx = kx0; kx < kx1; ++kx) {
                  const float *xp = xr + (long)kx * dw * cin, *wp = wr + (long)kx * cout;
                  a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(xp), wasm_v128_load(wp)));
                  a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(xp + 4), wasm_v128_load(wp + 4)));
                  a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load(xp + 8), wasm_v128_load(wp + 8)));
                  a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load(xp + 12), wasm_v128_load(wp + 12)));
                }
              }
              if (bias) {
                a0 = wasm_f32x4_add(a0, wasm_v128_load(bias + n));
                a1 = wasm_f32x4_add(a1, wasm_v128_load(bias + n + 4));
                a2 = wasm_f32x4_add(a2, wasm_v128_load(bias + n + 8));
                a3 = wasm_f32x4_add(a3, wasm_v128_load(bias + n + 12));
              }
              wasm_v128_store(o + n, a0);
              wasm_v128_store(o + n + 4, a1);
              wasm_v128_store(o + n + 8, a2);
              wasm_v128_store(o + n + 12, a3);
            }
            for (; n + 4 <= cout; n += 4) {
              v128_t a0 = wasm_f32x4_splat(0);
              for (i32 ky = ky0; ky < ky1; ++ky) {
                const float *xr = x + (((long)b * h + iy0 + ky * dh) * w + ix0) * cin + n;
                const float *wr = wt + (long)ky * kw * cout + n;
                for (i32 kx = kx0; kx < kx1; ++kx)
                  a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(xr + (long)kx * dw * cin), wasm_v128_load(wr + (long)kx * cout)));
              }
              if (bias) a0 = wasm_f32x4_add(a0, wasm_v128_load(bias + n));
              wasm_v128_store(o + n, a0);
            }
#endif
            for (; n < cout; ++n) {
              float acc = 0;
              for (i32 ky = ky0; ky < ky1; ++ky) {
                const float *xr = x + (((long)b * h + iy0 + ky * dh) * w + ix0) * cin + n;
                const float *wr = wt + (long)ky * kw * cout + n;
                for (i32 kx = kx0; kx < kx1; ++kx) acc += xr[(long)kx * dw * cin] * wr[(long)kx * cout];
              }
              if (bias) acc += bias[n];
              o[n] = acc;
            }
            continue;
          }
          for (i32 n = 0; n < cout; ++n) o[n] = 0;
          for (i32 ky = ky0; ky < ky1; ++ky) {
            for (i32 kx = kx0; kx < kx1; ++kx) {
              const float *xp = x + (((long)b * h + iy0 + ky * dh) * w + ix0 + kx * dw) * cin;
              const float *wp = wt + (long)(ky * kw + kx) * cout;
              for (i32 c = 0, n = 0; c < cin; ++c)
                for (i32 m = 0; m < mult; ++m, ++n) o[n] += xp[c] * wp[n];
            }
          }
        } else {
          for (i32 n = 0; n < cout; ++n) o[n] = 0;
          for (i32 ky = 0; ky < kh; ++ky) {
            i32 iy = iy0 + ky * dh;
            for (i32 kx = 0; kx < kw; ++kx) {
              i32 ix = ix0 + kx * dw;
              i32 inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
              const float *xp = x + (((long)b * h + iy) * w + ix) * cin;
              const float *wp = wt + (long)(ky * kw + kx) * cout;
              if (inside) {
                for (i32 c = 0, n = 0; c < cin; ++c)
                  for (i32 m = 0; m < mult; ++m, ++n) o[n] += xp[c] * wp[n];
              } else {
                for (i32 n = 0; n < cout; ++n) o[n] += padValue * wp[n];
              }
            }
          }
        }
        if (bias) {
          for (i32 n = 0; n < cout; ++n) o[n] += bias[n];
        }
      }
    }
  }
}

/*
 * BatchNormalization over the last axis with the tfjs cpu kernel's arithmetic: beta + (x - mean) * gamma / den in
 * double, rounded once to float, then an optional clamp. p holds 4 double arrays of `channels`: beta, mean,
 * gamma, den = sqrt(var + eps), then 3 doubles: flags, lo, hi. flags bit 0: skip the normalisation (out = x, the
 * arrays are not read: a plain activation); bit 1: clamp to [lo, hi].
 *
 * The clamp follows tfjs: relu is Math.max(0, x) (NaN stays NaN, relu(-0) = +0), relu6 clamps relu's output, and
 * clipByValue (hard tanh, lo = -1) is `x < lo ? lo : x > hi ? hi : x` (-0 stays -0). So: pmin(pmax(x, lo), hi),
 * single instructions that keep NaN, then + z with z = +0 when lo is 0 (turns -0 into +0, leaves every other value)
 * and z = -0 otherwise (leaves every value). wasm's f32x4.min/max would give the same bits but cost V8 about eight
 * instructions each on x64.
 */
static inline float clamp_zero(float lo) { return lo == 0.0f ? 0.0f : -0.0f; }

static inline float clampf(float r, i32 clamp, float lo, float hi, float z) {
  if (!clamp) return r;
  r = r < lo ? lo : r;
  return (hi < r ? hi : r) + z;
}

#ifdef __wasm_simd128__
static inline v128_t clamp4(v128_t v, v128_t lo, v128_t hi, v128_t z) {
  return wasm_f32x4_add(wasm_f32x4_pmin(wasm_f32x4_pmax(v, lo), hi), z);
}
#endif

LCE_EXPORT("lce_fbatchnorm")
void lce_fbatchnorm(const float *x, float *out, i32 pixels, i32 channels, const double *p) {
  const double *beta = p, *mean = p + channels, *gamma = p + 2 * channels, *den = p + 3 * channels;
  i32 flags = (i32)p[4 * channels];
  i32 identity = flags & 1, clamp = (flags >> 1) & 1;
  float lo = (float)p[4 * channels + 1], hi = (float)p[4 * channels + 2], z = clamp_zero(lo);
#ifdef __wasm_simd128__
  v128_t vlo = wasm_f32x4_splat(lo), vhi = wasm_f32x4_splat(hi), vz = wasm_f32x4_splat(clamp_zero(lo));
#endif
  if (identity) {
    long n = (long)pixels * channels, i = 0;
#ifdef __wasm_simd128__
    for (; i + 4 <= n; i += 4) {
      v128_t v = wasm_v128_load(x + i);
      if (clamp) v = clamp4(v, vlo, vhi, vz);
      wasm_v128_store(out + i, v);
    }
#endif
    for (; i < n; ++i) out[i] = clampf(x[i], clamp, lo, hi, z);
    return;
  }
  i32 c4 = 0;
#ifdef __wasm_simd128__
  /*
   * The same double operations two lanes at a time (promote, sub, mul, div, add, demote: identical bits); blocks
   * of pixels (about 8 KB) with the 4-channel groups inside, so each group's parameters stay in registers.
   */
  c4 = channels & ~3;
  i32 pb = 2048 / channels;
  pb = pb < 1 ? 1 : pb;
  for (i32 i0 = 0; i0 < pixels; i0 += pb) {
    i32 i1 = i0 + pb < pixels ? i0 + pb : pixels;
    for (i32 c = 0; c < c4; c += 4) {
      v128_t bl = wasm_v128_load(beta + c), bh = wasm_v128_load(beta + c + 2);
      v128_t ml = wasm_v128_load(mean + c), mh = wasm_v128_load(mean + c + 2);
      v128_t gl = wasm_v128_load(gamma + c), gh = wasm_v128_load(gamma + c + 2);
      v128_t dl = wasm_v128_load(den + c), dh = wasm_v128_load(den + c + 2);
      const float *xi = x + (long)i0 * channels + c;
      float *oi = out + (long)i0 * channels + c;
      for (i32 i = i0; i < i1; ++i, xi += channels, oi += channels) {
        v128_t v = wasm_v128_load(xi);
        v128_t l = wasm_f64x2_promote_low_f32x4(v);
        v128_t h = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
        l = wasm_f64x2_add(bl, wasm_f64x2_div(wasm_f64x2_mul(wasm_f64x2_sub(l, ml), gl), dl));
        h = wasm_f64x2_add(bh, wasm_f64x2_div(wasm_f64x2_mul(wasm_f64x2_sub(h, mh), gh), dh));
        v128_t r = wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(l), wasm_f32x4_demote_f64x2_zero(h), 0, 1, 4, 5);
        if (clamp) r = clamp4(r, vlo, vhi, vz);
        wasm_v128_store(oi, r);
      }
    }
  }
#endif
  for (i32 i = 0; i < pixels && c4 < channels; ++i) {
    const float *xi = x + (long)i * channels;
    float *oi = out + (long)i * channels;
    for (i32 c = c4; c < channels; ++c)
      oi[c] = clampf((float)(beta[c] + ((double)xi[c] - mean[c]) * gamma[c] / den[c]), clamp, lo, hi, z);
  }
}

/*
 * Window geometry of one pooling output pixel: its in-image taps are rows [ky0, ky1) and columns [kx0, kx1) of the
 * window, and xr points at the window's (0, 0) tap. Only those taps are read: the loops are bounded by the input,
 * whatever the window size.
 */
typedef struct {
  const float *xr;
  i32 ky0, ky1, kx0, kx1;
} pool_window;

static inline pool_window pool_at(const float *x, i32 b, i32 h, i32 w, i32 c, i32 ph, i32 pw, i32 sh, i32 sw,
                                  i32 padTop, i32 padLeft, i32 oy, i32 ox) {
  i32 y0 = oy * sh - padTop, x0 = ox * sw - padLeft;
  pool_window win = {x + (((long)b * h + y0) * w + x0) * c, y0 < 0 ? -y0 : 0, h - y0 < ph ? h - y0 : ph,
                     x0 < 0 ? -x0 : 0, w - x0 < pw ? w - x0 : pw};
  return win;
}

/*
 * Max pooling, NHWC; taps outside the image and NaN values are skipped (as tfjs's cpu kernel). With `clamp`, every
 * tap is first clamped to [lo, hi] as clampf does: a clamp activation folded from before the pool, exact tap by tap.
 */
LCE_EXPORT("lce_fmaxpool")
void lce_fmaxpool(const float *x, float *out, i32 batch, i32 h, i32 w, i32 c, i32 ph, i32 pw, i32 sh, i32 sw,
                  i32 padTop, i32 padLeft, i32 oh, i32 ow, i32 clamp, float lo, float hi) {
  float z = clamp_zero(lo);
#ifdef __wasm_simd128__
  v128_t vlo = wasm_f32x4_splat(lo), vhi = wasm_f32x4_splat(hi), vz = wasm_f32x4_splat(clamp_zero(lo));
#endif
  for (i32 b = 0; b < batch; ++b) {
    for (i32 oy = 0; oy < oh; ++oy) {
      for (i32 ox = 0; ox < ow; ++ox) {
        float *o = out + (((long)b * oh + oy) * ow + ox) * c;
        pool_window p = pool_at(x, b, h, w, c, ph, pw, sh, sw, padTop, padLeft, oy, ox);
        i32 k = 0;
#ifdef __wasm_simd128__
        /* pmax(m, v) = m < v ? v : m: keeps x > max, so NaN taps are skipped, from -inf (as tfjs's cpu kernel). */
        for (; k + 8 <= c; k += 8) {
          v128_t m0 = wasm_f32x4_splat(-__builtin_inff()), m1 = m0;
          for (i32 ky = p.ky0; ky < p.ky1; ++ky) {
            for (i32 kx = p.kx0; kx < p.kx1; ++kx) {
              const float *xp = p.xr + ((long)ky * w + kx) * c + k;
              v128_t v0 = wasm_v128_load(xp), v1 = wasm_v128_load(xp + 4);
              if (clamp) {
                v0 = clamp4(v0, vlo, vhi, vz);
                v1 = clamp4(v1, vlo, vhi, vz);
              }
              m0 = wasm_f32x4_pmax(m0, v0);
              m1 = wasm_f32x4_pmax(m1, v1);
            }
          }
          wasm_v128_store(o + k, m0);
          wasm_v128_store(o + k + 4, m1);
        }
#endif
        /* As the tfjs cpu kernel: start at -inf and keep x > max, so NaN taps are skipped. */
        for (i32 j = k; j < c; ++j) o[j] = -__builtin_inff();
        for (i32 ky = p.ky0; ky < p.ky1; ++ky) {
          for (i32 kx = p.kx0; kx < p.kx1; ++kx) {
            const float *xp = p.xr + ((long)ky * w + kx) * c;
            for (i32 j = k; j < c; ++j) {
              float v = clampf(xp[j], clamp, lo, hi, z);
              o[j] = v > o[j] ? v : o[j];
            }
          }
        }
      }
    }
  }
}

/*
 * Average pooling, NHWC, over the in-image taps only, with the tfjs cpu kernel's arithmetic: the taps summed in
 * double in (ky, kx) order from 0, divided by their count in double, rounded once to float.
 */
LCE_EXPORT("lce_favgpool")
void lce_favgpool(const float *x, float *out, i32 batch, i32 h, i32 w, i32 c, i32 ph, i32 pw, i32 sh, i32 sw,
                  i32 padTop, i32 padLeft, i32 oh, i32 ow) {
  for (i32 b = 0; b < batch; ++b) {
    for (i32 oy = 0; oy < oh; ++oy) {
      for (i32 ox = 0; ox < ow; ++ox) {
        float *o = out + (((long)b * oh + oy) * ow + ox) * c;
        pool_window p = pool_at(x, b, h, w, c, ph, pw, sh, sw, padTop, padLeft, oy, ox);
        double count = (double)(p.ky1 - p.ky0) * (p.kx1 - p.kx0);
        i32 k = 0;
#ifdef __wasm_simd128__
        /* The same double adds and divide two lanes at a time (identical bits), 8 channels per pass. */
        v128_t vn = wasm_f64x2_splat(count);
        for (; k + 8 <= c; k += 8) {
          v128_t s0 = wasm_f64x2_splat(0), s1 = s0, s2 = s0, s3 = s0;
          for (i32 ky = p.ky0; ky < p.ky1; ++ky) {
            for (i32 kx = p.kx0; kx < p.kx1; ++kx) {
              const float *xp = p.xr + ((long)ky * w + kx) * c + k;
              v128_t lo = wasm_v128_load(xp), hi = wasm_v128_load(xp + 4);
              s0 = wasm_f64x2_add(s0, wasm_f64x2_promote_low_f32x4(lo));
              s1 = wasm_f64x2_add(s1, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(lo, lo, 2, 3, 0, 1)));
              s2 = wasm_f64x2_add(s2, wasm_f64x2_promote_low_f32x4(hi));
              s3 = wasm_f64x2_add(s3, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(hi, hi, 2, 3, 0, 1)));
            }
          }
          v128_t r0 = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_div(s0, vn));
          v128_t r1 = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_div(s1, vn));
          v128_t r2 = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_div(s2, vn));
          v128_t r3 = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_div(s3, vn));
          wasm_v128_store(o + k, wasm_i32x4_shuffle(r0, r1, 0, 1, 4, 5));
          wasm_v128_store(o + k + 4, wasm_i32x4_shuffle(r2, r3, 0, 1, 4, 5));
        }
#endif
        for (i32 j = k; j < c; ++j) {
          double s = 0;
          for (i32 ky = p.ky0; ky < p.ky1; ++ky)
            for (i32 kx = p.kx0; kx < p.kx1; ++kx) s += (double)p.xr[((long)ky * w + kx) * c + j];
          o[j] = (float)(s / count);
        }
      }
    }
  }
}

/* out = a + b, element-wise (out may alias a). */
LCE_EXPORT("lce_fadd")
void lce_fadd(const float *a, const float *b, float *out, i32 n) {
  for (i32 i = 0; i < n; ++i) out[i] = a[i] + b[i];
}
