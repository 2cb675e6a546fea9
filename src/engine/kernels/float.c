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

/*
 * out[b, oy, ox, n] = bias[n] + sum over (ky, kx, c) of x[b, oy*sh - padTop + ky*dh, ox*sw - padLeft + kx*dw, c]
 * * wt[ky, kx, c, n]; taps outside the image take padValue (skipped when 0). bias may be NULL.
 */
LCE_EXPORT("lce_fconv2d")
void lce_fconv2d(const float *x, const float *wt, const float *bias, float *out, i32 batch, i32 h, i32 w, i32 cin,
                 i32 cout, i32 kh, i32 kw, i32 sh, i32 sw, i32 dh, i32 dw, i32 padTop, i32 padLeft, i32 oh, i32 ow,
                 float padValue) {
  for (i32 b = 0; b < batch; ++b) {
    for (i32 oy = 0; oy < oh; ++oy) {
      for (i32 ox = 0; ox < ow; ++ox) {
        float *o = out + (((long)b * oh + oy) * ow + ox) * cout;
        fconv_pixel(x, wt, bias, o, b, h, w, cin, cout, kh, kw, oy * sh - padTop, ox * sw - padLeft, dh, dw, padValue,
                    0, cout);
      }
    }
  }
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
      for (i32 ox = 0; ox < ow; ++ox) {
        float *o = out + (((long)b * oh + oy) * ow + ox) * cout;
        for (i32 n = 0; n < cout; ++n) o[n] = 0;
        for (i32 ky = 0; ky < kh; ++ky) {
          i32 iy = oy * sh - padTop + ky * dh;
          for (i32 kx = 0; kx < kw; ++kx) {
            i32 ix = ox * sw - padLeft + kx * dw;
            i32 inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
            if (!inside && padValue == 0.0f) continue;
            const float *xp = x + (((long)b * h + iy) * w + ix) * cin;
            const float *wp = wt + (long)(ky * kw + kx) * cout;
            if (inside) {
              for (i32 n = 0; n < cout; ++n) o[n] += xp[n / mult] * wp[n];
            } else {
              for (i32 n = 0; n < cout; ++n) o[n] += padValue * wp[n];
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
 * double, rounded once to float. p holds 4 double arrays of `channels`: beta, mean, gamma, den = sqrt(var + eps).
 */
LCE_EXPORT("lce_fbatchnorm")
void lce_fbatchnorm(const float *x, float *out, i32 pixels, i32 channels, const double *p) {
  const double *beta = p, *mean = p + channels, *gamma = p + 2 * channels, *den = p + 3 * channels;
  for (i32 i = 0; i < pixels; ++i) {
    const float *xi = x + (long)i * channels;
    float *oi = out + (long)i * channels;
    for (i32 c = 0; c < channels; ++c) oi[c] = (float)(beta[c] + ((double)xi[c] - mean[c]) * gamma[c] / den[c]);
  }
}

/* Max pooling, NHWC; taps outside the image and NaN values are skipped (as tfjs's cpu kernel). */
LCE_EXPORT("lce_fmaxpool")
void lce_fmaxpool(const float *x, float *out, i32 batch, i32 h, i32 w, i32 c, i32 ph, i32 pw, i32 sh, i32 sw,
                  i32 padTop, i32 padLeft, i32 oh, i32 ow) {
  for (i32 b = 0; b < batch; ++b) {
    for (i32 oy = 0; oy < oh; ++oy) {
      for (i32 ox = 0; ox < ow; ++ox) {
        float *o = out + (((long)b * oh + oy) * ow + ox) * c;
        /* As the tfjs cpu kernel: start at -inf and keep x > max, so NaN taps are skipped. */
        for (i32 k = 0; k < c; ++k) o[k] = -__builtin_inff();
        /* Only the window's in-image taps: the loop is bounded by the input, whatever the window size. */
        i32 y0 = oy * sh - padTop, x0 = ox * sw - padLeft;
        i32 ky0 = y0 < 0 ? -y0 : 0, ky1 = h - y0 < ph ? h - y0 : ph;
        i32 kx0 = x0 < 0 ? -x0 : 0, kx1 = w - x0 < pw ? w - x0 : pw;
        for (i32 ky = ky0; ky < ky1; ++ky) {
          i32 iy = y0 + ky;
          for (i32 kx = kx0; kx < kx1; ++kx) {
            i32 ix = x0 + kx;
            const float *xp = x + (((long)b * h + iy) * w + ix) * c;
            for (i32 k = 0; k < c; ++k) o[k] = xp[k] > o[k] ? xp[k] : o[k];
          }
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
