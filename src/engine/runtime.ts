/**
 * The engine runtime: loads the bitpacked wasm kernels once, picks the faster GEMM kernel by a short calibration,
 * keeps weights and activations in one wasm memory and runs prepared binary ops on it.
 *
 * @packageDocumentation
 */
import { invalidArgument } from "../utils/errors.js";
import { importNode } from "../utils/node_import.js";
import { WasmAllocator } from "./allocator.js";
import { negatePackedRows, packDenseWeights, packFilter, packedLength, realBitsMask, wordsPerPixel } from "./bitpacking.js";
import {
  axisGeometry,
  computeThresholds,
  filterTapSums,
  resolveBConv2D,
  resolveBDense,
  resolveBMaxPool,
  type BConv2DParams,
  type BDenseParams,
  type BMaxPoolParams,
  type ResolvedBConv2D,
  type ResolvedTransform,
} from "./ops.js";

/** Where to load a kernel module from: a URL, a file path or URL string, or the module bytes. */
export type WasmSource = URL | string | Uint8Array | ArrayBuffer;

/** The two binary GEMM inner kernels; both read the same packed layout. */
export type GemmKernel = "scalar" | "simd";

/** Options of {@link loadEngine}. */
export interface EngineOptions {
  /**
   * The kernel module to load instead of the bundled one (the embedded copy of `src/engine/kernels/lce.wasm`, or
   * of `lce-scalar.wasm` when SIMD is off; see {@link embeddedWasm}), e.g. a custom build or a URL on a CDN.
   */
  wasm?: WasmSource;
  /** Use the SIMD128 build; default: whether this WebAssembly engine validates SIMD128 (see {@link simdSupported}). */
  simd?: boolean;
  /** GEMM kernel: `"auto"` (default) times both at load and keeps the faster; the scalar build only has `"scalar"`. */
  gemmKernel?: GemmKernel | "auto";
}

/** Calibration figures measured at load (fastest of 9 alternating runs, in milliseconds; `simdMs` is NaN without SIMD). */
export interface Calibration {
  scalarMs: number;
  simdMs: number;
}

/** The element kind of an {@link EngineTensor}: float32 values, or packed sign bits (see bitpacking.ts). */
export type EngineDType = "float32" | "bits";

interface Exports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  lce_has_simd(): number;
  lce_sign_pack(x: number, out: number, rows: number, channels: number): void;
  lce_im2col(...args: number[]): void;
  lce_bgemm(...args: number[]): void;
  lce_bmaxpool(...args: number[]): void;
  lce_fconv2d(...args: number[]): void;
  lce_fdepthwise(...args: number[]): void;
  lce_fbatchnorm(x: number, out: number, pixels: number, channels: number, params: number): void;
  lce_fmaxpool(...args: number[]): void;
  lce_fadd(a: number, b: number, out: number, n: number): void;
}

// A minimal module using v128 and i8x16.popcnt: validates only where SIMD128 is supported.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** Whether this WebAssembly engine supports SIMD128 (checked with `WebAssembly.validate`). */
export function simdSupported(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/**
 * The bundled module's file URL, resolved from this file (build/src/engine/runtime.js → src/engine/kernels/).
 *
 * @remarks
 * The engine loads the embedded copy ({@link embeddedWasm}) by default; this URL is for serving the `.wasm` file
 * itself (pass it as `engineOptions.wasm`). It is right under Node and unbundled ES modules; in a bundle, import the
 * package exports `larq-ts/lce.wasm` / `larq-ts/lce-scalar.wasm` as assets instead. Each file is named by a
 * literal `new URL("…", import.meta.url)`, the pattern Vite and webpack 5 emit as an asset.
 */
export function defaultWasmUrl(simd: boolean): URL {
  return simd
    ? new URL("../../../src/engine/kernels/lce.wasm", import.meta.url)
    : new URL("../../../src/engine/kernels/lce-scalar.wasm", import.meta.url);
}

/** Decodes base64 (the embedded kernel modules) with `atob`, which browsers and Node 16+ provide. */
function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * The bundled kernel module's bytes, from the base64 modules generated next to the .wasm files (the default
 * source of {@link loadEngine}). A JavaScript module needs no asset handling: Vite (dev server and build), esbuild
 * and webpack bundle it like any other, and the lazy import keeps the unused variant out of split bundles.
 */
export async function embeddedWasm(simd: boolean): Promise<Uint8Array> {
  const { base64 } = simd ? await import("./kernels/lce_wasm.js") : await import("./kernels/lce_scalar_wasm.js");
  return decodeBase64(base64);
}

/** Reads a {@link WasmSource}: bytes as they are, `file:` URLs and paths with Node's fs, other URLs with fetch. */
export async function loadWasmBytes(source: WasmSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  let url: URL | undefined;
  if (source instanceof URL) url = source;
  else if (typeof source === "string" && /^[a-z][a-z0-9+.-]*:\/\//i.test(source)) url = new URL(source);
  else if (typeof source !== "string") invalidArgument("wasm", source, "a URL, a path or the module bytes");
  if (url && url.protocol !== "file:") {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`Cannot load wasm from ${url.href}: HTTP ${response.status}.`);
    return new Uint8Array(await response.arrayBuffer());
  }
  const fs = await importNode("node:fs/promises");
  return new Uint8Array(await fs.readFile(url ?? (source as string)));
}

const moduleCache = new Map<string, Promise<WebAssembly.Module>>();
let sharedEngine: Promise<Engine> | undefined;

/**
 * Loads the engine. Without options the instance is created once and shared; with options a new one is made.
 *
 * @example
 * ```ts
 * const engine = await lq.engine.loadEngine();
 * console.log(engine.simd, engine.gemmKernel);
 * ```
 */
export function loadEngine(options?: EngineOptions): Promise<Engine> {
  if (options === undefined) {
    if (!sharedEngine) {
      const created = Engine.create({});
      // A failed load is not cached: the next call tries again.
      created.catch(() => {
        if (sharedEngine === created) sharedEngine = undefined;
      });
      sharedEngine = created;
    }
    return sharedEngine;
  }
  return Engine.create(options);
}

/**
 * A buffer in the engine's wasm memory holding a float32 or packed-bits tensor of a logical NHWC / `[batch, units]`
 * shape. Packed tensors use the layout of bitpacking.ts (64-bit words per pixel).
 */
export class EngineTensor {
  /** Bytes of the buffer. */
  readonly byteLength: number;
  private freed = false;

  /** @internal Use {@link Engine.tensor}. */
  constructor(
    private readonly engine: Engine,
    /** Byte address in wasm memory. */
    readonly ptr: number,
    /** Logical shape (channels last). */
    readonly shape: readonly number[],
    /** Element kind. */
    readonly dtype: EngineDType,
  ) {
    this.byteLength = tensorBytes(shape, dtype);
  }

  /** Whether {@link EngineTensor.dispose} was called. */
  get disposed(): boolean {
    return this.freed;
  }

  /** Frees the buffer. */
  dispose(): void {
    if (this.freed) return;
    this.freed = true;
    this.engine.free(this.ptr);
  }
}

function tensorBytes(shape: readonly number[], dtype: EngineDType): number {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    invalidArgument("shape", shape, "a non-empty array of positive integers");
  }
  return dtype === "float32" ? shape.reduce((a, b) => a * b, 1) * 4 : packedLength(shape) * 4;
}

/**
 * The loaded kernel module with its memory, allocator and op factories.
 *
 * @remarks
 * Tensors and prepared ops own blocks of the module's memory and free them with their `dispose()`; the instance
 * itself needs no disposal (it is garbage-collected with its memory once unreferenced).
 * `gemmKernel` may be reassigned to force a kernel (e.g. in tests or benchmarks).
 *
 * @example
 * ```ts
 * const engine = await loadEngine();
 * const conv = engine.createBConv2D({ kernelSize: [3, 3], inChannels: 64, outChannels: 64, padding: "same" }, filter);
 * const x = engine.tensor([1, 56, 56, 64], "float32");
 * const xb = engine.tensor([1, 56, 56, 64], "bits");
 * const y = engine.tensor(conv.outputShape(xb.shape), conv.outputDType);
 * engine.writeFloat(x, input);
 * engine.signPack(x, xb);
 * conv.run(xb, y);
 * engine.readFloat(y, out); // out: a preallocated Float32Array
 * ```
 */
export class Engine {
  /** Whether the SIMD128 build is loaded. */
  readonly simd: boolean;
  /** The GEMM kernel used by every op. */
  gemmKernel: GemmKernel;
  /** Calibration timings (NaN where not measured). */
  readonly calibration: Calibration;
  /** @internal */
  readonly exports: Exports;
  private readonly allocator: WasmAllocator;

  private constructor(exports: Exports, gemm: GemmKernel | "auto") {
    this.exports = exports;
    this.simd = exports.lce_has_simd() === 1;
    this.allocator = new WasmAllocator(exports.memory, exports.__heap_base.value as number);
    this.gemmKernel = "scalar";
    this.calibration = { scalarMs: NaN, simdMs: NaN };
    if (gemm === "simd" && !this.simd) invalidArgument("gemmKernel", gemm, '"scalar" or "auto" with the scalar build');
    this.warmUpAndCalibrate(gemm);
  }

  /** Loads and instantiates a new engine (see {@link loadEngine}). */
  static async create(options: EngineOptions): Promise<Engine> {
    if (typeof options !== "object" || options === null) invalidArgument("options", options, "an EngineOptions object");
    const gemm = options.gemmKernel ?? "auto";
    if (gemm !== "auto" && gemm !== "scalar" && gemm !== "simd") {
      invalidArgument("gemmKernel", gemm, '"auto", "scalar" or "simd"');
    }
    const simd = options.simd ?? simdSupported();
    if (typeof simd !== "boolean") invalidArgument("simd", simd, "a boolean");
    const source = options.wasm;
    const key =
      source === undefined ? `embedded:${simd ? "simd" : "scalar"}` : source instanceof URL || typeof source === "string" ? String(source) : undefined;
    let module = key ? moduleCache.get(key) : undefined;
    if (!module) {
      const bytes = source === undefined ? embeddedWasm(simd) : loadWasmBytes(source);
      module = bytes.then((b) => WebAssembly.compile(b as Uint8Array<ArrayBuffer>));
      if (key) moduleCache.set(key, module);
    }
    const instance = await WebAssembly.instantiate(await module, {});
    return new Engine(instance.exports as unknown as Exports, gemm);
  }

  /** Bytes currently allocated in wasm memory. */
  get allocatedBytes(): number {
    return this.allocator.allocatedBytes;
  }

  /** The wasm memory's current buffer (re-read after any allocation: growth replaces it). */
  get buffer(): ArrayBuffer {
    return this.exports.memory.buffer;
  }

  /** Allocates `bytes` of wasm memory (16-byte aligned). */
  alloc(bytes: number): number {
    return this.allocator.alloc(bytes);
  }

  /** Frees memory from {@link Engine.alloc}. */
  free(ptr: number): void {
    this.allocator.dealloc(ptr);
  }

  /** Allocates a tensor buffer (contents undefined). */
  tensor(shape: readonly number[], dtype: EngineDType): EngineTensor {
    if (dtype !== "float32" && dtype !== "bits") invalidArgument("dtype", dtype, '"float32" or "bits"');
    return new EngineTensor(this, this.alloc(tensorBytes(shape, dtype)), [...shape], dtype);
  }

  /** Copies float data into a float32 tensor. */
  writeFloat(tensor: EngineTensor, data: ArrayLike<number>): void {
    checkTensor("tensor", tensor, "float32");
    const n = tensor.byteLength / 4;
    if (data.length !== n) invalidArgument("data.length", data.length, `${n}`);
    new Float32Array(this.buffer, tensor.ptr, n).set(data);
  }

  /** Copies a float32 tensor into a preallocated array of at least its size. */
  readFloat(tensor: EngineTensor, out: Float32Array): Float32Array {
    checkTensor("tensor", tensor, "float32");
    const n = tensor.byteLength / 4;
    if (!(out instanceof Float32Array) || out.length < n) invalidArgument("out", out?.length, `a Float32Array of >= ${n}`);
    out.set(new Float32Array(this.buffer, tensor.ptr, n));
    return out;
  }

  /** Copies packed bits (layout of bitpacking.ts) into a bits tensor. */
  writeBits(tensor: EngineTensor, data: Uint32Array): void {
    checkTensor("tensor", tensor, "bits");
    const n = tensor.byteLength / 4;
    if (!(data instanceof Uint32Array) || data.length !== n) invalidArgument("data.length", data?.length, `${n}`);
    new Uint32Array(this.buffer, tensor.ptr, n).set(data);
  }

  /** Copies a bits tensor into a preallocated `Uint32Array` of at least its size. */
  readBits(tensor: EngineTensor, out: Uint32Array): Uint32Array {
    checkTensor("tensor", tensor, "bits");
    const n = tensor.byteLength / 4;
    if (!(out instanceof Uint32Array) || out.length < n) invalidArgument("out", out?.length, `a Uint32Array of >= ${n}`);
    out.set(new Uint32Array(this.buffer, tensor.ptr, n));
    return out;
  }

  /** Packs the signs of a float32 tensor into a bits tensor of the same shape (SIMD in the SIMD build). */
  signPack(input: EngineTensor, output: EngineTensor): void {
    checkTensor("input", input, "float32");
    checkTensor("output", output, "bits");
    sameShape("output.shape", output.shape, input.shape);
    const channels = input.shape[input.shape.length - 1];
    this.exports.lce_sign_pack(input.ptr, output.ptr, input.byteLength / 4 / channels, channels);
  }

  /** Prepares a BConv2D op with float weights in the Keras layout HWIO `[kh, kw, cin, cout]` (signs are taken). */
  createBConv2D(params: BConv2DParams, filter: ArrayLike<number>): BConv2DOp {
    return new BConv2DOp(this, params, filter);
  }

  /** Prepares a BDense op with float weights `[cin, cout]` (signs are taken). */
  createBDense(params: BDenseParams, weights: ArrayLike<number>): BDenseOp {
    return new BDenseOp(this, params, weights);
  }

  /** Output shape of {@link Engine.bmaxpool} for a packed NHWC input shape. */
  bmaxpoolShape(params: BMaxPoolParams, inputShape: readonly number[]): number[] {
    const p = resolveBMaxPool(params);
    checkNHWC("inputShape", inputShape);
    const [b, h, w, c] = inputShape;
    return [b, axisGeometry(h, p.ph, p.sy, 1, p.padding).out, axisGeometry(w, p.pw, p.sx, 1, p.padding).out, c];
  }

  /** Max pooling on packed bits (see {@link BMaxPoolParams}); `output` must have {@link Engine.bmaxpoolShape}. */
  bmaxpool(params: BMaxPoolParams, input: EngineTensor, output: EngineTensor): void {
    const p = resolveBMaxPool(params);
    checkTensor("input", input, "bits");
    checkTensor("output", output, "bits");
    sameShape("output.shape", output.shape, this.bmaxpoolShape(params, input.shape));
    const [b, h, w, c] = input.shape;
    const gy = axisGeometry(h, p.ph, p.sy, 1, p.padding);
    const gx = axisGeometry(w, p.pw, p.sx, 1, p.padding);
    this.exports.lce_bmaxpool(
      input.ptr, output.ptr, b, h, w, wordsPerPixel(c), p.ph, p.pw, p.sy, p.sx, gy.padBefore, gx.padBefore, gy.out, gx.out,
    );
  }

  /**
   * Runs the binary GEMM with a fused epilogue (see kernels/ops.c `lce_bgemm`). Pointers are wasm byte addresses;
   * 0 stands for NULL.
   * @internal
   */
  gemm(a: number, w: number, m: number, n: number, kwp: number, kwords: number, k: number, e: Epilogue): void {
    this.exports.lce_bgemm(
      this.gemmKernel === "simd" ? 1 : 0, a, w, m, n, kwp, kwords, k, e.rowPattern, e.corr, e.mult, e.bias, e.lo, e.hi, e.thr,
      e.outF, e.outB,
    );
  }

  /** One warm-up call per kernel (the first call of a fresh module runs baseline code), then the GEMM timing. */
  private warmUpAndCalibrate(gemm: GemmKernel | "auto"): void {
    const m = 256;
    const n = 64;
    const kwp = 18;
    const words = m * kwp + n * kwp;
    const scratch = this.alloc(words * 8 + m * n * 4 + n * 8 + 64);
    const a = scratch;
    const w = a + m * kwp * 8;
    const outF = w + n * kwp * 8;
    const mult = outF + m * n * 4;
    const bias = mult + n * 4;
    const view = new Uint32Array(this.buffer, scratch, words * 2);
    let s = 0x9e3779b9;
    for (let i = 0; i < view.length; i++) view[i] = s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    new Float32Array(this.buffer, mult, n).fill(1);
    new Float32Array(this.buffer, bias, n).fill(0);
    const e: Epilogue = { rowPattern: 0, corr: 0, mult, bias, lo: -Infinity, hi: Infinity, thr: 0, outF, outB: 0 };
    this.exports.lce_sign_pack(outF, a, 4, 64);
    this.exports.lce_im2col(a, w, 1, 2, 2, 1, 1, 1, 1, 1, 1, 1, 0, 0, 2, 2, 2, a);
    this.exports.lce_bmaxpool(a, w, 1, 2, 2, 1, 2, 2, 2, 2, 0, 0, 1, 1);
    const kernels = this.simd ? (["scalar", "simd"] as const) : (["scalar"] as const);
    // Warm-up: a fresh module runs baseline code until V8 has compiled the optimised tier (in the background, after
    // a call budget), so keep calling both kernels for a while (measured: 3 calls were not enough for the first
    // instance of a process, which then picked the wrong kernel).
    const warmStart = performance.now();
    for (let r = 0; r < 3 || (r < 200 && performance.now() - warmStart < 25); r++) {
      for (const kernel of kernels) {
        this.gemmKernel = kernel;
        this.gemm(a, w, m, n, kwp, kwp, kwp * 64, e);
      }
    }
    // The kernels are timed alternately and the fastest run of each kept: on a shared machine other jobs only ever
    // slow a run down, and alternating exposes both kernels to the same load.
    const best: Record<GemmKernel, number> = { scalar: Infinity, simd: Infinity };
    for (let r = 0; r < 9; r++) {
      for (const kernel of kernels) {
        this.gemmKernel = kernel;
        const t0 = performance.now();
        this.gemm(a, w, m, n, kwp, kwp, kwp * 64, e);
        best[kernel] = Math.min(best[kernel], performance.now() - t0);
      }
    }
    this.calibration.scalarMs = best.scalar;
    if (this.simd) this.calibration.simdMs = best.simd;
    if (gemm === "auto") {
      this.gemmKernel = this.simd && this.calibration.simdMs < this.calibration.scalarMs ? "simd" : "scalar";
    } else {
      this.gemmKernel = gemm;
    }
    this.free(scratch);
  }
}

/** Epilogue pointers of one GEMM call. @internal */
interface Epilogue {
  rowPattern: number;
  corr: number;
  mult: number;
  bias: number;
  lo: number;
  hi: number;
  thr: number;
  outF: number;
  outB: number;
}

/**
 * Weights and transform of a binary layer, prepared in wasm memory: the packed weight panels (4 output channels
 * per panel, k-pairs interleaved), the float multiplier/bias or the integer thresholds.
 */
abstract class PreparedBinaryOp {
  protected readonly blocks: number[] = [];
  protected readonly panels: number;
  protected readonly mult: number;
  protected readonly bias: number;
  protected readonly thr: number;
  private disposed = false;

  protected constructor(
    protected readonly engine: Engine,
    /** Packed filter rows `[cout][taps][cin]` after negation. */
    protected readonly packed: Uint32Array,
    protected readonly taps: number,
    protected readonly cin: number,
    protected readonly cout: number,
    protected readonly transform: ResolvedTransform,
    /** Words per GEMM row: taps · ceil(cin/64), rounded up to even. */
    protected readonly kwp: number,
  ) {
    const cw = wordsPerPixel(cin);
    const panelCount = Math.ceil(cout / 4);
    this.panels = this.keep(panelCount * kwp * 4 * 8);
    const panels = new Uint32Array(engine.buffer, this.panels, panelCount * kwp * 4 * 2);
    panels.fill(0);
    const rowU32 = taps * cw * 2;
    for (let col = 0; col < cout; col++) {
      const p = col >> 2;
      const j = col & 3;
      for (let k = 0; k < taps * cw; k++) {
        const dst = ((p * (kwp >> 1) + (k >> 1)) * 4 + j) * 2 + (k & 1);
        panels[dst * 2] = packed[col * rowU32 + k * 2];
        panels[dst * 2 + 1] = packed[col * rowU32 + k * 2 + 1];
      }
    }
    const npad = panelCount * 4;
    if (transform.kind === "float") {
      this.mult = this.keep(npad * 4);
      this.bias = this.keep(npad * 4);
      new Float32Array(engine.buffer, this.mult, npad).set(transform.multiplier);
      new Float32Array(engine.buffer, this.bias, npad).set(transform.bias);
      this.thr = 0;
    } else {
      const { thresholds } = computeThresholds(transform, taps * cin);
      this.thr = this.keep(npad * 4);
      new Int32Array(engine.buffer, this.thr, npad).set(thresholds);
      this.mult = 0;
      this.bias = 0;
    }
  }

  /** Whether the output is packed bits. */
  get outputDType(): EngineDType {
    return this.transform.kind === "float" ? "float32" : "bits";
  }

  /** Frees the op's weights and scratch buffers. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const ptr of this.blocks) this.engine.free(ptr);
    this.blocks.length = 0;
  }

  protected checkLive(): void {
    if (this.disposed) throw new Error("This engine op was disposed.");
  }

  protected keep(bytes: number): number {
    const ptr = this.engine.alloc(Math.max(bytes, 16));
    this.blocks.push(ptr);
    return ptr;
  }

  protected epilogue(out: EngineTensor, rowPattern = 0, corr = 0): Epilogue {
    const t = this.transform;
    const isFloat = t.kind === "float";
    return {
      rowPattern, corr, mult: this.mult, bias: this.bias, lo: t.clampMin, hi: t.clampMax, thr: this.thr,
      outF: isFloat ? out.ptr : 0, outB: isFloat ? 0 : out.ptr,
    };
  }
}

/** Per-input-shape scratch of a BConv2D: im2col rows and the border-correction tables. */
interface ConvPlan {
  key: string;
  outShape: number[];
  m: number;
  im2col: number;
  padTop: number;
  padLeft: number;
  rowPattern: number;
  corr: number;
  direct: boolean;
}

/**
 * A prepared BConv2D (see {@link BConv2DParams}) whose weights live in wasm memory. Create with
 * {@link Engine.createBConv2D}; run on a packed input tensor.
 */
export class BConv2DOp extends PreparedBinaryOp {
  /** The op record with defaults filled in. */
  readonly params: ResolvedBConv2D;
  private readonly padPixel: number;
  private readonly tapSums: Int32Array | undefined;
  private plan: ConvPlan | undefined;
  private lastEpilogue: Epilogue | undefined;

  /** @internal Use {@link Engine.createBConv2D}. */
  constructor(engine: Engine, params: BConv2DParams, filter: ArrayLike<number>) {
    const p = resolveBConv2D(params);
    const packed = packFilter(filter, [p.kh, p.kw, p.cin, p.cout]);
    const taps = p.kh * p.kw;
    if (p.transform.kind === "bits") {
      negatePackedRows(packed, computeThresholds(p.transform, taps * p.cin).negate, taps, p.cin);
    }
    const cw = wordsPerPixel(p.cin);
    super(engine, packed, taps, p.cin, p.cout, p.transform, Math.ceil((taps * cw) / 2) * 2);
    this.params = p;
    this.padPixel = this.keep(cw * 8);
    const pad = new Uint32Array(engine.buffer, this.padPixel, cw * 2);
    for (let h = 0; h < cw * 2; h++) pad[h] = p.padValue === -1 ? realBitsMask(h, p.cin) : 0;
    this.tapSums = p.padValue === 0 && p.padding === "same" ? filterTapSums(packed, taps, p.cin, p.cout) : undefined;
  }

  /** Output shape for a `[batch, height, width, inChannels]` input. */
  outputShape(inputShape: readonly number[]): number[] {
    checkNHWC("inputShape", inputShape);
    if (inputShape[3] !== this.params.cin) invalidArgument("inputShape[3]", inputShape[3], `${this.params.cin}`);
    const p = this.params;
    const gy = axisGeometry(inputShape[1], p.kh, p.sy, p.dy, p.padding);
    const gx = axisGeometry(inputShape[2], p.kw, p.sx, p.dx, p.padding);
    return [inputShape[0], gy.out, gx.out, p.cout];
  }

  /**
   * Runs the convolution: `input` is a bits tensor `[b, h, w, cin]`, `output` a tensor of {@link outputShape}
   * whose dtype is {@link outputDType}. Scratch buffers are kept for the last input shape.
   */
  run(input: EngineTensor, output: EngineTensor): void {
    this.checkLive();
    checkTensor("input", input, "bits");
    checkTensor("output", output, this.outputDType);
    const plan = this.planFor(input.shape);
    sameShape("output.shape", output.shape, plan.outShape);
    const p = this.params;
    const [b, h, w] = input.shape;
    const cw = wordsPerPixel(p.cin);
    if (!plan.direct) {
      this.engine.exports.lce_im2col(
        input.ptr, plan.im2col, b, h, w, cw, p.kh, p.kw, p.sy, p.sx, p.dy, p.dx, plan.padTop, plan.padLeft,
        plan.outShape[1], plan.outShape[2], this.kwp, this.padPixel,
      );
    }
    const a = plan.direct ? input.ptr : plan.im2col;
    this.lastEpilogue = this.epilogue(output, plan.rowPattern, plan.corr);
    this.engine.gemm(a, this.panels, plan.m, p.cout, this.kwp, this.taps * cw, this.taps * p.cin, this.lastEpilogue);
  }

  /**
   * Allocates the scratch buffers (im2col rows, border-correction tables) for inputs of `inputShape` now instead
   * of at the first {@link BConv2DOp.run}: lets a caller allocate them before buffers whose memory it reuses.
   */
  prepare(inputShape: readonly number[]): void {
    this.checkLive();
    this.planFor(inputShape);
  }

  /**
   * Runs only the binary GEMM (with its epilogue) on the im2col rows of the last input: for benchmarks.
   * @internal
   */
  runGemmOnly(): void {
    this.checkLive();
    const plan = this.plan;
    if (!plan || plan.direct) throw new Error("runGemmOnly needs a previous run() that used im2col.");
    const kwords = this.taps * wordsPerPixel(this.cin);
    this.engine.gemm(plan.im2col, this.panels, plan.m, this.cout, this.kwp, kwords, this.taps * this.cin, this.lastEpilogue!);
  }

  private planFor(inputShape: readonly number[]): ConvPlan {
    const key = inputShape.join("x");
    if (this.plan?.key === key) return this.plan;
    const outShape = this.outputShape(inputShape);
    if (this.plan) {
      for (const ptr of [this.plan.im2col, this.plan.rowPattern, this.plan.corr]) {
        if (ptr) {
          this.engine.free(ptr);
          this.blocks.splice(this.blocks.indexOf(ptr), 1);
        }
      }
    }
    const p = this.params;
    const [, h, w] = inputShape;
    const gy = axisGeometry(h, p.kh, p.sy, p.dy, p.padding);
    const gx = axisGeometry(w, p.kw, p.sx, p.dx, p.padding);
    const m = outShape[0] * outShape[1] * outShape[2];
    const cw = wordsPerPixel(p.cin);
    const direct = p.kh === 1 && p.kw === 1 && p.sy === 1 && p.sx === 1 && gy.padBefore === 0 && gx.padBefore === 0 && cw % 2 === 0;
    const plan: ConvPlan = {
      key, outShape, m, direct, padTop: gy.padBefore, padLeft: gx.padBefore,
      im2col: direct ? 0 : this.keep(m * this.kwp * 8), rowPattern: 0, corr: 0,
    };
    if (this.tapSums) this.borderCorrection(plan, h, w, gy.out, gx.out);
    this.plan = plan;
    return plan;
  }

  /**
   * LCE's border correction for zero padding: padded taps are computed as +1, so for each output position the sum
   * of the filter over its padded taps is subtracted. Positions are grouped by their padded-tap pattern (a row
   * pattern times a column pattern), and one correction row per pattern is stored.
   */
  private borderCorrection(plan: ConvPlan, h: number, w: number, oh: number, ow: number): void {
    const p = this.params;
    const outside = (o: number, k: number, s: number, d: number, pad: number, size: number): boolean => {
      const i = o * s - pad + k * d;
      return i < 0 || i >= size;
    };
    const patterns = (out: number, kSize: number, s: number, d: number, pad: number, size: number) => {
      const ids = new Int32Array(out);
      const masks: boolean[][] = [];
      const index = new Map<string, number>();
      for (let o = 0; o < out; o++) {
        const mask = Array.from({ length: kSize }, (_, k) => outside(o, k, s, d, pad, size));
        const key = mask.map(Number).join("");
        if (!index.has(key)) {
          index.set(key, masks.length);
          masks.push(mask);
        }
        ids[o] = index.get(key)!;
      }
      return { ids, masks };
    };
    const ys = patterns(oh, p.kh, p.sy, p.dy, plan.padTop, h);
    const xs = patterns(ow, p.kw, p.sx, p.dx, plan.padLeft, w);
    const count = ys.masks.length * xs.masks.length;
    if (count === 1 && !ys.masks[0].some(Boolean) && !xs.masks[0].some(Boolean)) return;
    const npad = Math.ceil(p.cout / 4) * 4;
    const corr = new Int32Array(count * npad);
    for (let py = 0; py < ys.masks.length; py++) {
      for (let px = 0; px < xs.masks.length; px++) {
        const row = (py * xs.masks.length + px) * npad;
        for (let ky = 0; ky < p.kh; ky++) {
          for (let kx = 0; kx < p.kw; kx++) {
            if (!ys.masks[py][ky] && !xs.masks[px][kx]) continue;
            const t = ky * p.kw + kx;
            for (let n = 0; n < p.cout; n++) corr[row + n] += this.tapSums![t * p.cout + n];
          }
        }
      }
    }
    plan.corr = this.keep(corr.length * 4);
    new Int32Array(this.engine.buffer, plan.corr, corr.length).set(corr);
    plan.rowPattern = this.keep(plan.m * 4);
    const rows = new Int32Array(this.engine.buffer, plan.rowPattern, plan.m);
    for (let i = 0; i < plan.m; i++) {
      const ox = i % ow;
      const oy = Math.floor(i / ow) % oh;
      rows[i] = ys.ids[oy] * xs.masks.length + xs.ids[ox];
    }
  }
}

/**
 * A prepared BDense (see {@link BDenseParams}) whose weights live in wasm memory. Create with
 * {@link Engine.createBDense}.
 */
export class BDenseOp extends PreparedBinaryOp {
  private scratch = 0;
  private scratchRows = 0;

  /** @internal Use {@link Engine.createBDense}. */
  constructor(engine: Engine, params: BDenseParams, weights: ArrayLike<number>) {
    const p = resolveBDense(params);
    const packed = packDenseWeights(weights, [p.cin, p.cout]);
    if (p.transform.kind === "bits") negatePackedRows(packed, computeThresholds(p.transform, p.cin).negate, 1, p.cin);
    super(engine, packed, 1, p.cin, p.cout, p.transform, Math.ceil(wordsPerPixel(p.cin) / 2) * 2);
  }

  /** Output shape `[batch, outChannels]` for an input `[batch, inChannels]`. */
  outputShape(inputShape: readonly number[]): number[] {
    if (!Array.isArray(inputShape) || inputShape.length !== 2 || inputShape[1] !== this.cin || !(inputShape[0] >= 1)) {
      invalidArgument("inputShape", inputShape, `[batch, ${this.cin}]`);
    }
    return [inputShape[0], this.cout];
  }

  /** Allocates the scratch rows for inputs of `inputShape` now instead of at the first {@link BDenseOp.run}. */
  prepare(inputShape: readonly number[]): void {
    this.checkLive();
    this.outputShape(inputShape);
    if (wordsPerPixel(this.cin) !== this.kwp) this.ensureScratch(inputShape[0]);
  }

  private ensureScratch(batch: number): void {
    if (this.scratchRows >= batch) return;
    if (this.scratch) {
      this.engine.free(this.scratch);
      this.blocks.splice(this.blocks.indexOf(this.scratch), 1);
    }
    this.scratch = this.keep(batch * this.kwp * 8);
    this.scratchRows = batch;
  }

  /** Runs the layer: `input` bits `[batch, inChannels]`, `output` of {@link outputShape} and {@link outputDType}. */
  run(input: EngineTensor, output: EngineTensor): void {
    this.checkLive();
    checkTensor("input", input, "bits");
    checkTensor("output", output, this.outputDType);
    const outShape = this.outputShape(input.shape);
    sameShape("output.shape", output.shape, outShape);
    const batch = input.shape[0];
    const cw = wordsPerPixel(this.cin);
    let a = input.ptr;
    if (cw !== this.kwp) {
      // Rows must hold an even number of words: copy them into zero-padded rows with a 1x1 im2col.
      this.ensureScratch(batch);
      this.engine.exports.lce_im2col(input.ptr, this.scratch, batch, 1, 1, cw, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, this.kwp, input.ptr);
      a = this.scratch;
    }
    this.engine.gemm(a, this.panels, batch, this.cout, this.kwp, cw, this.cin, this.epilogue(output));
  }
}

function checkTensor(name: string, t: unknown, dtype: EngineDType): asserts t is EngineTensor {
  if (!(t instanceof EngineTensor)) invalidArgument(name, t, "an EngineTensor");
  if (t.disposed) invalidArgument(name, "a disposed tensor", "a live EngineTensor");
  if (t.dtype !== dtype) invalidArgument(`${name}.dtype`, t.dtype, `"${dtype}"`);
}

function checkNHWC(name: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    invalidArgument(name, shape, "[batch, height, width, channels] of positive integers");
  }
}

function sameShape(name: string, actual: readonly number[], expected: readonly number[]): void {
  if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
    invalidArgument(name, actual, `[${expected.join(", ")}]`);
  }
}
