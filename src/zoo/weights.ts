/**
 * Loading and saving zoo weights as tfjs layers-format folders (`model.json` + binary shards), with
 * SHA-256 verification of the weight data.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import { writeModelFolder } from "../io/atomic_write.js";
import { describeValue, invalidArgument } from "../utils/errors.js";
import { importNode } from "../utils/node_import.js";

/**
 * Where to find weights: a path or URL (`http(s)://`, `file://` or a local path) of a tfjs
 * layers-format folder or of its `model.json`, optionally with the expected SHA-256.
 */
export type WeightsSource = string | { path: string; sha256?: string | null };

/** The manifest part of a `model.json`. */
interface ModelJson {
  weightsManifest?: tf.io.WeightsManifestConfig;
  modelTopology?: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

const isUrl = (p: string): boolean => /^https?:\/\//i.test(p);

async function readBytes(location: string): Promise<Uint8Array> {
  if (isUrl(location)) {
    let response: Response;
    try {
      response = await fetch(location);
    } catch (error) {
      throw new Error(`lq.zoo weights: cannot fetch ${location}: ${(error as Error).message}`, { cause: error });
    }
    if (!response.ok) throw new Error(`lq.zoo weights: fetching ${location} failed with HTTP ${response.status}.`);
    return new Uint8Array(await response.arrayBuffer());
  }
  const fs = await importNode("node:fs/promises");
  const { fileURLToPath } = await importNode("node:url");
  const file = location.startsWith("file://") ? fileURLToPath(location) : location;
  try {
    return new Uint8Array(await fs.readFile(file));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT") throw new Error(`lq.zoo weights: file not found: ${file}`, { cause: error });
    throw new Error(`lq.zoo weights: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

function joinLocation(base: string, name: string): string {
  return base.endsWith("/") ? base + name : `${base}/${name}`;
}

/** Splits a source into the folder location and the `model.json` location. */
function locate(path: string): { dir: string; modelJson: string } {
  if (/\.json$/i.test(path)) {
    const cut = path.lastIndexOf("/");
    return { dir: cut >= 0 ? path.slice(0, cut) : ".", modelJson: path };
  }
  return { dir: path.replace(/\/+$/, "") || "/", modelJson: joinLocation(path.replace(/\/+$/, ""), "model.json") };
}

/** Hex SHA-256 of bytes (WebCrypto: Node ≥ 20 and browsers). */
export async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

/**
 * Reads a weights folder: the manifest and the weight data (all shards concatenated in manifest
 * order), verifying the data against `sha256` when one is given.
 *
 * @remarks
 * The hash covers the weight bytes only (not `model.json`), so for a single-shard folder it is
 * simply the SHA-256 of that shard file (`sha256sum weights.bin`).
 * @throws when a file is missing, the manifest is malformed or the hash does not match.
 */
export async function readWeightsFolder(
  source: WeightsSource,
): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: Uint8Array; sha256: string }> {
  const path = typeof source === "string" ? source : source?.path;
  const expected = typeof source === "string" ? null : (source?.sha256 ?? null);
  if (typeof path !== "string" || path.length === 0) invalidArgument("weights", source, "a path/URL or {path, sha256}");
  if (expected !== null && !(typeof expected === "string" && /^[0-9a-fA-F]{64}$/.test(expected))) {
    invalidArgument("sha256", expected, "a 64-digit hexadecimal SHA-256 digest or null");
  }
  const { dir, modelJson } = locate(path);
  let json: ModelJson;
  try {
    json = JSON.parse(new TextDecoder().decode(await readBytes(modelJson))) as ModelJson;
  } catch (error) {
    if (error instanceof SyntaxError) throw new Error(`lq.zoo weights: ${modelJson} is not valid JSON: ${error.message}`, { cause: error });
    throw error;
  }
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) {
    throw new Error(`lq.zoo weights: ${modelJson} has no weightsManifest (expected a tfjs layers-format model.json).`);
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of manifest) {
    for (const shard of group.paths) parts.push(await readBytes(joinLocation(dir, shard)));
    specs.push(...group.weights);
  }
  const data = concatBytes(parts);
  const actual = await sha256Hex(data);
  if (expected !== null && actual !== expected.toLowerCase()) {
    throw new Error(
      `lq.zoo weights: SHA-256 mismatch for ${path}: expected ${expected.toLowerCase()}, computed ${actual}. ` +
        "The files are corrupt, incomplete or not the expected weights.",
    );
  }
  return { specs, data, sha256: actual };
}

/** The weight's own name without its layer prefix and tfjs' uniqueness suffix: "conv/kernel_3" → "kernel". */
function localName(name: string): string {
  return name
    .slice(name.lastIndexOf("/") + 1)
    .replace(/(_\d+)+$/, "")
    .replace(/:\d+$/, "");
}

/** Why `specs` cannot be assigned to `targets` one by one (count, shape or weight kind), or null if they can. */
function orderMismatch(specs: tf.io.WeightsManifestEntry[], targets: tfl.LayerVariable[], modelName: string): string | null {
  if (specs.length !== targets.length) {
    return (
      `the folder holds ${specs.length} weight tensors but model "${modelName}" has ${targets.length}; ` +
      "the weights belong to another architecture or includeTop/numClasses setting"
    );
  }
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i];
    const target = targets[i];
    if (!tf.util.arraysEqual(spec.shape, target.shape as number[])) {
      return `weight ${i} ("${spec.name}") has shape ${describeValue(spec.shape)} but "${target.originalName}" expects ${describeValue(target.shape)}`;
    }
    if (localName(spec.name) !== localName(target.originalName)) {
      return `weight ${i} is "${spec.name}" but "${target.originalName}" is a ${localName(target.originalName)}`;
    }
  }
  return null;
}

/**
 * Loads weights from a tfjs layers-format folder into `model`, checking count, shapes and weight
 * kinds (`kernel`, `gamma`, `moving_mean`, …).
 *
 * @remarks
 * Layer names differ between builds, so weights are matched by position: first in the order of
 * `model.weights` (trainable weights first; what {@link saveWeights} and `model.save` write), then
 * in layer order (each layer's weights in turn, the order of Keras weight files). The first order
 * whose shapes and weight kinds all agree is used; otherwise nothing is assigned and the error names
 * the first disagreement.
 *
 * @param model - the model built by the matching zoo factory (same `includeTop` / `numClasses`).
 * @param source - path/URL of the folder or `model.json`, or `{path, sha256}` to verify the data.
 * @returns the SHA-256 of the weight data that was loaded.
 * @example
 * ```ts
 * const model = lq.zoo.quickNet({ weights: null });
 * await lq.zoo.loadWeights(model, { path: "./quicknet-tfjs", sha256: "…" });
 * ```
 */
export async function loadWeights(model: tfl.LayersModel, source: WeightsSource): Promise<string> {
  const { specs, data, sha256 } = await readWeightsFolder(source);
  const candidates = [model.weights, model.layers.flatMap((layer) => layer.weights)];
  const problems = candidates.map((targets) => orderMismatch(specs, targets, model.name));
  const index = problems.indexOf(null);
  if (index < 0) throw new Error(`lq.zoo weights: cannot load into model "${model.name}": ${problems[0]}.`);
  const targets = candidates[index];
  const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  const decoded = tf.io.decodeWeights(buffer, specs);
  try {
    specs.forEach((spec, i) => targets[i].write(decoded[spec.name]));
  } finally {
    tf.dispose(decoded);
  }
  return sha256;
}

/**
 * Saves a model as a tfjs layers-format folder (`model.json` with topology and manifest, plus one
 * `weights.bin` shard) on the local file system (Node), creating the folder if needed.
 *
 * @remarks
 * Crash-safe, like `lq.io.fileSystem` ({@link writeModelFolder}): a kill or a full disk mid-save
 * leaves the folder with its previous weights or the new ones, never a mix or a truncated file.
 *
 * @returns the SHA-256 of `weights.bin`, to pass as `{path, sha256}` when loading.
 * @throws AtomicWriteError naming the folder and the cause when the files cannot be written.
 */
export async function saveWeights(model: tfl.LayersModel, dir: string): Promise<string> {
  if (typeof dir !== "string" || dir.length === 0) invalidArgument("dir", dir, "a folder path");
  const fs = await importNode("node:fs/promises");
  let hash = "";
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const bytes = new Uint8Array((artifacts.weightData as ArrayBuffer | undefined) ?? new ArrayBuffer(0));
      await fs.mkdir(dir, { recursive: true });
      const result = await writeModelFolder(dir, bytes, (weightsPath): ModelJson => ({
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? "layers-model",
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [weightsPath], weights: artifacts.weightSpecs ?? [] }],
      }));
      hash = result.sha256;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return hash;
}
