/**
 * The protocol between the engine's thread and its workers: a small control block in a `SharedArrayBuffer`
 * describes one kernel call split into chunks of output rows; every participant (the calling thread included)
 * claims chunks with a compare-and-swap until none are left, so a worker that the OS does not schedule simply
 * takes none and the caller does the work (never slower than one thread, whatever the load).
 *
 * {@link claimChunks} runs both on the calling thread and, as source text, in every worker: it must stay
 * self-contained (no imports, no module-level names; only its parameters and the globals `Atomics` and `Math`).
 *
 * @packageDocumentation
 */

/** Int32 slots of the control block. */
export const SLOT = {
  /** Bumped (then notified) once a job is posted; workers sleep on it. */
  wake: 0,
  /** `(gen << 20) | next chunk index`; index 0xfffff = closed while a job is being written. */
  claim: 1,
  /** Chunks finished in the current job. */
  done: 2,
  /** Chunks of the current job. */
  total: 3,
  /** Generation (11 bits) of the job whose parameters are in the block. */
  jobGen: 4,
  /** Index of the kernel export (into the names list) to call. */
  fn: 5,
  /** Number of kernel arguments. */
  nargs: 6,
  /** Rows (units) per image. */
  units: 7,
  /** Images: chunks never straddle two. */
  images: 8,
  /** Rows per chunk. */
  rowsPerChunk: 9,
  /** Argument receiving a chunk's row count. */
  countArg: 10,
  /** Argument set to 1 in every chunk (the batch size of windowed kernels), or −1. */
  batchArg: 11,
  /** Number of argument adjustments. */
  nadj: 12,
  /** Set to 1 to stop the workers. */
  quit: 13,
  /** Set to 1 when a chunk threw (a wasm trap). */
  failed: 14,
} as const;

/** Float64 index of the first kernel argument. */
export const ARGS_F64 = 8;
/** Most arguments of a kernel. */
export const MAX_ARGS = 32;
/** Float64 index of the first adjustment (4 numbers each: argument, per image, per row, is-pointer). */
export const ADJ_F64 = ARGS_F64 + MAX_ARGS;
/** Most adjustments of a job. */
export const MAX_ADJ = 8;
/** Size of the control block. */
export const CONTROL_BYTES = (ADJ_F64 + 4 * MAX_ADJ) * 8;
/** The claim index meaning "closed". */
export const CLOSED = 0xfffff;

/** The layout handed to {@link claimChunks} (it cannot read module constants: it also runs as worker source). */
export interface Layout {
  slot: typeof SLOT;
  argsF64: number;
  adjF64: number;
}

/** The layout of this version. */
export const LAYOUT: Layout = { slot: SLOT, argsF64: ARGS_F64, adjF64: ADJ_F64 };

/**
 * How a kernel call splits by output rows. A chunk covers rows `[r0, r0 + rows)` of image `b`: its arguments are
 * the call's, with `args[countArg] = rows`, `args[batchArg] = 1` and, for each adjustment `[arg, perImage,
 * perRow, isPointer]`, `args[arg] += b * perImage + r0 * perRow` (a NULL pointer stays NULL).
 */
export interface Split {
  /** Rows per image (e.g. output rows of a convolution, GEMM rows). */
  units: number;
  /** Images (1 when the rows run over the whole batch). */
  images: number;
  /** Rows per chunk. */
  rowsPerChunk: number;
  /** Argument that receives the chunk's row count. */
  countArg: number;
  /** Argument set to 1 in every chunk, or −1. */
  batchArg: number;
  /** Argument adjustments `[arg, perImage, perRow, isPointer (1/0)]`. */
  adjust: ReadonlyArray<readonly [number, number, number, number]>;
}

/** Chunks of a split. */
export function chunkCount(s: Split): number {
  return s.images * Math.ceil(s.units / s.rowsPerChunk);
}

/**
 * Claims and runs chunks of the posted job until none are left (see the module comment). Returns, when the job has
 * no unclaimed chunk, how many chunks this participant ran; the caller then waits for `done` to reach `total`.
 *
 * @remarks
 * A claim is a CAS on `claim` from `(g, i)` to `(g, i + 1)`. The job's parameters are read only after a successful
 * claim and checked seqlock-style: `jobGen` must equal `g` before and after they are read, which rules out a
 * stale claim racing with the next job's posting (the poster closes `claim`, then writes `jobGen`, the parameters
 * and `total`, then opens `claim` at index 0).
 */
export function claimChunks(
  exports: Record<string, unknown>,
  ctl: Int32Array,
  f64: Float64Array,
  names: readonly string[],
  layout: Layout,
): number {
  const S = layout.slot;
  const args: number[] = [];
  let ran = 0;
  for (;;) {
    const v = Atomics.load(ctl, S.claim);
    const gen = v >>> 20;
    const i = v & 0xfffff;
    if (i === 0xfffff || i >= Atomics.load(ctl, S.total)) return ran;
    if (Atomics.compareExchange(ctl, S.claim, v, v + 1) !== v) continue;
    if (Atomics.load(ctl, S.jobGen) !== gen) return ran;
    const nargs = ctl[S.nargs];
    const units = ctl[S.units];
    const rpc = ctl[S.rowsPerChunk];
    const countArg = ctl[S.countArg];
    const batchArg = ctl[S.batchArg];
    const nadj = ctl[S.nadj];
    const fn = exports[names[ctl[S.fn]]] as (...a: number[]) => void;
    args.length = nargs;
    for (let k = 0; k < nargs; k++) args[k] = f64[layout.argsF64 + k];
    const perImage = Math.ceil(units / rpc);
    const b = Math.floor(i / perImage);
    const r0 = (i % perImage) * rpc;
    for (let j = 0; j < nadj; j++) {
      const o = layout.adjF64 + 4 * j;
      const arg = f64[o];
      if (f64[o + 3] === 1 && args[arg] === 0) continue;
      args[arg] += b * f64[o + 1] + r0 * f64[o + 2];
    }
    args[countArg] = Math.min(rpc, units - r0);
    if (batchArg >= 0) args[batchArg] = 1;
    const total = Atomics.load(ctl, S.total);
    if (Atomics.load(ctl, S.jobGen) !== gen || i >= total) return ran;
    try {
      fn(...args);
    } catch {
      Atomics.store(ctl, S.failed, 1);
    }
    ran++;
    if (Atomics.add(ctl, S.done, 1) + 1 === total) Atomics.notify(ctl, S.done);
  }
}

/** The message a worker receives once, at start. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  stackTop: number;
  names: readonly string[];
  layout: Layout;
}

/**
 * A worker's body (runs as source text, like {@link claimChunks}): instantiate the module on the shared memory
 * with a stack of its own, report ready, then wait on `wake` (a 50 µs spin, then asleep) and claim chunks after each
 * wake-up until `quit`.
 */
export function workerMain(
  onMessage: (handler: (init: WorkerInit) => void) => void,
  post: (message: { ready?: true; error?: string }) => void,
  claim: typeof claimChunks,
): void {
  onMessage((init) => {
    WebAssembly.instantiate(init.module, { env: { memory: init.memory } }).then(
      (instance) => {
        const exports = instance.exports as Record<string, unknown>;
        (exports.__stack_pointer as WebAssembly.Global).value = init.stackTop;
        const ctl = new Int32Array(init.control);
        const f64 = new Float64Array(init.control);
        const S = init.layout.slot;
        let seen = Atomics.load(ctl, S.wake);
        post({ ready: true });
        const now = () => performance.now();
        for (;;) {
          // Kernel calls of one model come microseconds apart: spin briefly before sleeping (a futex wake-up
          // costs tens of microseconds), then sleep until the next job.
          const spinUntil = now() + 0.05;
          while (Atomics.load(ctl, S.wake) === seen && now() < spinUntil);
          Atomics.wait(ctl, S.wake, seen);
          seen = Atomics.load(ctl, S.wake);
          if (Atomics.load(ctl, S.quit) === 1) return;
          claim(exports, ctl, f64, init.names, init.layout);
        }
      },
      (err) => post({ error: String(err) }),
    );
  });
}

/** The worker script for Node's `worker_threads` (`eval: true`) or a browser `Worker` (Blob URL). */
export function workerSource(node: boolean): string {
  const claim = `const claim = ${String(claimChunks)};\n`;
  const main = `(${String(workerMain)})(onMessage, post, claim);\n`;
  if (!node) {
    return (
      `"use strict";\n${claim}` +
      "const onMessage = (h) => { self.onmessage = (e) => { self.onmessage = null; h(e.data); }; };\n" +
      `const post = (m) => self.postMessage(m);\n${main}`
    );
  }
  // A dynamic import works whether Node evaluates the source as CommonJS or (with --input-type=module) as ESM.
  return (
    `"use strict";\n${claim}import("node:worker_threads").then(({ parentPort }) => {\n` +
    "const onMessage = (h) => parentPort.once('message', h);\nconst post = (m) => parentPort.postMessage(m);\n" +
    `${main}});\n`
  );
}
