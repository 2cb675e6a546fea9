/**
 * Up-front checks of model artifacts (a `model.json` and its weights), so that a malformed file fails
 * with a message naming the file, the layer and the field instead of an obscure error from deep inside
 * tfjs, and before any weight variable is created (nothing to leak).
 */
import * as tf from "@tensorflow/tfjs-core";

import { registeredClasses } from "../effects/internals.js";
import { LAYER_CONFIG_KEYS } from "../quantizers/base.js";
import { get as getQuantizer } from "../quantizers/registry.js";
import { snakeToCamel, unknownArgumentMessage } from "../utils/args.js";
import { describeValue } from "../utils/errors.js";

/** Bytes per element of the dtypes that can appear in a weights manifest. */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
/** Bytes per element of the quantized storage dtypes of `tensorflowjs_converter --quantize_*`. */
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

function fail(source: string, message: string): never {
  throw new Error(`Invalid model file ${source}: ${message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Number of bytes one weight of a manifest occupies in the binary weight data, or `null` when it
 * cannot be known in advance (string weights have a variable length).
 */
export function weightByteLength(spec: tf.io.WeightsManifestEntry, source = "<artifacts>"): number | null {
  if (!isRecord(spec) || typeof spec.name !== "string") {
    fail(source, `a weightsManifest entry must be {name, shape, dtype}, received ${describeValue(spec)}.`);
  }
  if (!Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    fail(source, `weight "${spec.name}" has an invalid shape ${describeValue(spec.shape)}.`);
  }
  const size = spec.shape.reduce((a, b) => a * b, 1);
  if (spec.dtype === "string") return null;
  if (spec.quantization != null) {
    const bytes = QUANTIZED_BYTES[spec.quantization.dtype as string];
    if (bytes === undefined) {
      fail(source, `weight "${spec.name}" has an unknown quantization dtype ${describeValue(spec.quantization.dtype)}.`);
    }
    return size * bytes;
  }
  const bytes = DTYPE_BYTES[spec.dtype as string];
  if (bytes === undefined) fail(source, `weight "${spec.name}" has an unknown dtype ${describeValue(spec.dtype)}.`);
  return size * bytes;
}

/**
 * Checks that a weights manifest is well formed and returns its groups' specs in order.
 *
 * @throws an error naming `source` for anything that is not an array of `{paths: string[], weights: [...]}`.
 */
export function checkWeightsManifest(manifest: unknown, source = "<artifacts>"): tf.io.WeightsManifestConfig {
  if (!Array.isArray(manifest)) {
    fail(source, `"weightsManifest" must be an array of {paths, weights} groups, received ${describeValue(manifest)}.`);
  }
  manifest.forEach((group, i) => {
    if (!isRecord(group) || !Array.isArray(group.paths) || !group.paths.every((p) => typeof p === "string")) {
      fail(source, `weightsManifest[${i}] must have "paths": an array of file names, received ${describeValue(group)}.`);
    }
    if (!Array.isArray(group.weights)) {
      fail(source, `weightsManifest[${i}] must have "weights": an array of {name, shape, dtype}.`);
    }
    for (const spec of group.weights) weightByteLength(spec as tf.io.WeightsManifestEntry, source);
  });
  return manifest as tf.io.WeightsManifestConfig;
}

/**
 * Checks that `byteLength` bytes of weight data match the specs (when every spec has a fixed size).
 *
 * @throws an error naming `source`, the expected and the received byte count.
 */
export function checkWeightDataLength(specs: tf.io.WeightsManifestEntry[], byteLength: number, source = "<artifacts>"): void {
  let expected = 0;
  for (const spec of specs) {
    const bytes = weightByteLength(spec, source);
    if (bytes === null) return;
    expected += bytes;
  }
  if (expected !== byteLength) {
    fail(
      source,
      `the weight data has ${byteLength} bytes but the weightsManifest describes ${expected} bytes ` +
        `(${specs.length} weights); the weights file is truncated, too long or belongs to another model.`,
    );
  }
}

const QUANTIZER_KEY = /(^|_)quantizer$|Quantizer$/;

function checkLayerList(layers: unknown, source: string, where: string): void {
  if (!Array.isArray(layers)) fail(source, `${where}.layers must be an array, received ${describeValue(layers)}.`);
  layers.forEach((layer, i) => checkLayer(layer, source, `${where}.layers[${i}]`));
}

function checkLayer(layer: unknown, source: string, where: string): void {
  if (!isRecord(layer)) fail(source, `${where} must be a {class_name, config} object, received ${describeValue(layer)}.`);
  const className = layer.class_name ?? layer.className;
  if (typeof className !== "string") fail(source, `${where} has no "class_name".`);
  const config = layer.config;
  const name = isRecord(config) && typeof config.name === "string" ? `"${config.name}" ` : "";
  const known = Object.fromEntries(registeredClasses());
  if (!(className in known)) {
    fail(
      source,
      `layer ${name}(${where}) has the unknown class_name ${describeValue(className)}. Import the package that ` +
        "defines it (larq-ts registers the larq layers and quantizers when imported) or register the class " +
        "with tf.serialization.registerClass.",
    );
  }
  if (Array.isArray(config)) {
    // Keras 1 / early Keras 2 Sequential: the config is the list of layers itself.
    checkLayerList(config, source, `${where}.config`);
    return;
  }
  if (!isRecord(config)) fail(source, `layer ${name}(${where}) has no "config" object.`);
  checkConfigKeys(known[className][0], className, config, source, `layer ${name}(${className}, ${where})`);
  for (const [key, value] of Object.entries(config)) {
    if (!QUANTIZER_KEY.test(key) || value === null || value === undefined) continue;
    try {
      getQuantizer(value as never);
    } catch (error) {
      fail(source, `layer ${name}(${className}) has an invalid ${key}: ${(error as Error).message}`);
    }
  }
  if ("layers" in config) {
    checkLayerList(config.layers, source, `${where}.config`);
    checkConnectivity(config, source, `${where}.config`);
  }
}

/** Keys of a larq-ts layer config, checked against the class's argument names (see `lq.layers.checkLayerArgs`). */
function checkConfigKeys(cls: unknown, className: string, config: Record<string, unknown>, source: string, what: string): void {
  const own = (cls as { argumentNames?: unknown } | undefined)?.argumentNames;
  if (!Array.isArray(own)) return; // not a larq-ts layer: tfjs reads what it knows
  const known = new Set<string>([...LAYER_KEYS, ...(own as string[])]);
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    const camel = snakeToCamel(key);
    if (known.has(camel) || known.has(key)) continue;
    fail(source, `${what}: ${unknownArgumentMessage(className, key, [...known].map(toSnake), value)}`);
  }
}

/** The config keys tfjs and Keras write for every layer (and `metrics`, which quantizer layers take too). */
const LAYER_KEYS = LAYER_CONFIG_KEYS;

function toSnake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/**
 * Checks the wiring of a functional model config: every inbound node entry, `input_layers` and
 * `output_layers` entry is `[layerName, nodeIndex, tensorIndex, …]` naming a layer of the model (tfjs
 * otherwise fails with "Cannot read properties of undefined").
 */
function checkConnectivity(config: Record<string, unknown>, source: string, where: string): void {
  const layers = (config.layers as unknown[]).filter(isRecord);
  const names = new Set<string>();
  for (const layer of layers) {
    const name = layer.name ?? (isRecord(layer.config) ? layer.config.name : undefined);
    if (typeof name === "string") names.add(name);
  }
  const checkEntry = (entry: unknown, what: string): void => {
    if (!Array.isArray(entry) || typeof entry[0] !== "string" || !Number.isInteger(entry[1]) || !Number.isInteger(entry[2])) {
      fail(source, `${what} must be [layerName, nodeIndex, tensorIndex], received ${describeValue(entry)}.`);
    }
    if (!names.has(entry[0] as string)) {
      fail(source, `${what} refers to the layer ${describeValue(entry[0])}, which is not a layer of the model (${where}).`);
    }
  };
  layers.forEach((layer, i) => {
    const nodes = layer.inbound_nodes ?? layer.inboundNodes;
    if (nodes === undefined || nodes === null) return;
    // Keras's TFOpLambda nodes carry tensor references and constants in their call kwargs until
    // lq.io.translateKerasTopology rewrites them (it checks those references itself).
    const config = isRecord(layer.config) ? layer.config : {};
    const className = layer.class_name ?? layer.className;
    if (className === "TFOpLambda" && config.argument_order === undefined && config.argumentOrder === undefined) return;
    const name = typeof layer.name === "string" ? `"${layer.name}" ` : "";
    const what = `layer ${name}(${where}.layers[${i}])`;
    if (!Array.isArray(nodes)) fail(source, `${what} has "inbound_nodes" that is not a list, received ${describeValue(nodes)}.`);
    nodes.forEach((node, n) => {
      if (!Array.isArray(node)) fail(source, `${what} has an inbound node that is not a list, received ${describeValue(node)}.`);
      node.forEach((entry, e) => checkEntry(entry, `${what}: inbound node ${n}, entry ${e}`));
    });
  });
  for (const key of ["input_layers", "output_layers", "inputLayers", "outputLayers"]) {
    const entries = config[key];
    if (entries === undefined || entries === null) continue;
    if (!Array.isArray(entries)) fail(source, `${where}.${key} must be a list, received ${describeValue(entries)}.`);
    entries.forEach((entry, i) => checkEntry(entry, `${where}.${key}[${i}]`));
  }
}

/**
 * Checks the training config of a model file: its optimizer class must be registered (tfjs would report an
 * unknown optimizer as an "Unknown layer").
 */
export function checkTrainingConfig(trainingConfig: unknown, source = "<artifacts>"): void {
  if (trainingConfig === undefined || trainingConfig === null) return;
  if (!isRecord(trainingConfig)) fail(source, `"trainingConfig" must be an object, received ${describeValue(trainingConfig)}.`);
  const optimizer = trainingConfig.optimizer_config ?? trainingConfig.optimizerConfig;
  if (optimizer === undefined || optimizer === null) return;
  if (!isRecord(optimizer))
    fail(source, `trainingConfig.optimizer_config must be {class_name, config}, received ${describeValue(optimizer)}.`);
  const className = optimizer.class_name ?? optimizer.className;
  if (typeof className !== "string") fail(source, 'trainingConfig.optimizer_config has no "class_name".');
  const known = tf.serialization.SerializationMap.getMap().classNameMap;
  if (!(className in known)) {
    fail(
      source,
      `trainingConfig names the unknown optimizer ${describeValue(className)}. Import the package that defines it ` +
        "(larq-ts registers Bop and CaseOptimizer when imported) or register it with tf.serialization.registerClass.",
    );
  }
}

/**
 * Checks the Keras topology of a layers-format model (the `modelTopology` of a `model.json`): every
 * layer's class is registered and every `*_quantizer` entry resolves with `lq.quantizers.get`.
 *
 * @param topology - `modelTopology` as read from the file (snake_case Keras JSON, possibly wrapped in
 *   `{model_config: …}` as `tensorflowjs_converter` writes it).
 * @param source - file name or URL for error messages.
 * @throws an error naming the file, the layer and the field at the first problem found.
 */
export function checkModelTopology(topology: unknown, source = "<artifacts>"): void {
  if (!isRecord(topology)) {
    fail(source, `"modelTopology" must be a Keras model JSON object, received ${describeValue(topology)}.`);
  }
  const modelConfig = isRecord(topology.model_config) ? topology.model_config : topology;
  checkLayer(modelConfig, source, "model_config");
}

/** Options of {@link checkModelArtifacts}. */
export interface CheckArtifactsOptions {
  /**
   * Accept artifacts without weights (a `model.json` without `"weightsManifest"`): the model then keeps
   * its random initial weights. Default false: such artifacts are rejected.
   */
  allowMissingWeights?: boolean;
}

/**
 * Checks a set of model artifacts before tfjs deserializes them: the topology (see
 * {@link checkModelTopology}: registered classes, quantizer configs, the argument names of larq-ts layers,
 * the wiring of functional models), the optimizer of the training config, the presence of weights
 * (unless `options.allowMissingWeights`), the weight specs and the weight data length.
 *
 * @remarks
 * Called by the `file://` handler on every load; call it yourself on artifacts from other sources
 * (e.g. before `tf.io.fromMemory`) to get the same clear errors.
 * @throws an error naming `source` for the first problem found.
 */
export function checkModelArtifacts(artifacts: tf.io.ModelArtifacts, source = "<artifacts>", options: CheckArtifactsOptions = {}): void {
  if (artifacts.modelTopology instanceof ArrayBuffer) return; // graph models: nothing layers-specific to check
  if (artifacts.modelTopology === undefined) fail(source, 'it has no "modelTopology".');
  checkModelTopology(artifacts.modelTopology, source);
  checkTrainingConfig(artifacts.trainingConfig, source);
  if (artifacts.weightData === undefined && !options.allowMissingWeights) {
    fail(
      source,
      'it has no "weightsManifest" (no weights): the model would load with random initial weights. Pass ' +
        "{allowMissingWeights: true} to lq.io.loadLayersModel to load the topology alone.",
    );
  }
  if (artifacts.weightData !== undefined) {
    if (!Array.isArray(artifacts.weightSpecs)) fail(source, "it has weight data but no weight specs.");
    const data = artifacts.weightData;
    const byteLength = Array.isArray(data) ? data.reduce((sum, buffer) => sum + buffer.byteLength, 0) : data.byteLength;
    checkWeightDataLength(artifacts.weightSpecs, byteLength, source);
  }
}
