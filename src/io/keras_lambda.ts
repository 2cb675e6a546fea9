/**
 * Keras `Lambda` layers of larq-zoo models, translated into layers larq-ts can run.
 *
 * Keras saves a `Lambda` layer as marshalled CPython bytecode, which no JavaScript runtime can execute. larq-zoo
 * builds three kinds of them, each recognisable from the module that defined it, the closure Keras records beside
 * the bytecode, and the bytecode itself; they are rewritten into equivalent layers. Any other `Lambda` is left
 * as it is (tfjs then needs a class registered under the name `Lambda`).
 */
import { describeValue } from "../utils/errors.js";
// Registers PaddedAdd, which MeliusNet's merges become.
import "../zoo/padded_add.js";

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Module names compared the way tfjs may have re-spelled them (`larq_zoo` arrives as `larqZoo`). */
function normalize(name: unknown): string {
  return typeof name === "string" ? name.replace(/_/g, "").toLowerCase() : "";
}

function fail(layer: string, message: string): never {
  throw new Error(`Lambda layer ${JSON.stringify(layer)}: ${message}`);
}

/** The marshalled code object of a Keras `Lambda` (`function[0]`, base64 with line breaks). */
function bytecode(fn: unknown[]): Uint8Array | null {
  if (typeof fn[0] !== "string") return null;
  const text = fn[0].replace(/\\n|\s/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const binary = atob(text);
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

function contains(haystack: Uint8Array, needle: readonly number[]): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

function ascii(text: string): number[] {
  return Array.from(text, (ch) => ch.charCodeAt(0));
}

/**
 * CPython 3.11's code of `lambda x: x` (RESUME 0; LOAD_FAST 0; RETURN_VALUE), as marshal writes its 6-byte
 * `co_code` (length prefix included).
 */
const IDENTITY_CODE = [0x06, 0, 0, 0, 0x97, 0x00, 0x7c, 0x00, 0x53, 0x00];

/** What one larq-zoo Lambda becomes: the class and config of the replacement layer. */
interface Replacement {
  className: string;
  config: Json;
  /** For a `TFOpLambda`: the argument each input tensor fills, given the number of inputs. */
  argumentOrder?: (inputs: number) => string[];
}

/**
 * larq-zoo's `utils.TFOpLayer(tf_op, *args, **kwargs)`: `lambda x_: tf_op(x_, *args, **kwargs)`, whose closure
 * Keras records as `[args, kwargs, "<op name>"]`. Becomes a `TFOpLambda` of the same function.
 */
function tfOpLayer(name: string, closure: unknown, code: Uint8Array | null): Replacement {
  // Keras >= 2.13 writes the function as `{module: "builtins", class_name: "function", config: "split"}`.
  if (Array.isArray(closure) && closure.length === 3 && isRecord(closure[2])) {
    const fn = closure[2];
    if ((fn.class_name ?? fn.className) === "function" && typeof fn.config === "string") closure = [closure[0], closure[1], fn.config];
  }
  if (
    !Array.isArray(closure) ||
    closure.length !== 3 ||
    !Array.isArray(closure[0]) ||
    !isRecord(closure[1]) ||
    typeof closure[2] !== "string"
  ) {
    fail(name, `expected larq-zoo's TFOpLayer closure [args, kwargs, op name], received ${describeValue(closure)}.`);
  }
  if (code === null || !contains(code, ascii("tf_op"))) fail(name, "its bytecode is not larq-zoo's TFOpLayer lambda.");
  const [args, kwargs, op] = closure as [unknown[], Json, string];
  const positional: Record<string, [string, unknown[]]> = {
    concat: ["values", ["axis"]],
    split: ["value", ["num_or_size_splits", "axis"]],
  };
  const signature = positional[op];
  if (signature === undefined)
    fail(name, `larq-zoo TFOpLayer of tf.${op} is not supported (supported: ${Object.keys(positional).join(", ")}).`);
  const [, rest] = signature;
  if (args.length > rest.length) fail(name, `tf.${op} takes ${rest.length} argument(s) after the tensor, received ${describeValue(args)}.`);
  const constants: Json = {};
  args.forEach((value, i) => (constants[rest[i] as string] = value));
  Object.assign(constants, kwargs);
  const [first] = signature;
  const argumentOrder = (n: number) => (op === "concat" ? Array.from({ length: n }, (_, i) => `${first}.${i}`) : [first]);
  return { className: "TFOpLambda", config: { function: op, constants }, argumentOrder };
}

/** MeliusNet's improvement-block merge `lambda x_: x_[0] + tf.pad(x_[1], [[0, 0]] * 3 + [[f_in - 64, 0]])`. */
function meliusNetMerge(name: string, closure: unknown, code: Uint8Array | null): Replacement {
  if (!Array.isArray(closure) || closure.length !== 1 || typeof closure[0] !== "number") {
    fail(name, `expected MeliusNet's merge closure [f_in], received ${describeValue(closure)}.`);
  }
  if (code === null || !contains(code, ascii("pad"))) fail(name, "its bytecode is not MeliusNet's padded merge.");
  return { className: "PaddedAdd", config: {} };
}

/** Real-to-Binary Net's block output `lambda x: x`. */
function identity(name: string, closure: unknown, code: Uint8Array | null): Replacement {
  if (closure != null) fail(name, `expected no closure for an identity lambda, received ${describeValue(closure)}.`);
  if (code === null || !contains(code, IDENTITY_CODE)) {
    fail(name, "its bytecode is not `lambda x: x` as CPython 3.11 compiles it; re-save the model with Python 3.11.");
  }
  return { className: "TFOpLambda", config: { function: "identity", constants: {} }, argumentOrder: () => ["input"] };
}

const BY_MODULE: Record<string, (name: string, closure: unknown, code: Uint8Array | null) => Replacement> = {
  [normalize("larq_zoo.core.utils")]: tfOpLayer,
  [normalize("larq_zoo.literature.meliusnet")]: meliusNetMerge,
  [normalize("larq_zoo.literature.real_to_bin_nets")]: identity,
};

/**
 * Rewrites a Keras `Lambda` layer entry (Keras's snake_case or tfjs's camelCase spelling) defined by larq-zoo into
 * an equivalent layer: `TFOpLambda` for `utils.TFOpLayer` (`tf.concat`, `tf.split`) and Real-to-Binary Net's
 * identity, `PaddedAdd` for MeliusNet's improvement-block merge. Layer name and inbound nodes are kept.
 *
 * @returns the rewritten entry, or the entry unchanged when the Lambda does not come from larq-zoo.
 * @throws an error naming the layer when a larq-zoo Lambda does not have the expected closure or bytecode.
 */
export function translateZooLambda(layer: Json, keys: { className: string; inboundNodes: string; argumentOrder: string }): Json {
  const config = isRecord(layer.config) ? layer.config : {};
  const name = String(layer.name ?? config.name ?? "<unnamed>");
  const translate = BY_MODULE[normalize(config.module)];
  if (translate === undefined) return layer;
  const fn = config.function;
  if (!Array.isArray(fn)) fail(name, `expected Keras's [bytecode, defaults, closure] function, received ${describeValue(fn)}.`);
  const args = config.arguments;
  if (args != null && (!isRecord(args) || Object.keys(args).length > 0)) {
    fail(name, `larq-zoo Lambdas take no extra arguments, received ${describeValue(args)}.`);
  }
  const { className, config: extra, argumentOrder } = translate(name, fn[2], bytecode(fn));
  const base: Json = { name: config.name ?? name, trainable: config.trainable ?? true };
  if (config.dtype !== undefined) base.dtype = config.dtype;
  if (argumentOrder !== undefined) {
    const nodes = layer[keys.inboundNodes];
    const counts = new Set(Array.isArray(nodes) ? nodes.map((node) => (Array.isArray(node) ? node.length : -1)) : []);
    if (counts.size !== 1 || counts.has(-1)) {
      fail(name, `every call of a Lambda layer must take the same number of tensors, received inbound nodes ${describeValue(nodes)}.`);
    }
    base[keys.argumentOrder] = argumentOrder([...counts][0]);
  }
  return { ...layer, [keys.className]: className, config: { ...base, ...extra } };
}
