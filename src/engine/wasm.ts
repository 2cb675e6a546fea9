/**
 * Typed bindings of the kernel module (kernels/*.c): every export with its named, documented parameters. Pointers
 * are byte addresses in the module's memory (0 = NULL); every other number is an i32 unless marked float.
 * Only the runtime (the {@link Engine} and the ops' `run`) calls these, through {@link Kernels}, which also splits
 * the larger calls by output rows across the engine's worker threads (threads/pool.ts) when it has any.
 *
 * @packageDocumentation
 */

import { halvesPerTap, wordsPerPixel } from "./bitpacking.js";
import type { Split } from "./threads/protocol.js";

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

/**
 * A (dilated) convolution's window and output size in C parameter order, as every convolution kernel takes them
 * (see {@link ConvGeometry}).
 */
export type ConvWindowArgs = [
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
];

/**
 * A pooling kernel's input and window geometry in C parameter order: NHWC input size (`c` is floats or, for the
 * packed kernels, words per pixel), window, strides, padding and output size.
 */
export type PoolWindowArgs = [
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
];

/** {@link PoolWindowArgs} of `g` over `c` floats (or words) per pixel. */
function poolWindowArgs(g: WindowGeometry, c: number): PoolWindowArgs {
  return [g.batch, g.h, g.w, c, g.kh, g.kw, g.sy, g.sx, g.padTop, g.padLeft, g.oh, g.ow];
}

/** {@link ConvWindowArgs} of `g`. */
function convWindowArgs(g: ConvGeometry): ConvWindowArgs {
  return [g.kh, g.kw, g.sy, g.sx, g.dy, g.dx, g.padTop, g.padLeft, g.oh, g.ow];
}

/**
 * The im2col geometry in C parameter order: the arguments of {@link KernelExports.lce_im2col} after `batch` and of
 * {@link KernelExports.lce_bconv_init} after `rows`. Pixels are `cw` words, GEMM rows `kwp` words, taps `hp` 32-bit
 * halves (bitpacking.ts `halvesPerTap`); padded taps copy the pixel at `padPixel`.
 */
export type Im2colGeometryArgs = [h: number, w: number, cw: number, ...window: ConvWindowArgs, kwp: number, padPixel: Ptr, hp: number];

/**
 * A binary GEMM's fused epilogue in C parameter order ({@link GemmEpilogue}'s fields): the arguments of
 * {@link KernelExports.lce_bgemm} and {@link KernelExports.lce_bconv_init} after `k`; `lo`, `hi` are float.
 */
export type EpilogueArgs = [
  rowPattern: Ptr,
  corr: Ptr,
  mult: Ptr,
  bias: Ptr,
  lo: number,
  hi: number,
  thr: Ptr,
  outF: Ptr,
  outB: Ptr,
  dotMin: number,
  dotMax: number,
  f64p: Ptr,
  addF: Ptr,
];

/** {@link Im2colGeometryArgs} of an input of `channels` channels. */
function im2colGeometryArgs(channels: number, g: ConvGeometry, kwp: number, padPixel: Ptr): Im2colGeometryArgs {
  const cw = wordsPerPixel(channels);
  return [g.h, g.w, cw, ...convWindowArgs(g), kwp, padPixel, halvesPerTap(channels)];
}

/** {@link EpilogueArgs} of `e`, its optional fields defaulted. */
function epilogueArgs(e: GemmEpilogue): EpilogueArgs {
  const { rowPattern, corr, mult, bias, lo, hi, thr, outF, outB } = e;
  return [rowPattern, corr, mult, bias, lo, hi, thr, outF, outB, e.dotMin ?? -0x80000000, e.dotMax ?? 0x7fffffff, e.f64 ?? 0, e.addF ?? 0];
}

/** The raw exports of the kernel module, in C parameter order. */
export interface KernelExports {
  /** The module's memory. */
  memory: WebAssembly.Memory;
  /** First byte after the module's static data and stack. */
  __heap_base: WebAssembly.Global;
  /** The C stack pointer (exported by the threaded build only: each worker points it at a stack of its own). */
  __stack_pointer?: WebAssembly.Global;
  /** 1 in the SIMD128 build, 0 in the scalar one. */
  lce_has_simd(): number;
  /** Floats → packed sign bits: `rows` rows of `channels` floats at `x` into ceil(channels/64) words each at `out`. */
  lce_sign_pack(x: Ptr, out: Ptr, rows: number, channels: number): void;
  /**
   * im2col on packed pixels (cw words each) into rows of `kwp` words, `hp` 32-bit halves per tap; padded taps copy
   * `padPixel`.
   */
  lce_im2col(input: Ptr, out: Ptr, batch: number, ...geometry: Im2colGeometryArgs): void;
  /** Binary GEMM with the fused epilogue (float32 `lo`, `hi`); see kernels/ops.c. */
  lce_bgemm(kernel: number, a: Ptr, w: Ptr, m: number, n: number, kwp: number, kwords: number, k: number, ...epilogue: EpilogueArgs): void;
  /** Size in bytes of `lce_bconv_job` (the job block of {@link KernelExports.lce_bconv_init}). */
  lce_bconv_job_bytes(): number;
  /**
   * Stores a binary convolution in the job block at `job`: the im2col geometry (as {@link KernelExports.lce_im2col}'s
   * arguments from `input` to `hp`, without the batch) and the GEMM (as {@link KernelExports.lce_bgemm}'s from
   * `kernel` on; its `a` is `rows`, its `m` comes with each {@link KernelExports.lce_bconv_rows} call).
   */
  lce_bconv_init(
    job: Ptr,
    input: Ptr,
    rows: Ptr,
    ...rest: [
      ...geometry: Im2colGeometryArgs,
      kernel: number,
      weights: Ptr,
      n: number,
      kwords: number,
      k: number,
      ...epilogue: EpilogueArgs,
    ]
  ): void;
  /** The im2col rows `p0 .. p0 + count − 1` of the job's convolution (over the whole batch), then their GEMM. */
  lce_bconv_rows(job: Ptr, p0: number, count: number): void;
  /** Max pooling on packed bits (AND of the in-image taps). */
  lce_bmaxpool(input: Ptr, out: Ptr, ...window: PoolWindowArgs): void;
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
    ...rest: [...window: ConvWindowArgs, padValue: number]
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
    ...rest: [...window: ConvWindowArgs, padValue: number]
  ): void;
  /**
   * Batch normalization over the last axis; `params`: 4 double arrays beta, mean, gamma, sqrt(var + eps), then the
   * doubles flags (bit 0: no normalisation, bit 1: clamp), lo, hi.
   */
  lce_fbatchnorm(x: Ptr, out: Ptr, pixels: number, channels: number, params: Ptr): void;
  /** Float max pooling, NHWC (padded taps and NaN values skipped); with `clamp` 1, every tap clamped to [lo, hi] first. */
  lce_fmaxpool(x: Ptr, out: Ptr, ...rest: [...window: PoolWindowArgs, clamp: number, lo: number, hi: number]): void;
  /** Float average pooling, NHWC, over the in-image taps (double sum / count, rounded once). */
  lce_favgpool(x: Ptr, out: Ptr, ...window: PoolWindowArgs): void;
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
  /** Float output in the centred double form: M, C, B arrays of doubles (see kernels/ops.c), or 0. */
  f64?: Ptr;
  /** Float output, or 0. */
  outF: Ptr;
  /** Packed-bits output (when `outF` is 0), or 0. */
  outB: Ptr;
  /** Float output: a residual (float32, the output's layout) added after the clamp, or 0. */
  addF?: Ptr;
  /** Lower bound of the integer dot before the multiplier (float output; default −2³¹). */
  dotMin?: number;
  /** Upper bound of the integer dot before the multiplier (float output; default 2³¹ − 1). */
  dotMax?: number;
}

/** The kernels a worker thread may run (a job names one by its index here). */
export const THREAD_KERNELS = [
  "lce_bgemm",
  "lce_bconv_rows",
  "lce_fconv2d",
  "lce_fdepthwise",
  "lce_im2col",
  "lce_fbatchnorm",
  "lce_fadd",
  "lce_fmaxpool",
  "lce_favgpool",
  "lce_bmaxpool",
  "lce_sign_pack",
] as const;

/** A kernel a worker thread may run. */
export type ThreadKernel = (typeof THREAD_KERNELS)[number];

/** What {@link Kernels} needs of a thread pool (threads/pool.ts `ThreadPool`). */
export interface KernelPool {
  /** Worker threads (the calling thread comes on top). */
  readonly size: number;
  /** Whether to split the next call (false while splitting is measured to cost more than it saves). */
  accepting(): boolean;
  /** Records the wall time (ms) of a call of `kernel` estimated at `estNs` on one thread, in the mode accepted. */
  record(kernel: ThreadKernel, estNs: number, wallMs: number): void;
  /**
   * Runs `THREAD_KERNELS[fn]` with `args` split as `split` says; returns when every chunk is done. `estNs`: the
   * call's estimated single-thread time.
   */
  run(fn: number, args: readonly number[], split: Split, estNs?: number): void;
}

/**
 * Estimated single-thread time (ns) below which a call is not split: posting a job and waking the workers costs
 * ~10 µs, so only calls several times longer gain.
 */
export const MIN_SPLIT_NS = 40_000;

const PTR = 1;
const NOT_PTR = 0;

/** Named-argument wrappers of {@link KernelExports}. */
export class Kernels {
  /** The worker threads calls are split across, if any. @internal */
  pool: KernelPool | undefined;
  /** Calls estimated shorter than this (ns) run on the calling thread (tests set 0 to split every call). @internal */
  minSplitNs = MIN_SPLIT_NS;
  /**
   * Split every call long enough to split, without asking the pool's split policy (and without scoring it): set
   * while a model with a single-thread twin runs on the threads, since its own policy (threads/twin.ts) already
   * chose them over one thread for the whole predict. @internal
   */
  alwaysSplit = false;

  /** @param raw - the module's exports. */
  constructor(private readonly raw: KernelExports) {}

  /**
   * Calls `name` with `args` on this thread, or split across the pool when its estimated time `ns` is long enough.
   * `split(rowsPerChunk)` describes the chunks; `units` × `images` rows are cut into about 4 chunks per thread, of
   * a multiple of `align` rows.
   */
  private call(
    name: ThreadKernel,
    args: number[],
    ns: number,
    units: number,
    images: number,
    align: number,
    split: (rowsPerChunk: number) => Omit<Split, "units" | "images" | "rowsPerChunk">,
  ): void {
    const pool = this.pool;
    if (!pool || ns < this.minSplitNs || units * images < 2) {
      (this.raw[name] as (...a: number[]) => void)(...args);
      return;
    }
    // minSplitNs 0 (tests) splits every call, also where the pool's measurements would keep it on this thread;
    // alwaysSplit (a model with a twin on its threads) neither asks the pool's policy nor scores it.
    const asked = !this.alwaysSplit;
    const t0 = performance.now();
    if (asked && this.minSplitNs > 0 && !pool.accepting()) {
      (this.raw[name] as (...a: number[]) => void)(...args);
    } else {
      const perImage = Math.max(1, Math.ceil((4 * (pool.size + 1)) / images));
      const rowsPerChunk = Math.ceil(Math.ceil(units / perImage) / align) * align;
      pool.run(THREAD_KERNELS.indexOf(name), args, { units, images, rowsPerChunk, ...split(rowsPerChunk) }, ns);
    }
    if (asked) pool.record(name, ns, performance.now() - t0);
  }

  /** Whether this is the SIMD128 build. */
  hasSimd(): boolean {
    return this.raw.lce_has_simd() === 1;
  }

  /** Packs `rows` × `channels` floats at `x` into sign bits at `out` (bit 1 where !(x ≥ 0)). */
  signPack(x: Ptr, out: Ptr, rows: number, channels: number): void {
    const cw = Math.ceil(channels / 64);
    this.call("lce_sign_pack", [x, out, rows, channels], rows * channels * 0.25, rows, 1, 1, () => ({
      countArg: 2,
      batchArg: -1,
      adjust: [
        [0, 0, channels * 4, PTR],
        [1, 0, cw * 8, PTR],
      ],
    }));
  }

  /**
   * im2col of a packed NHWC input of `channels` channels into GEMM rows of `kwp` words (taps of
   * `halvesPerTap(channels)` halves, see bitpacking.ts).
   */
  im2col(input: Ptr, out: Ptr, channels: number, g: ConvGeometry, kwp: number, padPixel: Ptr): void {
    const cw = wordsPerPixel(channels);
    const args = [input, out, g.batch, ...im2colGeometryArgs(channels, g, kwp, padPixel)];
    this.call("lce_im2col", args, g.batch * g.oh * g.ow * kwp * 2, g.oh, g.batch, 1, () => ({
      countArg: 14,
      batchArg: 2,
      adjust: [
        [0, g.h * g.w * cw * 8, 0, PTR],
        [1, g.oh * g.ow * kwp * 8, g.ow * kwp * 8, PTR],
        [12, 0, -g.sy, NOT_PTR],
      ],
    }));
  }

  /** Binary GEMM of `m` rows at `a` against `n` weight columns in panels at `w` (rows of `kwp` words, `kwords` real, `k` bits). */
  bgemm(simd: boolean, a: Ptr, w: Ptr, m: number, n: number, kwp: number, kwords: number, k: number, e: GemmEpilogue): void {
    const args = [simd ? 1 : 0, a, w, m, n, kwp, kwords, k, ...epilogueArgs(e)];
    // ~175 binary MACs per ns on one core; chunks of an even number of rows keep the scalar 2-row tile whole.
    this.call("lce_bgemm", args, (m * n * kwords * 64) / 175, m, 1, 2, () => ({
      countArg: 3,
      batchArg: -1,
      adjust: [
        [1, 0, kwp * 8, PTR],
        [8, 0, 4, PTR],
        [15, 0, n * 4, PTR],
        [16, 0, Math.ceil(n / 64) * 8, PTR],
        [20, 0, n * 4, PTR],
      ],
    }));
  }

  /** Size in bytes of the job block that {@link Kernels.bconv} needs. */
  bconvJobBytes(): number {
    return this.raw.lce_bconv_job_bytes();
  }

  /**
   * A binary convolution as one job (see kernels/ops.c `lce_bconv_rows`): the im2col rows of the packed `input`
   * (`channels` channels, geometry `g`) into `rows` (`kwp` words each), and their binary GEMM against the panels at
   * `w` (`n` columns, `kwords` real words, `k` bits) with epilogue `e`. Split across the pool by GEMM rows, each
   * chunk writes its own im2col rows and multiplies them at once.
   * `job`: {@link Kernels.bconvJobBytes} bytes.
   */
  bconv(
    job: Ptr,
    input: Ptr,
    rows: Ptr,
    channels: number,
    g: ConvGeometry,
    kwp: number,
    padPixel: Ptr,
    simd: boolean,
    w: Ptr,
    n: number,
    kwords: number,
    k: number,
    e: GemmEpilogue,
  ): void {
    const geometry = im2colGeometryArgs(channels, g, kwp, padPixel);
    this.raw.lce_bconv_init(job, input, rows, ...geometry, simd ? 1 : 0, w, n, kwords, k, ...epilogueArgs(e));
    const m = g.batch * g.oh * g.ow;
    // The GEMM's estimate plus im2col's; chunks of an even number of rows, as bgemm's.
    this.call("lce_bconv_rows", [job, 0, m], (m * n * kwords * 64) / 175 + m * kwp * 2, m, 1, 2, () => ({
      countArg: 2,
      batchArg: -1,
      adjust: [[1, 0, 1, NOT_PTR]],
    }));
  }

  /** Max pooling on packed bits (`cw` words per pixel). */
  bmaxpool(input: Ptr, out: Ptr, cw: number, g: WindowGeometry): void {
    const args = [input, out, ...poolWindowArgs(g, cw)];
    this.call("lce_bmaxpool", args, g.batch * g.oh * g.ow * cw * g.kh * g.kw, g.oh, g.batch, 1, () => ({
      countArg: 12,
      batchArg: 2,
      adjust: [
        [0, g.h * g.w * cw * 8, 0, PTR],
        [1, g.oh * g.ow * cw * 8, g.ow * cw * 8, PTR],
        [10, 0, -g.sy, NOT_PTR],
      ],
    }));
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
    const cout = depthwise ? cin * outChannels : outChannels;
    const args = [x, kernel, bias, out, g.batch, g.h, g.w, cin, outChannels, ...convWindowArgs(g), padValue];
    const macs = g.batch * g.oh * g.ow * cout * g.kh * g.kw * (depthwise ? 1 : cin);
    // ~10 float MACs per ns for the SIMD convolution, ~2 for the depthwise one.
    this.call(depthwise ? "lce_fdepthwise" : "lce_fconv2d", args, macs / (depthwise ? 2 : 10), g.oh, g.batch, 1, () => ({
      countArg: 17,
      batchArg: 4,
      adjust: [
        [0, g.h * g.w * cin * 4, 0, PTR],
        [3, g.oh * g.ow * cout * 4, g.ow * cout * 4, PTR],
        [15, 0, -g.sy, NOT_PTR],
      ],
    }));
  }

  /** Batch normalization of `pixels` × `channels` floats with the double parameter block at `params`. */
  fbatchnorm(x: Ptr, out: Ptr, pixels: number, channels: number, params: Ptr): void {
    this.call("lce_fbatchnorm", [x, out, pixels, channels, params], pixels * channels, pixels, 1, 1, () => ({
      countArg: 2,
      batchArg: -1,
      adjust: [
        [0, 0, channels * 4, PTR],
        [1, 0, channels * 4, PTR],
      ],
    }));
  }

  /** Float max pooling over `c` channels; with `clamp` = `[lo, hi]`, every tap clamped to it first. */
  fmaxpool(x: Ptr, out: Ptr, c: number, g: WindowGeometry, clamp?: readonly [number, number]): void {
    this.fpool("lce_fmaxpool", [x, out, ...poolWindowArgs(g, c), ...(clamp ? [1, ...clamp] : [0, 0, 0])], c, g);
  }

  /** Float average pooling over `c` channels. */
  favgpool(x: Ptr, out: Ptr, c: number, g: WindowGeometry): void {
    this.fpool("lce_favgpool", [x, out, ...poolWindowArgs(g, c)], c, g);
  }

  private fpool(name: "lce_fmaxpool" | "lce_favgpool", args: number[], c: number, g: WindowGeometry): void {
    this.call(name, args, (g.batch * g.oh * g.ow * c * g.kh * g.kw) / 2, g.oh, g.batch, 1, () => ({
      countArg: 12,
      batchArg: 2,
      adjust: [
        [0, g.h * g.w * c * 4, 0, PTR],
        [1, g.oh * g.ow * c * 4, g.ow * c * 4, PTR],
        [10, 0, -g.sy, NOT_PTR],
      ],
    }));
  }

  /** `out = a + b` over `n` floats. */
  fadd(a: Ptr, b: Ptr, out: Ptr, n: number): void {
    // Chunks of 16 floats keep every chunk's vectors aligned as in one call.
    this.call("lce_fadd", [a, b, out, n], n / 4, n, 1, 16, () => ({
      countArg: 3,
      batchArg: -1,
      adjust: [
        [0, 0, 4, PTR],
        [1, 0, 4, PTR],
        [2, 0, 4, PTR],
      ],
    }));
  }
}
