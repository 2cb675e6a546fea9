/**
 * The engine: loads the bitpacked wasm kernels once, picks the faster GEMM kernel by a short calibration, keeps
 * weights and activations in one wasm memory (first-fit allocator) and creates the prepared binary ops.
 *
 * @packageDocumentation
 */
import { invalidArgument } from "../utils/errors.js";
import { WasmAllocator } from "./allocator.js";
import { wordsPerPixel } from "./bitpacking.js";
import { compileModule, simdSupported, type WasmSource } from "./loader.js";
import { axisGeometry, resolveBMaxPool, type BConv2DParams, type BDenseParams, type BMaxPoolParams } from "./ops.js";
import { BConv2DOp } from "./ops/bconv2d.js";
import { BDenseOp } from "./ops/bdense.js";
import { checkNHWC, checkTensor, EngineTensor, sameShape, tensorBytes, type EngineDType } from "./tensor.js";
import { createSharedMemory, sharedMemorySupported, ThreadPool } from "./threads/pool.js";
import { Kernels, THREAD_KERNELS, type GemmEpilogue, type KernelExports } from "./wasm.js";

/** The two binary GEMM inner kernels; both read the same packed layout. */
export type GemmKernel = "scalar" | "simd";

/** Options of {@link loadEngine}. */
export interface EngineOptions {
  /**
   * The kernel module to load instead of the bundled one (`src/engine/kernels/lce.wasm`, or `lce-scalar.wasm`
   * when SIMD is off). Useful for bundlers and CDNs.
   */
  wasm?: WasmSource;
  /** Use the SIMD128 build; default: whether this WebAssembly engine validates SIMD128 (see {@link simdSupported}). */
  simd?: boolean;
  /** GEMM kernel: `"auto"` (default) times both at load and keeps the faster; the scalar build only has `"scalar"`. */
  gemmKernel?: GemmKernel | "auto";
  /**
   * Threads to run on (default 1): the calling thread plus `threads − 1` workers (Node `worker_threads`, browser
   * Web Workers) sharing one `WebAssembly.Memory`. The binary GEMM, im2col, the float convolutions, pooling,
   * batch norm and additions are split by output rows; the results are identical to one thread's.
   *
   * @remarks
   * Needs SIMD128 and `SharedArrayBuffer` (in a browser: a cross-origin isolated page, COOP `same-origin` + COEP
   * `require-corp`). Where either is missing the engine runs on one thread and says why in
   * {@link Engine.threadsNote}. Work is claimed in small chunks, so a worker the OS does not schedule (a busy
   * machine) leaves its share to the others rather than holding them up.
   */
  threads?: number;
  /** The threaded kernel module to load instead of the bundled one (`larq-ts/lce-mt.wasm`); used when `threads` > 1. */
  threadsWasm?: WasmSource;
}

/** Most threads an engine accepts. */
export const MAX_THREADS = 64;
/** Bytes of C stack each worker thread gets (the module's own stack size). */
const WORKER_STACK_BYTES = 65536;

/** Calibration figures measured at load (fastest of 9 alternating runs, in milliseconds; `simdMs` is NaN without SIMD). */
export interface Calibration {
  scalarMs: number;
  simdMs: number;
}

let sharedEngine: Promise<Engine> | undefined;
const sharedThreaded = new Map<number, Promise<Engine>>();

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
 * The engine shared by every model converted or loaded with `{ threads }` and no engine of its own: one per thread
 * count (1 is {@link loadEngine}'s shared engine).
 * @internal
 */
export function sharedEngineWithThreads(threads: number): Promise<Engine> {
  if (threads === 1) return loadEngine();
  let engine = sharedThreaded.get(threads);
  if (!engine) {
    const created = Engine.create({ threads });
    created.catch(() => {
      if (sharedThreaded.get(threads) === created) sharedThreaded.delete(threads);
    });
    sharedThreaded.set(threads, created);
    engine = created;
  }
  return engine;
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
  /** The typed kernel bindings (for the runtime's ops). @internal */
  readonly kernels: Kernels;
  /** Why the engine runs on fewer threads than asked for (no SIMD128, no shared memory, workers failed), if it does. */
  threadsNote: string | undefined;
  private readonly memory: WebAssembly.Memory;
  private readonly allocator: WasmAllocator;
  private pool: ThreadPool | undefined;
  private stacks: number[] = [];

  private constructor(exports: KernelExports, gemm: GemmKernel | "auto") {
    this.kernels = new Kernels(exports);
    this.memory = exports.memory;
    this.simd = this.kernels.hasSimd();
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
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
      invalidArgument("threads", threads, `an integer from 1 to ${MAX_THREADS}`);
    }
    let note: string | undefined;
    if (threads > 1) {
      if (!simd) note = "worker threads need the SIMD128 build (simd is off)";
      else if (!sharedMemorySupported()) {
        note =
          "worker threads need SharedArrayBuffer (in a browser: a cross-origin isolated page, " + "COOP same-origin + COEP require-corp)";
      } else {
        try {
          return await Engine.createThreaded(options, threads, gemm);
        } catch (e) {
          note = `the worker threads did not start (${(e as Error).message ?? e})`;
        }
      }
    }
    // Default: the embedded copy of the bundled module (no asset for bundlers to find).
    const instance = await WebAssembly.instantiate(await compileModule(options.wasm, simd), {});
    const engine = new Engine(instance.exports as unknown as KernelExports, gemm);
    if (note) {
      engine.threadsNote = `${note}: running on one thread instead of ${threads}.`;
      console.warn(`lq.engine: ${engine.threadsNote}`);
    }
    return engine;
  }

  /** An engine on the threaded module: a shared memory, this thread's instance and `threads − 1` workers. */
  private static async createThreaded(options: EngineOptions, threads: number, gemm: GemmKernel | "auto"): Promise<Engine> {
    const module = await compileModule(options.threadsWasm, "threads");
    const memory = createSharedMemory(17);
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    const exports = Object.assign({}, instance.exports, { memory }) as unknown as KernelExports;
    if (!exports.__stack_pointer) throw new Error("the threaded module does not export __stack_pointer");
    const engine = new Engine(exports, gemm);
    const stacks: number[] = [];
    try {
      for (let i = 1; i < threads; i++) stacks.push(engine.alloc(WORKER_STACK_BYTES));
      engine.stacks = stacks;
      const tops = stacks.map((p) => p + WORKER_STACK_BYTES);
      engine.pool = await ThreadPool.create(module, memory, tops, exports as unknown as Record<string, unknown>, THREAD_KERNELS);
    } catch (e) {
      engine.terminate();
      throw e;
    }
    engine.kernels.pool = engine.pool;
    engine.warmUpThreads();
    return engine;
  }

  /** Threads the engine runs on (1 + its workers). */
  get threads(): number {
    return 1 + (this.pool?.size ?? 0);
  }

  /**
   * Stops the engine's worker threads; it keeps working on one thread. (Idle workers never keep a Node process
   * alive, so this is only needed to give their memory back early.)
   */
  terminate(): void {
    this.kernels.pool = undefined;
    this.pool?.terminate();
    this.pool = undefined;
    for (const p of this.stacks) this.free(p);
    this.stacks = [];
  }

  /** Bytes currently allocated in wasm memory. */
  get allocatedBytes(): number {
    return this.allocator.allocatedBytes;
  }

  /** The wasm memory's current buffer (re-read after any allocation: growth replaces it). */
  get buffer(): ArrayBuffer {
    return this.memory.buffer;
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
    this.kernels.signPack(input.ptr, output.ptr, input.byteLength / 4 / channels, channels);
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
    this.kernels.bmaxpool(input.ptr, output.ptr, wordsPerPixel(c), {
      batch: b,
      h,
      w,
      kh: p.ph,
      kw: p.pw,
      sy: p.sy,
      sx: p.sx,
      padTop: gy.padBefore,
      padLeft: gx.padBefore,
      oh: gy.out,
      ow: gx.out,
    });
  }

  /**
   * Runs the binary GEMM with a fused epilogue (see kernels/ops.c `lce_bgemm`). Pointers are wasm byte addresses;
   * 0 stands for NULL.
   * @internal
   */
  gemm(a: number, w: number, m: number, n: number, kwp: number, kwords: number, k: number, e: GemmEpilogue): void {
    this.kernels.bgemm(this.gemmKernel === "simd", a, w, m, n, kwp, kwords, k, e);
  }

  /**
   * Runs split GEMMs for a while: each worker's first calls run baseline code, and the chunk loop itself must be
   * optimised before the first model call is timed.
   */
  private warmUpThreads(): void {
    const m = 512;
    const n = 64;
    const kwp = 36;
    const scratch = this.alloc(m * kwp * 8 + n * kwp * 8 + m * n * 4 + n * 8);
    const a = scratch;
    const w = a + m * kwp * 8;
    const outF = w + n * kwp * 8;
    const mult = outF + m * n * 4;
    const bias = mult + n * 4;
    new Uint8Array(this.buffer, scratch, m * kwp * 8 + n * kwp * 8).fill(0x5a);
    new Float32Array(this.buffer, mult, 2 * n).fill(1);
    const e: GemmEpilogue = { rowPattern: 0, corr: 0, mult, bias, lo: -Infinity, hi: Infinity, thr: 0, outF, outB: 0 };
    const start = performance.now();
    for (let r = 0; r < 5 || (r < 200 && performance.now() - start < 20); r++) this.gemm(a, w, m, n, kwp, kwp, kwp * 64, e);
    this.free(scratch);
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
    const e: GemmEpilogue = { rowPattern: 0, corr: 0, mult, bias, lo: -Infinity, hi: Infinity, thr: 0, outF, outB: 0 };
    const g = { batch: 1, h: 2, w: 2, kh: 1, kw: 1, sy: 1, sx: 1, dy: 1, dx: 1, padTop: 0, padLeft: 0, oh: 2, ow: 2 };
    this.kernels.signPack(outF, a, 4, 64);
    this.kernels.im2col(a, w, 64, g, 2, a); // whole-word taps
    this.kernels.im2col(a, w, 32, g, 2, a); // half-word taps
    this.kernels.bmaxpool(a, w, 1, { ...g, kh: 2, kw: 2, sy: 2, sx: 2, oh: 1, ow: 1 });
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
