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
  i32 n;             /* output columns (the row length of outF and addF) */
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

/* im2col geometry (see ops.c im2col_rows): packed input image 0 and the GEMM rows it writes. */
typedef struct {
  const u64 *in;       /* packed input [batch][h][w][cw] */
  u64 *out;            /* GEMM rows [batch * oh * ow][kwp] */
  const u64 *padPixel; /* the cw words taken by taps in the padding */
  i32 h, w, cw, kh, kw, sh, sw, dh, dw, padTop, padLeft, oh, ow, kwp, hp;
} lce_im2col_geom;

/* A binary convolution split into row ranges (ops.c lce_bconv_init / lce_bconv_rows). */
typedef struct {
  lce_im2col_geom g;
  i32 kernel;     /* 0 = scalar tile, 1 = SIMD tile */
  const u64 *wp;  /* weight panels */
  i32 kwords;     /* real words per GEMM row */
  lce_epilogue e; /* rows indexed from row 0 of the batch */
} lce_bconv_job;

/*
 * A tile kernel: the popcounts of `rows` consecutive A rows (from `a`, `kwp` words apart) against the 4 columns of
 * one weight panel `wp`, written to pc[r * stride + j] (j = 0..3).
 */
typedef void (*lce_tile_fn)(const u64 *a, const u64 *wp, i32 rows, i32 kwp, i32 kwords, i32 *pc, i32 stride);

/* Popcounts per block (16 KiB of C stack): the tile kernels fill a block, then one pass applies the epilogue. */
#define LCE_BLOCK 4096
/* Columns per block at most: a multiple of 64, so bit-output blocks start on a word. */
#define LCE_BLOCK_COLS 2048

/*
 * The blocked GEMM driver shared by every tile kernel: the e->n output columns of m rows, in blocks of at most
 * LCE_BLOCK popcounts: each block's panels by `tile`, then the block's outputs by lce_epilogue_block.
 */
void lce_gemm_blocked(lce_tile_fn tile, const u64 *a, const u64 *w, i32 m, i32 kwp, i32 kwords, const lce_epilogue *e);

/*
 * Applies the epilogue to rows m0..m0+rows-1, columns c0..c1-1 of the output from their popcounts
 * pc[r * stride + (c - c0)]; c0 is a multiple of 64 (bit outputs write whole words).
 */
void lce_epilogue_block(const lce_epilogue *e, const i32 *pc, i32 stride, i32 m0, i32 rows, i32 c0, i32 c1);

/* Scalar i64.popcnt tile (2 rows at a time below 16 words, else 1 row; reads only the kwords real words). */
void lce_tile_scalar(const u64 *a, const u64 *wp, i32 rows, i32 kwp, i32 kwords, i32 *pc, i32 stride);
/* SIMD128 i8x16.popcnt tile (one row at a time, whole k-pairs); the scalar tile in the build without SIMD. */
void lce_tile_simd(const u64 *a, const u64 *wp, i32 rows, i32 kwp, i32 kwords, i32 *pc, i32 stride);

#endif
