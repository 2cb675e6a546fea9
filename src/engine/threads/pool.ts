/**
 * {@link ThreadPool}: worker threads (Node `worker_threads`, browser Web Workers) that each instantiate the threaded
 * kernel module on the engine's shared `WebAssembly.Memory` and run chunks of kernel calls posted by the engine's
 * thread (see protocol.ts).
 *
 * @packageDocumentation
 */
import { importNode } from "../../utils/node_import.js";
import {
  ADJ_F64,
  ARGS_F64,
  chunkCount,
  claimChunks,
  CLOSED,
  CONTROL_BYTES,
  LAYOUT,
  MAX_ADJ,
  MAX_ARGS,
  SLOT,
  workerSource,
  type Split,
  type WorkerInit,
} from "./protocol.js";
import { SplitPolicy } from "./policy.js";

/** The little of a Node `Worker` or a browser `Worker` the pool uses. */
interface AnyWorker {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

const isNode = typeof process !== "undefined" && typeof process.versions?.node === "string";

/**
 * Whether this JavaScript environment can share a `WebAssembly.Memory` with workers: `SharedArrayBuffer` exists
 * and, in a browser, the page is cross-origin isolated (COOP `same-origin` + COEP `require-corp`).
 */
export function sharedMemorySupported(): boolean {
  if (typeof SharedArrayBuffer === "undefined" || typeof Atomics === "undefined") return false;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  if (!isNode && isolated !== true) return false;
  return isNode || typeof Worker !== "undefined";
}

/**
 * Creates the shared memory of a threaded engine: the module declares wasm32's 4 GiB maximum; where the engine
 * cannot reserve that much address space a smaller maximum is tried.
 */
export function createSharedMemory(initialPages: number): WebAssembly.Memory {
  let lastError: unknown;
  for (const maximum of [65536, 32768, 16384, 4096]) {
    try {
      return new WebAssembly.Memory({ initial: initialPages, maximum, shared: true });
    } catch (e) {
      lastError = e;
    }
  }
  throw new Error(`lq.engine: cannot create a shared WebAssembly.Memory: ${(lastError as Error)?.message ?? lastError}`);
}

/** Whether this thread may block in `Atomics.wait` (not a browser's main thread). */
function canBlock(ctl: Int32Array): boolean {
  try {
    Atomics.wait(ctl, SLOT.quit, 1, 0);
    return true;
  } catch {
    return false;
  }
}

async function spawn(source: string): Promise<AnyWorker & { onReady: Promise<void> }> {
  if (isNode) {
    const { Worker } = await importNode("node:worker_threads");
    const w = new Worker(source, { eval: true });
    w.unref(); // an idle pool never keeps a Node process alive
    const onReady = new Promise<void>((resolve, reject) => {
      w.once("message", (m: { ready?: true; error?: string }) => (m.ready ? resolve() : reject(new Error(m.error))));
      w.once("error", reject);
    });
    return Object.assign(w, { onReady });
  }
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const w = new Worker(url);
  const onReady = new Promise<void>((resolve, reject) => {
    w.onmessage = (e: MessageEvent<{ ready?: true; error?: string }>) => {
      w.onmessage = null;
      if (e.data.ready) resolve();
      else reject(new Error(e.data.error));
    };
    w.onerror = (e) => reject(new Error(e.message));
  });
  onReady.finally(() => URL.revokeObjectURL(url)).catch(() => {});
  return Object.assign(w, { onReady });
}

/**
 * How long (ms) the calling thread spins for the chunks of a call still running before it sleeps: twice a chunk's
 * share of the estimated single-thread time `estNs`, from 50 µs to 0.25 ms. (A 1 ms cap made two threads ~10%
 * slower than one under a competing process: a worker descheduled on a busy core cannot move to a core the caller
 * keeps spinning on.)
 */
export function spinMs(estNs: number, chunks: number): number {
  const chunkMs = estNs / 1e6 / Math.max(1, chunks);
  return Math.min(0.25, Math.max(0.05, 2 * chunkMs));
}

/**
 * Worker threads sharing one kernel module instance's memory. The engine's thread posts a kernel call with
 * {@link ThreadPool.run}, takes part in running its chunks and returns once all are done.
 */
export class ThreadPool {
  private readonly ctl: Int32Array;
  private readonly f64: Float64Array;
  private readonly blocking: boolean;
  private gen = 0;
  private terminated = false;
  /** Whether calls are split, by measurement. */
  private readonly policy = new SplitPolicy();

  private constructor(
    private readonly workers: AnyWorker[],
    control: SharedArrayBuffer,
    private readonly exports: Record<string, unknown>,
    private readonly names: readonly string[],
  ) {
    this.ctl = new Int32Array(control);
    this.f64 = new Float64Array(control);
    this.blocking = canBlock(this.ctl);
  }

  /**
   * Starts `count` workers on `module` + `memory`. `stacks[i]` is the top of worker i's C stack (each worker needs
   * its own: every instance's `__stack_pointer` starts at the same address). `exports` are the calling thread's
   * instance exports, `names` the kernels a job may call.
   */
  static async create(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    stacks: readonly number[],
    exports: Record<string, unknown>,
    names: readonly string[],
    timeoutMs = 20_000,
  ): Promise<ThreadPool> {
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const source = workerSource(isNode);
    const workers: Array<AnyWorker & { onReady: Promise<void> }> = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      for (const stackTop of stacks) {
        const w = await spawn(source);
        workers.push(w);
        const init: WorkerInit = { module, memory, control, stackTop, names, layout: LAYOUT };
        w.postMessage(init);
      }
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the workers did not start within ${timeoutMs} ms`)), timeoutMs);
      });
      await Promise.race([Promise.all(workers.map((w) => w.onReady)), timeout]);
    } catch (e) {
      for (const w of workers) void w.terminate();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    return new ThreadPool(workers, control, exports, names);
  }

  /** Number of worker threads (the calling thread comes on top). */
  get size(): number {
    return this.terminated ? 0 : this.workers.length;
  }

  /**
   * Runs the kernel `names[fn]` with `args`, split as `split` says, on the workers and the calling thread; returns
   * when every chunk is done. Throws if a chunk trapped (after all chunks have finished). `estNs`: the call's
   * estimated single-thread time, which bounds how long the calling thread spins for the last chunks.
   */
  run(fn: number, args: readonly number[], split: Split, estNs = 0): void {
    if (this.terminated) throw new Error("lq.engine: the thread pool was terminated.");
    const { ctl, f64 } = this;
    const total = chunkCount(split);
    if (args.length > MAX_ARGS || split.adjust.length > MAX_ADJ || total >= CLOSED || total < 1) {
      throw new Error(`lq.engine: internal error: a job of ${args.length} arguments, ${total} chunks`);
    }
    this.gen = (this.gen + 1) & 0x7ff;
    const gen = this.gen;
    Atomics.store(ctl, SLOT.claim, (gen << 20) | CLOSED);
    Atomics.store(ctl, SLOT.jobGen, gen);
    ctl[SLOT.fn] = fn;
    ctl[SLOT.nargs] = args.length;
    ctl[SLOT.units] = split.units;
    ctl[SLOT.images] = split.images;
    ctl[SLOT.rowsPerChunk] = split.rowsPerChunk;
    ctl[SLOT.countArg] = split.countArg;
    ctl[SLOT.batchArg] = split.batchArg;
    ctl[SLOT.nadj] = split.adjust.length;
    ctl[SLOT.failed] = 0;
    for (let k = 0; k < args.length; k++) f64[ARGS_F64 + k] = args[k];
    split.adjust.forEach((a, j) => f64.set(a, ADJ_F64 + 4 * j));
    Atomics.store(ctl, SLOT.done, 0);
    Atomics.store(ctl, SLOT.total, total);
    Atomics.store(ctl, SLOT.claim, gen << 20);
    Atomics.add(ctl, SLOT.wake, 1);
    Atomics.notify(ctl, SLOT.wake);
    claimChunks(this.exports, ctl, f64, this.names, LAYOUT);
    const t1 = performance.now();
    // The chunks still running take at most about a chunk's time unless their worker was descheduled: spin that
    // long, then sleep, which lets the OS run a descheduled worker on this core (a browser's main thread may not
    // block: it keeps spinning). A sleeping thread takes 10-600 µs to wake on a virtual machine, often more than
    // a chunk lasts, so a shorter spin made split calls slower.
    const spinUntil = t1 + spinMs(estNs, total);
    for (;;) {
      const done = Atomics.load(ctl, SLOT.done);
      if (done >= total) break;
      if (this.blocking && performance.now() > spinUntil) Atomics.wait(ctl, SLOT.done, done, 100);
    }
    if (ctl[SLOT.failed] === 1) throw new Error("lq.engine: a kernel call failed in a worker thread (wasm trap).");
  }

  /** Whether the next call should be split (see {@link SplitPolicy}). */
  accepting(): boolean {
    return !this.terminated && this.workers.length > 0 && this.policy.split();
  }

  /** Records the wall time of a call of `kernel` (estimated at `estNs` on one thread) in the mode last accepted. */
  record(kernel: string, estNs: number, wallMs: number): void {
    this.policy.record(kernel, estNs, wallMs);
  }

  /** Stops the workers; the pool cannot run jobs afterwards. */
  terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    Atomics.store(this.ctl, SLOT.quit, 1);
    Atomics.add(this.ctl, SLOT.wake, 1);
    Atomics.notify(this.ctl, SLOT.wake);
    for (const w of this.workers) void w.terminate();
  }
}
