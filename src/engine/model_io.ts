/**
 * `convert` and `load`: the entry points that make an {@link EngineModel}, and the engine each model runs on.
 *
 * @packageDocumentation
 */
import type * as tfl from "@tensorflow/tfjs-layers";

import { invalidArgument } from "../utils/errors.js";
import { convertGraph, type ConvertOptions } from "./convert.js";
import { loadEngine, MAX_THREADS, sharedEngineWithThreads, type Engine, type EngineOptions } from "./engine.js";
import { decodeEngineFile, validateGraph } from "./format.js";
import type { EngineGraph } from "./graph.js";
import { EngineModel } from "./model.js";

/** Options of {@link convert} and {@link load}: the converter's and the engine's. */
export interface EngineModelOptions extends ConvertOptions {
  /**
   * Largest wasm memory, in bytes, the model may need at batch 1 (weights, op scratch and the node buffers live at
   * its widest point; see `planMemory`). Default 256 MiB; a model above it is rejected before anything is
   * allocated, with the node at the peak.
   */
  maxMemoryBytes?: number;
  /**
   * Threads to run on (default 1; see {@link EngineOptions.threads}): models with the same count share one engine
   * and its workers. Not with `engine` (whose threads are fixed when it is loaded); with `engineOptions`, a new
   * engine with these threads.
   */
  threads?: number;
  /** Engine to run on; default the shared `loadEngine()` (or the shared engine with `threads`). */
  engine?: Engine;
  /** Options for a new engine (ignored when `engine` is given). */
  engineOptions?: EngineOptions;
  /**
   * For a model whose engine runs on more than one thread: also prepare the model on a one-thread engine (the
   * shared `loadEngine()`, or one made from `engineOptions` with `threads: 1`), and let each `predict` run there
   * instead when recent predicts measured it faster. Default `true`.
   *
   * @remarks
   * On a busy machine (another process holding a core) the threaded engine keeps its calls on the calling thread,
   * but still runs the threaded module on a shared wasm memory, which V8 runs a few percent slower; the twin runs
   * the plain module, so two threads then cost what one does. The twin doubles the model's wasm memory (its
   * weights and buffers) and its preparation time; `false` saves both. See `TwinPolicy` (threads/twin.ts).
   */
  singleThreadTwin?: boolean;
}

/** The engine a model runs on: `options.engine`, a new one from `engineOptions`, or the shared one for `threads`. */
async function engineFor(options: Omit<EngineModelOptions, "chainBits">): Promise<Engine> {
  const { threads, engine, engineOptions } = options;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS)) {
    invalidArgument("threads", threads, `an integer from 1 to ${MAX_THREADS}`);
  }
  if (engine) {
    if (threads !== undefined) {
      invalidArgument("threads", threads, "undefined when an engine is given (load the engine with { threads })");
    }
    return engine;
  }
  if (engineOptions) return loadEngine(threads === undefined ? engineOptions : { ...engineOptions, threads });
  return sharedEngineWithThreads(threads ?? 1);
}

/** Prepares `graph` on its engine, with a single-thread twin where the engine is threaded (see `singleThreadTwin`). */
async function prepareModel(graph: EngineGraph, options: Omit<EngineModelOptions, "chainBits">): Promise<EngineModel> {
  const { singleThreadTwin = true, maxMemoryBytes, engineOptions } = options;
  if (typeof singleThreadTwin !== "boolean") invalidArgument("singleThreadTwin", singleThreadTwin, "a boolean");
  const engine = await engineFor(options);
  let twinEngine: Engine | undefined;
  if (singleThreadTwin && engine.threads > 1) {
    twinEngine = await (engineOptions && !options.engine ? loadEngine({ ...engineOptions, threads: 1 }) : loadEngine());
  }
  return new EngineModel(engine, graph, { maxMemoryBytes, twinEngine });
}

/**
 * Converts a trained tfjs LayersModel (larq-ts and tfjs layers) into an {@link EngineModel}.
 *
 * @remarks
 * Binary QuantConv2D / QuantDense (1-bit sign input and kernel quantizers) become bitpacked ops with bias,
 * BatchNormalization and clamp activations folded into the output transform, and packed-bit outputs with
 * per-channel thresholds when all consumers binarize again (also through MaxPool2D, where exact). Other layers
 * run in float; unsupported layers throw an error naming the layer and its class.
 *
 * @example
 * ```ts
 * const em = await lq.engine.convert(model);
 * ```
 */
export async function convert(model: tfl.LayersModel, options: EngineModelOptions = {}): Promise<EngineModel> {
  const graph = convertGraph(model, options);
  // The converter's graph goes through the same op validators as a loaded file.
  validateGraph(graph, "lq.engine.convert: internal error, the converted graph does not validate: ");
  return prepareModel(graph, options);
}

/** Loads an {@link EngineModel} from bytes written by {@link EngineModel.save}; bad files throw. */
export async function load(bytes: Uint8Array | ArrayBuffer, options: Omit<EngineModelOptions, "chainBits"> = {}): Promise<EngineModel> {
  const graph = decodeEngineFile(bytes);
  return prepareModel(graph, options);
}
