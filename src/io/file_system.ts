/**
 * A `file://` IO handler for Node.js that needs no tfjs-node: `model.save("file://dir")` writes
 * `dir/model.json` and `dir/weights.bin`, `tf.loadLayersModel("file://dir/model.json")` reads them back.
 */
import * as tf from "@tensorflow/tfjs-core";

// A cycle (that module reads fileSystemRouter from this one), resolved at call time only.
import { fileSystemRouterInstalled, installFileSystemRouter } from "../effects/file_system_router.js";

import { invalidArgument } from "../utils/errors.js";
import { MODEL_JSON_NAME, WEIGHTS_BIN_NAME, writeModelFolder } from "./atomic_write.js";
import { translateKerasTopology } from "./keras_topology.js";
import { checkModelArtifacts, checkWeightsManifest } from "./validate.js";

type NodeFs = typeof import("node:fs/promises");
type NodePath = typeof import("node:path");

/** The URL scheme the handler is routed for. */
export const FILE_SCHEME = "file://";

/** Whether the code runs under Node.js (where `node:fs` exists). */
export function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof proc?.versions?.node === "string";
}

// Module names in variables so that browser bundlers do not try to resolve Node built-ins.
const FS_MODULE = "node:fs/promises";
const PATH_MODULE = "node:path";

async function nodeModules(): Promise<{ fs: NodeFs; path: NodePath }> {
  if (!isNode()) throw new Error("lq.io.fileSystem needs Node.js: the file:// scheme is not available in browsers.");
  const [fs, path] = await Promise.all([import(FS_MODULE) as Promise<NodeFs>, import(PATH_MODULE) as Promise<NodePath>]);
  return { fs, path };
}

function errnoCode(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

async function readOrExplain(fs: NodeFs, file: string, what: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") throw new Error(`${what} ${file} does not exist: loading failed.`, { cause: error });
    if (errnoCode(error) === "EISDIR") throw new Error(`${what} ${file} is a directory, not a file: loading failed.`, { cause: error });
    throw error;
  }
}

/**
 * A `tf.io.IOHandler` that saves to and loads from the local file system (Node.js only).
 *
 * @remarks
 * - Save: `path` is a directory, created (with parents) if missing. It receives `model.json` (the
 *   topology, a `weightsManifest` pointing to `weights.bin`, `format`, `generatedBy`, `convertedBy`,
 *   and the training config / signature / user metadata when present) and `weights.bin` (all weights
 *   concatenated, little-endian, in manifest order).
 * - Saving is crash-safe ({@link writeModelFolder}): a kill, a full disk or a write error at any point
 *   leaves the folder holding either the previous model or the new one, never a mix or a truncated file;
 *   a failed save rejects with an error naming the folder, the file and the cause.
 * - Load: `path` is a `model.json` file (a directory is read as `directory/model.json`). The weight
 *   files are read relative to it, in the order of the manifest; sharded converter output
 *   (`group1-shard1of2.bin`, …) works too.
 * - Load: Python Keras 2's `TFOpLambda` nodes are rewritten for tfjs ({@link translateKerasTopology}).
 * - Loading checks the artifacts first ({@link checkModelArtifacts}): invalid JSON, a missing weights
 *   file, a byte count that does not match the manifest, an unknown layer class or a bad quantizer
 *   config give an error naming the file, before any tensor is created.
 *
 * Same behaviour as tfjs-node's `tf.io.fileSystem`, which larq-ts does not require.
 */
export class FileSystemHandler implements tf.io.IOHandler {
  /** Name of the topology file. */
  static readonly MODEL_JSON = MODEL_JSON_NAME;
  /**
   * Name of the weights file written by {@link FileSystemHandler.save} (`weights.<hex>.bin` instead
   * where the file system has no hard links; see {@link writeModelFolder}).
   */
  static readonly WEIGHTS_BIN = WEIGHTS_BIN_NAME;

  /** The directory (save) or model.json file (load), as given. */
  readonly path: string;

  constructor(path: string) {
    if (typeof path !== "string" || path.length === 0) invalidArgument("path", path, "a non-empty file system path");
    this.path = path;
  }

  /**
   * Writes `model.json` and `weights.bin` into the directory {@link FileSystemHandler.path}, crash-safely
   * ({@link writeModelFolder}).
   *
   * @returns the save result; its `errors` says why when the weights kept their staged name
   *   `weights.<hex>.bin` (the model is saved and loads either way).
   * @throws AtomicWriteError when the files cannot be written; the folder keeps its previous model.
   */
  async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
    const { fs, path } = await nodeModules();
    if (artifacts.modelTopology instanceof ArrayBuffer) {
      throw new Error("lq.io.fileSystem cannot save binary (GraphDef) model topologies; only layers models.");
    }
    const dir = path.resolve(this.path);
    try {
      await fs.mkdir(dir, { recursive: true });
    } catch (error) {
      if (errnoCode(error) === "EEXIST" || errnoCode(error) === "ENOTDIR") {
        throw new Error(`Cannot save to ${dir}: the path exists as a file; it must be a directory or not exist.`, { cause: error });
      }
      throw error;
    }
    const stat = await fs.stat(dir);
    if (!stat.isDirectory()) {
      throw new Error(`Cannot save to ${dir}: the path exists as a file; it must be a directory or not exist.`);
    }
    const modelJSON = (weightsPath: string): tf.io.ModelJSON => {
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        weightsManifest: [{ paths: [weightsPath], weights: artifacts.weightSpecs ?? [] }],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
      };
      if (artifacts.trainingConfig != null) json.trainingConfig = artifacts.trainingConfig;
      if (artifacts.signature != null) json.signature = artifacts.signature;
      if (artifacts.userDefinedMetadata != null) json.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.modelInitializer != null) json.modelInitializer = artifacts.modelInitializer;
      return json;
    };
    const weightData = artifacts.weightData ?? new ArrayBuffer(0);
    const bytes = tf.io.CompositeArrayBuffer.join(weightData);
    const written = await writeModelFolder(dir, new Uint8Array(bytes), modelJSON);
    const result: tf.io.SaveResult = { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    // Saved, but under the staged weights name: say why rather than hide it.
    if (written.stagedNameReason !== null) {
      result.errors = [`saved with weights file ${written.weightsPath} instead of weights.bin: ${written.stagedNameReason.message}`];
    }
    return result;
  }

  /** Reads `model.json` and its weight files, checks them, and returns the artifacts. */
  async load(): Promise<tf.io.ModelArtifacts> {
    const { fs, path } = await nodeModules();
    let file = path.resolve(this.path);
    let stat;
    try {
      stat = await fs.stat(file);
    } catch (error) {
      if (errnoCode(error) === "ENOENT") throw new Error(`Model file ${file} does not exist: loading failed.`, { cause: error });
      throw error;
    }
    if (stat.isDirectory()) file = path.join(file, FileSystemHandler.MODEL_JSON);
    const text = (await readOrExplain(fs, file, "Model file")).toString("utf8");
    let modelJSON: unknown;
    try {
      modelJSON = JSON.parse(text);
    } catch (error) {
      throw new Error(`Invalid model file ${file}: it is not valid JSON (${(error as Error).message}).`, { cause: error });
    }
    if (typeof modelJSON !== "object" || modelJSON === null || Array.isArray(modelJSON)) {
      throw new Error(`Invalid model file ${file}: expected a JSON object with "modelTopology" and "weightsManifest".`);
    }
    const json = modelJSON as tf.io.ModelJSON;
    const artifacts: tf.io.ModelArtifacts = {
      modelTopology: translateKerasTopology(json.modelTopology),
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
    };
    if (json.weightsManifest != null) {
      const manifest = checkWeightsManifest(json.weightsManifest, file);
      const dir = path.dirname(file);
      const buffers: Uint8Array[] = [];
      const specs: tf.io.WeightsManifestEntry[] = [];
      for (const group of manifest) {
        for (const shard of group.paths) buffers.push(await readOrExplain(fs, path.join(dir, shard), "Weights file"));
        specs.push(...group.weights);
      }
      const total = buffers.reduce((sum, b) => sum + b.byteLength, 0);
      const data = new Uint8Array(total);
      let offset = 0;
      for (const b of buffers) {
        data.set(b, offset);
        offset += b.byteLength;
      }
      artifacts.weightSpecs = specs;
      artifacts.weightData = data.buffer;
    }
    if (json.trainingConfig != null) artifacts.trainingConfig = json.trainingConfig;
    if (json.signature != null) artifacts.signature = json.signature;
    if (json.userDefinedMetadata != null) artifacts.userDefinedMetadata = json.userDefinedMetadata;
    if (json.modelInitializer != null) artifacts.modelInitializer = json.modelInitializer;
    checkModelArtifacts(artifacts, file);
    return artifacts;
  }
}

/**
 * Creates a {@link FileSystemHandler} for `path` (a directory to save to, or a `model.json` to load).
 *
 * @example
 * ```ts
 * await model.save(lq.io.fileSystem("./my-model"));
 * const loaded = await tf.loadLayersModel(lq.io.fileSystem("./my-model/model.json"));
 * ```
 */
export function fileSystem(path: string): FileSystemHandler {
  return new FileSystemHandler(path);
}

/** Strips the `file://` scheme; `file:///abs` gives `/abs`, `file://./rel` gives `./rel`. */
function pathOfUrl(url: string): string {
  return url.slice(FILE_SCHEME.length);
}

/**
 * The router registered with `tf.io.registerSaveRouter` / `registerLoadRouter`: a handler for
 * `file://…` URLs, `null` for anything else, and `null` when tfjs-node is loaded (its own `file://`
 * router serves those URLs; two handlers for one URL would be an error in tfjs).
 */
export function fileSystemRouter(url: string | string[]): FileSystemHandler | null {
  if (typeof url !== "string" || !url.startsWith(FILE_SCHEME)) return null;
  if (!isNode() || tf.findBackendFactory("tensorflow") != null) return null;
  return new FileSystemHandler(pathOfUrl(url));
}

/**
 * Routes `file://` URLs to {@link fileSystem} for saving and loading: the same as
 * `lq.effects.install({ fileSystemRouter: true })` (which importing `larq-ts` does; `larq-ts/core` does not).
 * Calling it again, or after that import, adds no second router. Does nothing in browsers.
 *
 * @returns whether the router is in effect.
 */
export function registerFileSystemRouter(): boolean {
  if (!isNode()) return false;
  installFileSystemRouter();
  return fileSystemRouterInstalled();
}
