/**
 * Rewrites the parts of a Python Keras 2 model topology that tfjs 4.22 cannot deserialize into an equivalent
 * topology it can: `TFOpLambda` nodes whose tensor operands sit in the node's call kwargs.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { isTensorReference, tfOpFunction } from "../layers/tf_op_lambda.js";
import { translateZooLambda } from "./keras_lambda.js";
import { describeValue } from "../utils/errors.js";

type Json = Record<string, unknown>;

/** Keras's marker for a constant first argument: `["_CONSTANT_VALUE", -1, value, kwargs]`. */
const CONSTANT_VALUE = "_CONSTANT_VALUE";

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** tfjs's snake_case → camelCase conversion of string values (applied to layer names inside call kwargs). */
function toCamelCase(identifier: string): string {
  if (identifier.length <= 1 || !identifier.includes("_")) return identifier;
  return identifier.replace(/[_]+(\w|$)/g, (_m, p1: string) => p1.toUpperCase());
}

function fail(layer: string, message: string): never {
  throw new Error(`TFOpLambda layer ${JSON.stringify(layer)}: ${message}`);
}

/** Spelling of one topology: Keras's JSON (`class_name`, `inbound_nodes`) or tfjs's camelCase config. */
interface Keys {
  className: string;
  inboundNodes: string;
  argumentOrder: string;
}
const SNAKE: Keys = { className: "class_name", inboundNodes: "inbound_nodes", argumentOrder: "argument_order" };
const CAMEL: Keys = { className: "className", inboundNodes: "inboundNodes", argumentOrder: "argumentOrder" };

function keysOf(layer: Json): Keys {
  return "className" in layer || "inboundNodes" in layer ? CAMEL : SNAKE;
}

/** Finds layers by name; inside tfjs's camelCase config, names in kwargs arrive camel-cased (`maxPooling2d`). */
class LayerNames {
  private readonly exact = new Set<string>();
  private readonly camel = new Map<string, string | null>();
  constructor(layers: Json[]) {
    for (const layer of layers) {
      const name = layer.name ?? (isRecord(layer.config) ? layer.config.name : undefined);
      if (typeof name !== "string") continue;
      this.exact.add(name);
      const key = toCamelCase(name);
      this.camel.set(key, this.camel.has(key) && this.camel.get(key) !== name ? null : name);
    }
  }
  resolve(name: string): string | undefined {
    if (this.exact.has(name)) return name;
    return this.camel.get(name) ?? undefined;
  }
}

/** A tensor input of the rewritten node and the argument it fills. */
interface Input {
  entry: [string, number, number, Json];
  path: string;
}

function checkReference(ref: unknown[], path: string, layer: string, names: LayerNames): [string, number, number, Json] {
  const [name, node, tensor] = ref;
  const resolved = typeof name === "string" ? names.resolve(name) : undefined;
  const fourth = ref[3];
  if (
    resolved === undefined ||
    !Number.isInteger(node) ||
    (node as number) < 0 ||
    !Number.isInteger(tensor) ||
    (tensor as number) < 0 ||
    !(fourth === undefined || fourth === null || isRecord(fourth))
  ) {
    fail(
      layer,
      `malformed tensor reference ${describeValue(ref)} for argument ${JSON.stringify(path)}: expected ` +
        "[layerName, nodeIndex, tensorIndex] naming a layer of the model and non-negative integer indices.",
    );
  }
  return [resolved, node as number, tensor as number, {}];
}

/** Splits a kwarg value into tensor inputs (by path) and constants; arrays are walked only when they hold references. */
function containsReference(value: unknown): boolean {
  return isTensorReference(value) || (Array.isArray(value) && value.some(containsReference));
}

function walkArgument(value: unknown, path: string, layer: string, names: LayerNames, inputs: Input[], constants: Json): void {
  if (isTensorReference(value)) inputs.push({ entry: checkReference(value, path, layer, names), path });
  else if (Array.isArray(value) && value.some(containsReference))
    value.forEach((v, i) => walkArgument(v, `${path}.${i}`, layer, names, inputs, constants));
  else constants[path] = value;
}

/** The entries of Keras's first call argument: one entry, or a (nested) list of them, with their paths. */
function walkFirstArgument(
  value: unknown,
  path: string,
  layer: string,
  names: LayerNames,
  inputs: Input[],
  constants: Json,
  kwargs: Json[],
): void {
  if (Array.isArray(value) && typeof value[0] === "string") {
    const data = value[3];
    if (data !== undefined && data !== null) {
      if (!isRecord(data)) fail(layer, `the call kwargs of an inbound node must be an object, received ${describeValue(data)}.`);
      kwargs.push(data);
    }
    if (value[0] === CONSTANT_VALUE) {
      if (value.length < 3) fail(layer, `malformed constant argument ${describeValue(value)}.`);
      constants[path] = value[2];
    } else {
      inputs.push({ entry: checkReference(value.slice(0, 3), path, layer, names), path });
    }
  } else if (Array.isArray(value) && value.length > 0) {
    value.forEach((v, i) => walkFirstArgument(v, `${path}.${i}`, layer, names, inputs, constants, kwargs));
  } else {
    fail(layer, `malformed inbound node ${describeValue(value)}: expected [layerName, nodeIndex, tensorIndex, kwargs] entries.`);
  }
}

/** Rewrites one node of a TFOpLambda layer; returns the tfjs node (a list of entries) and the argument order. */
function rewriteNode(
  node: unknown,
  layer: string,
  first: string,
  listFirst: boolean,
  names: LayerNames,
  constants: Json,
): { entries: Input["entry"][]; order: string[] } {
  const inputs: Input[] = [];
  const kwargs: Json[] = [];
  // Keras keeps the structure of the first argument: a single tensor is one entry, a list of tensors a list of
  // entries. Older files wrap a single tensor in a list as other layers' nodes; a list function's lone entry is a list.
  const single = Array.isArray(node) && typeof node[0] === "string";
  let first_ = node;
  if (!listFirst && !single && Array.isArray(node) && node.length === 1) first_ = node[0];
  if (listFirst && single) first_ = [node];
  walkFirstArgument(first_, first, layer, names, inputs, constants, kwargs);
  for (const [key, value] of Object.entries(kwargs[0] ?? {})) {
    if (key === "name") continue; // the TF op name: no meaning for tfjs
    walkArgument(value, key, layer, names, inputs, constants);
  }
  if (inputs.length === 0) fail(layer, "it has no tensor operand; tfjs needs at least one input tensor.");
  return { entries: inputs.map((i) => i.entry), order: inputs.map((i) => i.path) };
}

function rewriteLayer(layer: Json, names: LayerNames): Json {
  const keys = keysOf(layer);
  const config = isRecord(layer.config) ? layer.config : {};
  const name = String(layer.name ?? config.name ?? "<unnamed>");
  // Already rewritten (a model saved by tfjs after loading), or built in TypeScript: nothing in the kwargs.
  if (config.argument_order !== undefined || config.argumentOrder !== undefined) return layer;
  const nodes = layer[keys.inboundNodes];
  if (!Array.isArray(nodes)) return layer;
  const spec = tfOpFunction(config.function, name);
  const constants: Json = {};
  let order: string[] | null = null;
  const rewritten = nodes.map((node) => {
    const nodeConstants: Json = {};
    const result = rewriteNode(node, name, spec.params[0], spec.listFirst === true, names, nodeConstants);
    if (
      order !== null &&
      (JSON.stringify(order) !== JSON.stringify(result.order) || JSON.stringify(constants) !== JSON.stringify(nodeConstants))
    ) {
      fail(name, "its nodes pass different arguments; a shared TFOpLambda layer must be called the same way each time.");
    }
    order = result.order;
    Object.assign(constants, nodeConstants);
    return result.entries;
  });
  return {
    ...layer,
    config: { ...config, [keys.argumentOrder]: order ?? [], constants },
    [keys.inboundNodes]: rewritten,
  };
}

/**
 * Keras >= 2.13 writes a Python function given as an initializer or activation (larq-zoo's `blurpool_initializer`)
 * as `{module: "builtins", class_name: "function", config: "<name>"}`; tfjs reads such objects by their registered
 * name only.
 */
function translateFunctionFields(layer: Json): Json {
  if (!isRecord(layer.config)) return layer;
  let changed = false;
  const config: Json = { ...layer.config };
  for (const [key, value] of Object.entries(config)) {
    if (!isRecord(value)) continue;
    const className = value.class_name ?? value.className;
    if (className === "function" && typeof value.config === "string") {
      config[key] = value.config;
      changed = true;
    }
  }
  return changed ? { ...layer, config } : layer;
}

/** Rewrites a model config (`{layers, input_layers, output_layers}`), recursing into nested models. */
function rewriteModelConfig(config: Json): Json {
  if (!Array.isArray(config.layers)) return config;
  const layers = config.layers.filter(isRecord);
  const names = new LayerNames(layers);
  return {
    ...config,
    layers: config.layers.map((original) => {
      if (!isRecord(original)) return original;
      let layer = translateFunctionFields(original);
      const keys = keysOf(layer);
      if (layer[keys.className] === "Lambda") layer = translateZooLambda(layer, keys);
      if (layer[keys.className] === "TFOpLambda") return rewriteLayer(layer, names);
      return isRecord(layer.config) && Array.isArray(layer.config.layers) ? { ...layer, config: rewriteModelConfig(layer.config) } : layer;
    }),
  };
}

/**
 * Translates a Python Keras 2 model topology into one that tfjs-layers deserializes, leaving the input unchanged.
 *
 * @remarks
 * Keras saves a `TFOpLambda` node (`x + y` on Keras tensors) as `[firstArg, 0, 0, {y: [layer, node, tensor],
 * name: null}]`: only the first argument is an inbound tensor, the others are tensor references or constants in
 * the call kwargs, which tfjs neither resolves nor expects unnested. The rewrite makes every tensor reference an
 * inbound tensor of the node (first argument first, then the kwargs in order), records which argument each input
 * is in the layer config (`argument_order: ["x", "y"]`; elements of a list argument as `values.0`), and moves
 * constant arguments (`{y: 2}`, Keras's `_CONSTANT_VALUE` first arguments) to the config's `constants`.
 * Layer config fields holding a Python function in Keras 2.13+'s form (`{class_name: "function", config:
 * "blurpool_initializer"}`) become the function's registered name, which is what tfjs looks up. larq-zoo's
 * `Lambda` layers (MeliusNet's merges and grouped-conv split/concat, Real-to-Binary Net's block outputs) become
 * equivalent `TFOpLambda` / `PaddedAdd` layers (see `translateZooLambda`); other `Lambda` layers are kept.
 * Accepts the whole model JSON (`{modelTopology}`), a topology (`{class_name, config}`, optionally with
 * `model_config`) or a model config, in Keras's snake_case or tfjs's camelCase spelling. Topologies without
 * `TFOpLambda` layers, already translated layers, and binary (GraphDef) topologies are returned as they are.
 *
 * @throws an error naming the layer for an unsupported function, or a tensor reference that is malformed or
 * names no layer of the model.
 */
export function translateKerasTopology<T>(modelTopology: T): T {
  const translate = (value: unknown): unknown => {
    if (!isRecord(value)) return value;
    for (const wrapper of ["modelTopology", "model_config", "modelConfig"]) {
      if (isRecord(value[wrapper])) return { ...value, [wrapper]: translate(value[wrapper]) };
    }
    if (Array.isArray(value.layers)) return rewriteModelConfig(value);
    if (isRecord(value.config) && Array.isArray(value.config.layers)) return { ...value, config: rewriteModelConfig(value.config) };
    return value;
  };
  return translate(modelTopology) as T;
}

/**
 * Wraps an IO handler so that the model it loads goes through {@link translateKerasTopology}: Keras models with
 * `TFOpLambda` layers then load from any source (`tf.io.http`, `tf.io.browserFiles`, `tf.io.fromMemory`, …).
 * Saving is passed through unchanged.
 *
 * @example
 * ```ts
 * const model = await tf.loadLayersModel(lq.io.kerasCompat(tf.io.http("https://example.com/quicknet/model.json")));
 * ```
 */
export function kerasCompat(handler: tf.io.IOHandler): tf.io.IOHandler {
  if (handler == null || typeof handler !== "object") {
    throw new Error(`Invalid handler: expected a tf.io.IOHandler, received ${describeValue(handler)}.`);
  }
  const wrapped: tf.io.IOHandler = {};
  if (typeof handler.load === "function") {
    wrapped.load = async () => {
      const artifacts = await handler.load!();
      return { ...artifacts, modelTopology: translateKerasTopology(artifacts.modelTopology) };
    };
  }
  if (typeof handler.save === "function") wrapped.save = (artifacts) => handler.save!(artifacts);
  return wrapped;
}

/**
 * Keras's `Functional` model class, as tfjs's (an alias of `tf.LayersModel`) but translating its config with
 * {@link translateKerasTopology} first. Registered in place of tfjs's, so that every way of loading a Keras model
 * JSON (`tf.loadLayersModel`, `tf.models.modelFromJSON`) reads `TFOpLambda` layers (the `kerasLoading` effect).
 */
export class KerasFunctional extends tfl.LayersModel {
  /** @nocollapse */
  static override className = "Functional";
  /** Translates the (camelCase) model config, then deserializes it as tfjs does. */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
    customObjects?: tf.serialization.ConfigDict,
    fastWeightInit?: boolean,
  ): T {
    return super.fromConfig(cls, translateKerasTopology(config), customObjects, fastWeightInit);
  }
}
