/**
 * Loading a layers model with errors that name the file, the layer and the weight, without leaking
 * tensors on failure, and with the weights exactly as saved.
 *
 * @remarks
 * `tf.loadLayersModel` (tfjs-layers 4.22) has three problems that this loader works around:
 *
 * - Errors from deep inside tfjs name neither the file nor the layer: a weight of the wrong shape gives
 *   `Shape mismatch: [3,2] vs. [4,2]`, a bad layer config the bare message of its constructor.
 * - A failed load leaks the weights of every layer created so far (up to the whole model).
 * - `LayerVariable.write` applies the weight's constraint to the loaded value, and leaks the
 *   constrained tensor: each load leaked one tensor per constrained layer, and loaded weights differed
 *   from the file where they lay outside the constraint. Keras assigns loaded weights as they are.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { describeValue, invalidArgument } from "../utils/errors.js";
import { FILE_SCHEME, fileSystem, isNode } from "./file_system.js";
import { translateKerasTopology } from "./keras_topology.js";
import { checkModelArtifacts, type CheckArtifactsOptions } from "./validate.js";

/** Options of {@link loadLayersModel}. */
export interface LoadLayersModelOptions {
  /**
   * Require that every weight of the model is in the file and every weight of the file belongs to the
   * model (tfjs' `strict`). Default true.
   */
  strict?: boolean;
  /**
   * Accept a model file without weights (no `"weightsManifest"`); the model then keeps its random initial
   * weights. Default false: such files are rejected, as loading them silently gives an untrained model.
   */
  allowMissingWeights?: boolean;
  /** Name of the source in error messages. Default: the path or URL, or `"<IOHandler>"`. */
  source?: string;
}

function sourceOf(source: string | tf.io.IOHandler): string {
  if (typeof source === "string") return source;
  const path = (source as { path?: unknown }).path;
  return typeof path === "string" ? path : "<IOHandler>";
}

function handlerOf(source: string | tf.io.IOHandler, checks: CheckArtifactsOptions): tf.io.IOHandler {
  if (typeof source !== "string") {
    if (source === null || typeof source !== "object" || typeof source.load !== "function") {
      invalidArgument("source", source, "a path, a URL or a tf.io.IOHandler with a load method");
    }
    return source;
  }
  if (source.startsWith(FILE_SCHEME)) return fileSystem(source.slice(FILE_SCHEME.length), checks);
  const handlers = tf.io.getLoadHandlers(source);
  if (handlers.length > 1) throw new Error(`Several IO handlers match ${source}; pass one as a tf.io.IOHandler.`);
  if (handlers.length === 1) return handlers[0];
  if (isNode() && !/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return fileSystem(source, checks);
  throw new Error(`No IO handler for ${describeValue(source)}: expected a file path, a file:// or http(s):// URL, or a tf.io.IOHandler.`);
}

/** The variables of the tfjs engine, by name. */
function variableNames(): Set<string> {
  return new Set(Object.keys(tf.engine().registeredVariables));
}

/** Disposes the engine variables that are not in `before` (created by a failed deserialization). */
function disposeVariablesSince(before: Set<string>): void {
  for (const [name, variable] of Object.entries(tf.engine().registeredVariables)) {
    if (!before.has(name)) variable.dispose();
  }
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The layer configs of a topology (`{class_name, config: {layers}}`, possibly under `model_config`). */
function layerConfigs(topology: unknown): Json[] {
  let t = topology;
  if (isRecord(t) && isRecord(t.model_config)) t = t.model_config;
  if (!isRecord(t)) return [];
  const config = t.config;
  const layers = Array.isArray(config) ? config : isRecord(config) ? config.layers : undefined;
  return Array.isArray(layers) ? layers.filter(isRecord) : [];
}

/**
 * After a failed deserialization: the first layer whose config cannot be turned into a layer on its own,
 * and the error its constructor gives. Each layer is tried as the only layer of a `Sequential` model,
 * which tfjs deserializes with its own key conversion.
 */
async function findBrokenLayer(topology: unknown): Promise<{ name: string; className: string; index: number; error: Error } | null> {
  const layers = layerConfigs(topology);
  for (let index = 0; index < layers.length; index++) {
    const layer = layers[index];
    const className = String(layer.class_name ?? layer.className ?? "?");
    const config = isRecord(layer.config) ? layer.config : {};
    const name = String(config.name ?? layer.name ?? `layers[${index}]`);
    const before = variableNames();
    try {
      const probe = { class_name: "Sequential", config: { name: "larq_ts_probe", layers: [{ class_name: className, config }] } };
      const model = await tfl.models.modelFromJSON({ modelTopology: probe } as never);
      model.dispose();
    } catch (error) {
      disposeVariablesSince(before);
      const message = (error as Error).message ?? String(error);
      // A layer without an input shape cannot start a Sequential model: it was created fine.
      if (/first layer in a Sequential model/i.test(message)) continue;
      return { name, className, index, error: error as Error };
    }
  }
  return null;
}

/** tfjs's `toCamelCase` (of `generic_utils`), which its model loading applies to keys and string values. */
function toCamelCase(identifier: string): string {
  if (identifier.length <= 1 || !identifier.includes("_")) return identifier;
  return identifier.replace(/[_]+(\w|$)/g, (_m, p1: string) => p1.toUpperCase());
}

/**
 * tfjs's `convertPythonicToTs` (not exported by tfjs-layers): camel-cases the keys and string values of a
 * Keras JSON config, except `name` values and the layer names heading inbound nodes and input/output layers.
 */
function pythonicToTs(value: unknown, key?: string): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (typeof value === "string") return toCamelCase(value);
  if (typeof value === "number" || typeof value === "boolean") return value;
  if (Array.isArray(value)) {
    const isName = (i: number, item: unknown) =>
      (key === "inboundNodes" || key === "outputLayers" || key === "inputLayers") && i === 0 && typeof item === "string";
    return value.map((item, i) => (isName(i, item) ? item : pythonicToTs(item, key)));
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(value as Json)) {
    if (k === "name" && typeof v === "string") out[k] = v;
    else {
      const camel = toCamelCase(k);
      out[camel] = pythonicToTs(v, camel);
    }
  }
  return out;
}

/**
 * Deserializes a model topology as `tf.loadLayersModel` does (its registered class's `fromConfig`), with
 * `fastWeightInit` when the weights are loaded right after (initializers then skip their random draws).
 */
function deserializeModel(topology: unknown, fastWeightInit: boolean): tfl.LayersModel {
  let t = topology;
  if (isRecord(t) && t.model_config != null) t = t.model_config;
  const config = pythonicToTs(t) as Json;
  if (!isRecord(config) || typeof config.className !== "string" || config.config == null) {
    throw new Error(`the topology must be a {class_name, config} object, received ${describeValue(t)}.`);
  }
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[config.className];
  if (entry === undefined) throw new Error(`the model class ${describeValue(config.className)} is not registered.`);
  const [cls, fromConfig] = entry as unknown as [unknown, (cls: unknown, config: unknown, custom: object, fast: boolean) => unknown];
  // As tfjs's deserializeKerasObject does, the nested config carries the custom objects.
  if (isRecord(config.config)) config.config.customObjects = {};
  const model = fromConfig(cls, config.config, {}, fastWeightInit);
  if (!(model instanceof tfl.LayersModel)) throw new Error(`the topology describes a ${config.className}, not a model.`);
  return model;
}

function withContext(source: string, message: string, cause: unknown): Error {
  const error = new Error(`Invalid model file ${source}: ${message}`);
  (error as { cause?: unknown }).cause = cause;
  return error;
}

/** The layer owning each weight variable of a model, by variable. */
function weightOwners(model: tfl.LayersModel): Map<tfl.LayerVariable, string> {
  const owners = new Map<tfl.LayerVariable, string>();
  for (const layer of model.layers) for (const weight of layer.weights) if (!owners.has(weight)) owners.set(weight, layer.name);
  return owners;
}

/** The latent `tf.Variable` behind a layer variable (a quantized variable's `read` returns q(latent)). */
function latentVariable(weight: tfl.LayerVariable): tf.Variable {
  return tfl.LayerVariable.prototype.read.call(weight) as tf.Variable;
}

/**
 * Assigns decoded weight values to the model's variables, matching names as tfjs does (the saved
 * `originalName`; a `layer/cell/weight` name also matches `layer/weight`), without applying constraints.
 * Every problem names the file, the weight and its layer.
 */
function assignWeights(model: tfl.LayersModel, values: tf.NamedTensorMap, source: string, strict: boolean): void {
  const owners = weightOwners(model);
  const byName = new Map<string, tfl.LayerVariable>();
  for (const [weight, layer] of owners) {
    const name = weight.originalName;
    if (byName.has(name)) throw withContext(source, `two weights of the model are named "${name}" (layer "${layer}").`, undefined);
    byName.set(name, weight);
  }
  const pairs: Array<[tfl.LayerVariable, tf.Tensor, string]> = [];
  const unknown: string[] = [];
  for (const name of Object.keys(values)) {
    let key = name;
    if (!byName.has(key)) {
      const tokens = name.split("/");
      key = tokens
        .slice(0, -2)
        .concat(tokens[tokens.length - 1])
        .join("/");
    }
    const weight = byName.get(key);
    if (weight === undefined) {
      unknown.push(name);
      continue;
    }
    byName.delete(key);
    pairs.push([weight, values[name], name]);
  }
  if (strict && unknown.length > 0) {
    throw withContext(
      source,
      `the file has ${unknown.length} weight(s) that match no weight of the model: ${unknown
        .slice(0, 10)
        .map((n) => `"${n}"`)
        .join(", ")}` + `${unknown.length > 10 ? ", …" : ""}. The weights file belongs to another model, or the layer names differ.`,
      undefined,
    );
  }
  if (strict && byName.size > 0) {
    const missing = [...byName.values()].map((w) => `"${w.originalName}" (layer "${owners.get(w)}")`);
    throw withContext(
      source,
      `${missing.length} of ${owners.size} weights of the model are not in the file: ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", …" : ""}.`,
      undefined,
    );
  }
  for (const [weight, value, name] of pairs) {
    const expected = weight.shape;
    if (expected.length !== value.shape.length || expected.some((d, i) => d !== value.shape[i])) {
      throw withContext(
        source,
        `weight "${name}" of layer "${owners.get(weight)}" has shape [${value.shape.join(", ")}] in the file, but the layer ` +
          `expects [${expected.join(", ")}].`,
        undefined,
      );
    }
    if (value.dtype !== weight.dtype) {
      throw withContext(
        source,
        `weight "${name}" of layer "${owners.get(weight)}" is ${value.dtype} in the file, but the layer expects ${weight.dtype}.`,
        undefined,
      );
    }
  }
  // Keras assigns saved values as they are; LayerVariable.write would apply (and leak) the constraint.
  for (const [weight, value] of pairs) latentVariable(weight).assign(value);
}

/**
 * Builds a model from artifacts: see {@link loadLayersModel}. The artifacts must already be checked
 * ({@link checkModelArtifacts}) and translated ({@link translateKerasTopology}).
 */
async function modelFromArtifacts(artifacts: tf.io.ModelArtifacts, source: string, strict: boolean): Promise<tfl.LayersModel> {
  const before = variableNames();
  let model: tfl.LayersModel;
  try {
    model = deserializeModel(artifacts.modelTopology, artifacts.weightData != null && artifacts.weightSpecs != null && strict);
  } catch (error) {
    disposeVariablesSince(before);
    const message = (error as Error).message ?? String(error);
    // larq-ts layers name themselves ("Cannot create QuantDense layer "qd" from its config: …").
    if (/^Cannot create \S+ layer /.test(message)) throw withContext(source, message, error);
    const broken = await findBrokenLayer(artifacts.modelTopology);
    if (broken !== null) {
      throw withContext(
        source,
        `layer "${broken.name}" (${broken.className}, layers[${broken.index}]) cannot be created: ${broken.error.message}`,
        error,
      );
    }
    throw withContext(source, `tfjs could not build the model from its topology: ${message}`, error);
  }
  const decoded: tf.Tensor[] = [];
  try {
    if (artifacts.userDefinedMetadata != null) {
      try {
        model.setUserDefinedMetadata(artifacts.userDefinedMetadata);
      } catch (error) {
        throw withContext(source, `its userDefinedMetadata is invalid: ${(error as Error).message}`, error);
      }
    }
    if (artifacts.trainingConfig != null) {
      try {
        model.loadTrainingConfig(artifacts.trainingConfig as Parameters<tfl.LayersModel["loadTrainingConfig"]>[0]);
      } catch (error) {
        throw withContext(source, `its trainingConfig cannot be restored: ${(error as Error).message}`, error);
      }
    }
    if (artifacts.weightData != null) {
      const specs = artifacts.weightSpecs ?? [];
      const values = tf.io.decodeWeights(artifacts.weightData, specs);
      decoded.push(...Object.values(values));
      const modelWeights: tf.NamedTensorMap = {};
      const optimizerWeights: Array<{ name: string; tensor: tf.Tensor }> = [];
      for (const spec of specs) {
        if (spec.group === "optimizer") optimizerWeights.push({ name: spec.name, tensor: values[spec.name] });
        else modelWeights[spec.name] = values[spec.name];
      }
      assignWeights(model, modelWeights, source, strict);
      if (model.optimizer != null && optimizerWeights.length > 0) {
        try {
          await model.optimizer.setWeights(optimizerWeights);
        } catch (error) {
          throw withContext(source, `the optimizer weights cannot be restored: ${(error as Error).message}`, error);
        }
      }
    }
  } catch (error) {
    // Everything this load created: the model's weights and the optimizer's variables. (A variable another
    // load created at the same time would go too; loads that may fail should not overlap.)
    disposeVariablesSince(before);
    throw error;
  } finally {
    tf.dispose(decoded);
  }
  return model;
}

/**
 * Loads a tfjs Layers model (a `model.json` and its weights) like `tf.loadLayersModel`, with clear errors,
 * no leaked tensors, and the weights exactly as saved.
 *
 * @remarks
 * - `source`: a file path or `file://` URL (Node.js; a directory means `directory/model.json`), an
 *   `http(s)://` or other URL tfjs has a handler for, or any `tf.io.IOHandler`.
 * - Keras 2 topologies are translated ({@link translateKerasTopology}) and the artifacts checked
 *   ({@link checkModelArtifacts}) first: unknown classes, bad quantizer configs, unknown arguments of
 *   larq-ts layers, broken wiring, an unknown optimizer and truncated weights give errors naming the file
 *   and the layer, before any tensor exists.
 * - A file without `"weightsManifest"` is rejected unless `options.allowMissingWeights`.
 * - Any later error (a layer constructor rejecting its config, a weight of the wrong shape or dtype, weights
 *   missing from the file or matching no weight of the model) names the file, the layer and the weight, and
 *   disposes every variable and tensor the load created.
 * - Loaded weights are assigned as saved; constraints are not applied (as in Keras; tfjs applies them and
 *   leaks a tensor per constrained weight).
 *
 * @example
 * ```ts
 * const model = await lq.io.loadLayersModel("./quicknet/model.json");
 * ```
 */
export async function loadLayersModel(source: string | tf.io.IOHandler, options: LoadLayersModelOptions = {}): Promise<tfl.LayersModel> {
  if (options === null || typeof options !== "object") invalidArgument("options", options, "an object of load options");
  const name = options.source ?? sourceOf(source);
  const checks: CheckArtifactsOptions = { allowMissingWeights: options.allowMissingWeights === true };
  const handler = handlerOf(source, checks);
  const loaded = await handler.load!();
  const artifacts: tf.io.ModelArtifacts = { ...loaded, modelTopology: translateKerasTopology(loaded.modelTopology) };
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new Error(`Invalid model file ${name}: it is a graph model (GraphDef); load it with tf.loadGraphModel.`);
  }
  checkModelArtifacts(artifacts, name, checks);
  return modelFromArtifacts(artifacts, name, options.strict ?? true);
}
