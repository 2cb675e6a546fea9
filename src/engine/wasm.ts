/**
 * Typed bindings of the kernel module (kernels/*.c): every export with its named, documented parameters. Pointers
 * are byte addresses in the module's memory (0 = NULL); every other number is an i32 unless marked float.
 * Only the runtime (the {@link Engine} and the ops' `run`) calls these, through {@link Kernels}.
 *
 * @packageDocumentation
 */

/** A byte address in the wasm memory (0 stands for NULL). */
export type Ptr = number;

/** NHWC window geometry shared by the windowed kernels. */
export interface WindowGeometry {
  /** Batch size. */
  batch: number;
  /** Input height. */
  h: number;
  /** Input width. */
  w: number;
  /** Window height. */
  kh: number;
  /** Window width. */
  kw: number;
  /** Vertical stride. */
  sy: number;
  /** Horizontal stride. */
  sx: number;
  /** Rows of padding above the input. */
  padTop: number;
  /** Columns of padding left of the input. */
  padLeft: number;
  /** Output height. */
  oh: number;
  /** Output width. */
  ow: number;
}

/** Geometry of a (dilated) convolution. */
export interface ConvGeometry extends WindowGeometry {
  /** Vertical dilation. */
  dy: number;
  /** Horizontal dilation. */
  dx: number;
}

/** The raw exports of the kernel module, in C parameter order. */
export interface KernelExports {
  /** The module's memory. */
  memory: WebAssembly.Memory;
  /** First byte after the module's static data and stack. */
  __heap_base: WebAssembly.Global;
  /** 1 in the SIMD128 build, 0 in the scalar one. */
  lce_has_simd(): number;
  /** Floats → packed sign bits: `rows` rows of `channels` floats at `x` into ceil(channels/64) words each at `out`. */
  lce_sign_pack(x: Ptr, out: Ptr, rows: number, channels: number): void;
  /** im2col on packed pixels (cw words each) into rows of `kwp` words; padded taps copy `padPixel`. */
  lce_im2col(
    input: Ptr,
    out: Ptr,
    batch: number,
    h: number,
    w: number,
    cw: number,
    kh: number,
    kw: number,
    sy: number,
    sx: number,
    dy: number,
    dx: number,
    padTop: number,
    padLeft: number,
    oh: number,
    ow: number,
    kwp: number,
    padPixel: Ptr,
  ): void;
  /** Binary GEMM with the fused epilogue (float32 `lo`, `hi`); see kernels/ops.c. */
  lce_bgemm(
    kernel: number,
    a: Ptr,
    w: Ptr,
    m: number,
    n: number,
    kwp: number,
    kwords: number,
    k: number,
    rowPattern: Ptr,
    corr: Ptr,
    mult: Ptr,
    bias: Ptr,
    lo: number,
    hi: number,
    thr: Ptr,
    outF: Ptr,
    outB: Ptr,
  ): void;
  /** Max pooling on packed bits (AND of the in-image taps). */
  lce_bmaxpool(
    input: Ptr,
    out: Ptr,
    batch: number,
    h: number,
    w: number,
    cw: number,
    ph: number,
    pw: number,
    sy: number,
    sx: number,
    padTop: number,
    padLeft: number,
    oh: number,
    ow: number,
  ): void;
  /** Float NHWC convolution, kernel HWIO, optional bias (0), float `padValue` for padded taps. */
  lce_fconv2d(
    x: Ptr,
    kernel: Ptr,
    bias: Ptr,
    out: Ptr,
    batch: number,
    h: number,
    w: number,
    cin: number,
    cout: number,
    kh: number,
    kw: number,
    sy: number,
    sx: number,
    dy: number,
    dx: number,
    padTop: number,
    padLeft: number,
    oh: number,
    ow: number,
    padValue: number,
  ): void;
  /** Float depthwise convolution, kernel `[kh, kw, cin, mult]`. */
  lce_fdepthwise(
    x: Ptr,
    kernel: Ptr,
    bias: Ptr,
    out: Ptr,
    batch: number,
    h: number,
    w: number,
    cin: number,
    mult: number,
    kh: number,
    kw: number,
    sy: number,
    sx: number,
    dy: number,
    dx: number,
    padTop: number,
    padLeft: number,
    oh: number,
    ow: number,
    padValue: number,
  ): void;
  /** Batch normalization over the last axis; `params`: 4 double arrays beta, mean, gamma, sqrt(var + eps). */
  lce_fbatchnorm(x: Ptr, out: Ptr, pixels: number, channels: number, params: Ptr): void;
  /** Float max pooling, NHWC (padded taps skipped). */
  lce_fmaxpool(
    x: Ptr,
    out: Ptr,
    batch: number,
    h: number,
    w: number,
    c: number,
    ph: number,
    pw: number,
    sy: number,
    sx: number,
    padTop: number,
    padLeft: number,
    oh: number,
    ow: number,
  ): void;
  /** `out = a + b` over `n` floats (`out` may alias `a`). */
  lce_fadd(a: Ptr, b: Ptr, out: Ptr, n: number): void;
}

/** Epilogue of one binary GEMM call (see kernels/ops.c `lce_bgemm`). */
export interface GemmEpilogue {
  /** Per-row border-correction pattern index (Int32), or 0. */
  rowPattern: Ptr;
  /** Border-correction rows (Int32, `npad` per pattern), or 0. */
  corr: Ptr;
  /** Float multipliers (float output), or 0. */
  mult: Ptr;
  /** Float biases (float output), or 0. */
  bias: Ptr;
  /** Lower clamp bound (float). */
  lo: number;
  /** Upper clamp bound (float). */
  hi: number;
  /** Integer thresholds (bits output), or 0. */
  thr: Ptr;
  /** Float output, or 0. */
  outF: Ptr;
  /** Packed-bits output (when `outF` is 0), or 0. */
  outB: Ptr;
}

/** Named-argument wrappers of {@link KernelExports}. */
export class Kernels {
  /** @param raw - the module's exports. */
  constructor(private readonly raw: KernelExports) {}

  /** Whether this is the SIMD128 build. */
  hasSimd(): boolean {
    return this.raw.lce_has_simd() === 1;
  }

  /** Packs `rows` × `channels` floats at `x` into sign bits at `out` (bit 1 where !(x ≥ 0)). */
  signPack(x: Ptr, out: Ptr, rows: number, channels: number): void {
    this.raw.lce_sign_pack(x, out, rows, channels);
  }

  /** im2col of a packed NHWC input with `cw` words per pixel into GEMM rows of `kwp` words. */
  im2col(input: Ptr, out: Ptr, cw: number, g: ConvGeometry, kwp: number, padPixel: Ptr): void {
    this.raw.lce_im2col(
      input,
      out,
      g.batch,
      g.h,
      g.w,
      cw,
      g.kh,
      g.kw,
      g.sy,
      g.sx,
      g.dy,
      g.dx,
      g.padTop,
      g.padLeft,
      g.oh,
      g.ow,
      kwp,
      padPixel,
    );
  }

  /** Binary GEMM of `m` rows at `a` against `n` weight columns in panels at `w` (rows of `kwp` words, `kwords` real, `k` bits). */
  bgemm(simd: boolean, a: Ptr, w: Ptr, m: number, n: number, kwp: number, kwords: number, k: number, e: GemmEpilogue): void {
    this.raw.lce_bgemm(simd ? 1 : 0, a, w, m, n, kwp, kwords, k, e.rowPattern, e.corr, e.mult, e.bias, e.lo, e.hi, e.thr, e.outF, e.outB);
  }

  /** Max pooling on packed bits (`cw` words per pixel). */
  bmaxpool(input: Ptr, out: Ptr, cw: number, g: WindowGeometry): void {
    this.raw.lce_bmaxpool(input, out, g.batch, g.h, g.w, cw, g.kh, g.kw, g.sy, g.sx, g.padTop, g.padLeft, g.oh, g.ow);
  }

  /** Float convolution (HWIO kernel) or depthwise convolution (`[kh, kw, cin, mult]`); `outChannels` = cout or mult. */
  fconv(
    depthwise: boolean,
    x: Ptr,
    kernel: Ptr,
    bias: Ptr,
    out: Ptr,
    cin: number,
    outChannels: number,
    g: ConvGeometry,
    padValue: number,
  ): void {
    const fn = depthwise ? this.raw.lce_fdepthwise : this.raw.lce_fconv2d;
    fn(
      x,
      kernel,
      bias,
      out,
      g.batch,
      g.h,
      g.w,
      cin,
      outChannels,
      g.kh,
      g.kw,
      g.sy,
      g.sx,
      g.dy,
      g.dx,
      g.padTop,
      g.padLeft,
      g.oh,
      g.ow,
      padValue,
    );
  }

  /** Batch normalization of `pixels` × `channels` floats with the double parameter block at `params`. */
  fbatchnorm(x: Ptr, out: Ptr, pixels: number, channels: number, params: Ptr): void {
    this.raw.lce_fbatchnorm(x, out, pixels, channels, params);
  }

  /** Float max pooling over `c` channels. */
  fmaxpool(x: Ptr, out: Ptr, c: number, g: WindowGeometry): void {
    this.raw.lce_fmaxpool(x, out, g.batch, g.h, g.w, c, g.kh, g.kw, g.sy, g.sx, g.padTop, g.padLeft, g.oh, g.ow);
  }

  /** `out = a + b` over `n` floats. */
  fadd(a: Ptr, b: Ptr, out: Ptr, n: number): void {
    this.raw.lce_fadd(a, b, out, n);
  }
}
