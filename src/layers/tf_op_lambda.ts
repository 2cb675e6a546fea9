/**
 * Keras's `TFOpLambda` layer: a TensorFlow function (`x + y`, `tf.math.multiply`, …) applied to Keras tensors in
 * a functional model, which Python Keras 2 records as a layer with the function's TF API name.
 */
import * as tf from "@tensorflow/tfjs-core";

import { describeValue } from "../utils/errors.js";
import { checkLayerArgs, layerFromConfig } from "./args.js";
import { Layer, type Kwargs, type LayerArgs, type Shape } from "../utils/tfjs.js";
import { registerLayer } from "../utils/serialization.js";

/** An operand: a tensor input, or a constant from the layer config (a number, a nested array, …). */
type Operand = tf.Tensor | number | boolean | unknown[] | null | string | object;
/** The arguments of one call, by parameter name (a list-valued parameter holds an array). */
type Arguments = Record<string, unknown>;
/** An operand's shape for {@link TFOpLambda.computeOutputShape}: a tensor's shape or a constant's. */
type OperandShape = Shape | number[];

/** One supported TF function. */
interface TFOpSpec {
  /** The name Keras writes into the `function` config field. */
  readonly name: string;
  /** Parameter names in Python's order (the first is the positional argument Keras keeps in `inbound_nodes`). */
  readonly params: readonly string[];
  /** Whether the first parameter is a list of tensors (`tf.concat(values, axis)`). */
  readonly listFirst?: boolean;
  /** The result: one tensor, or a list for functions with several outputs (`split`). */
  compute(args: Arguments): tf.Tensor | tf.Tensor[];
  outputShape(args: Arguments, layer: string): OperandShape | OperandShape[];
}

/** How tfjs and Keras may spell one name: `__operators__.add`, `Operators_.add`, `private__operators__.add`. */
function normalizeName(name: string): string {
  return name
    .replace(/^private/, "")
    .replace(/_/g, "")
    .toLowerCase();
}

function layerError(layer: string, message: string): never {
  throw new Error(`TFOpLambda layer ${JSON.stringify(layer)}: ${message}`);
}

/** NumPy broadcasting of two shapes with `null` for unknown dimensions. */
export function broadcastShapes(a: OperandShape, b: OperandShape, layer = "<layer>"): Shape {
  const rank = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else if (da === null) out.push(db);
    else if (db === null) out.push(da);
    else if (da === db) out.push(da);
    else layerError(layer, `operand shapes ${describeValue(a)} and ${describeValue(b)} do not broadcast.`);
  }
  return out;
}

/** The shape of a constant operand: `[]` for a number, the nesting of an array. */
function constantShape(value: unknown): number[] {
  const shape: number[] = [];
  let v = value;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

function operandShape(value: unknown): OperandShape {
  return isShapeMarker(value) ? value.shape : constantShape(value);
}

/** Stand-in for a tensor operand during shape inference. */
interface ShapeMarker {
  readonly shape: Shape;
  readonly [SHAPE_MARKER]: true;
}
const SHAPE_MARKER = Symbol("shape");
function isShapeMarker(value: unknown): value is ShapeMarker {
  return typeof value === "object" && value !== null && SHAPE_MARKER in value;
}

function binary(name: string, op: (x: tf.Tensor | tf.TensorLike, y: tf.Tensor | tf.TensorLike) => tf.Tensor): TFOpSpec {
  return {
    name,
    params: ["x", "y"],
    compute: (args) => op(args.x as tf.Tensor, args.y as tf.Tensor),
    outputShape: (args, layer) => broadcastShapes(operandShape(args.x), operandShape(args.y), layer),
  };
}

function asTensor(value: unknown): tf.Tensor {
  return value instanceof tf.Tensor ? value : tf.tensor(value as tf.TensorLike);
}

function unary(name: string, param: string, op: (x: tf.Tensor) => tf.Tensor): TFOpSpec {
  return {
    name,
    params: [param],
    compute: (args) => op(asTensor(args[param])),
    outputShape: (args) => operandShape(args[param]),
  };
}

function concatAxis(args: Arguments, rank: number, layer: string): number {
  const axis = args.axis;
  if (typeof axis !== "number" || !Number.isInteger(axis) || axis < -rank || axis >= rank) {
    layerError(layer, `concat needs an integer axis in [${-rank}, ${rank}), received ${describeValue(axis)}.`);
  }
  return axis < 0 ? axis + rank : axis;
}

const CONCAT: TFOpSpec = {
  name: "concat",
  params: ["values", "axis"],
  listFirst: true,
  compute: (args) => {
    const values = (args.values as unknown[]).map(asTensor);
    return tf.concat(values, concatAxis(args, values[0].rank, "concat"));
  },
  outputShape: (args, layer) => {
    const shapes = (args.values as unknown[]).map(operandShape);
    const axis = concatAxis(args, shapes[0].length, layer);
    const out: Shape = [...shapes[0]];
    out[axis] = shapes.some((s) => s[axis] === null) ? null : shapes.reduce((n, s) => n + (s[axis] as number), 0);
    return out;
  },
};

/** The sizes `tf.split(value, num_or_size_splits, axis)` cuts a dimension of size `dim` into (`null`: unknown). */
function splitSizes(args: Arguments, dim: number | null, layer: string): number[] {
  const spec = args.num_or_size_splits;
  if (typeof spec === "number") {
    if (!Number.isInteger(spec) || spec < 1 || (dim !== null && dim % spec !== 0)) {
      layerError(
        layer,
        `split needs num_or_size_splits to be a positive integer dividing the axis size ${dim}, received ${describeValue(spec)}.`,
      );
    }
    return Array.from({ length: spec }, () => (dim === null ? -1 : dim / spec));
  }
  if (!Array.isArray(spec) || spec.length === 0 || !spec.every((n) => typeof n === "number" && Number.isInteger(n) && n >= -1)) {
    layerError(layer, `split needs num_or_size_splits as an integer or a list of sizes, received ${describeValue(spec)}.`);
  }
  const sizes = spec as number[];
  const unknown = sizes.filter((n) => n === -1).length;
  const known = sizes.reduce((sum, n) => (n === -1 ? sum : sum + n), 0);
  if (unknown > 1 || (dim !== null && (unknown === 0 ? known !== dim : known > dim))) {
    layerError(layer, `split sizes ${describeValue(sizes)} do not fit the axis size ${dim}.`);
  }
  return dim === null ? sizes : sizes.map((n) => (n === -1 ? dim - known : n));
}

const SPLIT: TFOpSpec = {
  name: "split",
  params: ["value", "num_or_size_splits", "axis"],
  compute: (args) => {
    const value = asTensor(args.value);
    const axis = concatAxis(args, value.rank, "split");
    return tf.split(value, splitSizes(args, value.shape[axis], "split"), axis);
  },
  outputShape: (args, layer) => {
    const shape = operandShape(args.value);
    const axis = concatAxis(args, shape.length, layer);
    return splitSizes(args, shape[axis], layer).map((n) => shape.map((d, i) => (i === axis ? (n < 0 ? null : n) : d)));
  },
};

/**
 * The TF functions a {@link TFOpLambda} layer computes, by the name Keras writes. `x + y` on Keras tensors is
 * `__operators__.add`, `x * y` `math.multiply`, `x - y` `math.subtract`, `x / y` `math.truediv`.
 */
export const TF_OP_FUNCTIONS: readonly TFOpSpec[] = [
  binary("__operators__.add", tf.add),
  binary("math.add", tf.add),
  binary("math.multiply", tf.mul),
  binary("math.subtract", tf.sub),
  binary("math.truediv", tf.div),
  binary("math.divide", tf.div),
  binary("math.maximum", tf.maximum),
  binary("math.minimum", tf.minimum),
  unary("math.negative", "x", tf.neg),
  unary("nn.relu", "features", tf.relu),
  unary("identity", "input", tf.clone),
  CONCAT,
  SPLIT,
];

const BY_NAME = new Map(TF_OP_FUNCTIONS.map((spec) => [normalizeName(spec.name), spec]));

/**
 * The supported function Keras calls `name` (in any of Keras's or tfjs's spellings).
 *
 * @throws an error naming the layer and the function when it is not supported.
 */
export function tfOpFunction(name: unknown, layer = "<layer>"): TFOpSpec {
  const spec = typeof name === "string" ? BY_NAME.get(normalizeName(name)) : undefined;
  if (spec === undefined) {
    layerError(layer, `unsupported function ${describeValue(name)}; larq-ts supports ${TF_OP_FUNCTIONS.map((s) => s.name).join(", ")}.`);
  }
  return spec;
}

/** Whether `value` looks like Keras's serialized tensor reference `[layerName, nodeIndex, tensorIndex(, kwargs)]`. */
export function isTensorReference(value: unknown): value is unknown[] {
  return Array.isArray(value) && (value.length === 3 || value.length === 4) && typeof value[0] === "string";
}

/** Arguments to {@link TFOpLambda}. */
export interface TFOpLambdaArgs extends LayerArgs {
  /** The TF function as Keras names it (`"__operators__.add"`, `"math.multiply"`, …); see {@link TF_OP_FUNCTIONS}. */
  function: string;
  /**
   * For each input tensor, in order, the argument it is: a parameter name (`"x"`, `"y"`), or `name.i` for
   * element `i` of a list parameter (`"values.0"`). Default: the function's parameters in order (`values.i` for
   * `concat`). Written by {@link io.translateKerasTopology} for models saved by Keras.
   */
  argumentOrder?: string[];
  /**
   * Arguments that are not tensors (`{y: 2}` for `x + 2`, `{axis: -1}` for `concat`), by the same names as
   * {@link TFOpLambdaArgs.argumentOrder}. Default `{}`.
   */
  constants?: Record<string, unknown>;
}

/** The first path segment names the parameter; Keras and tfjs may spell it snake_case or camelCase. */
function splitPath(path: string): [string, number[]] {
  const [head, ...rest] = path.split(".");
  return [normalizeName(head), rest.map(Number)];
}

/**
 * A Keras `TFOpLambda` layer: one TensorFlow function applied to its input tensors and constant arguments.
 *
 * @remarks
 * Python Keras 2 turns a TF function applied to Keras tensors (`x + y`, `tf.math.multiply(x, 2)`) into this layer,
 * saved with the function's TF API name in `function`. Supported: elementwise `add` (`__operators__.add`,
 * `math.add`), `math.multiply`, `math.subtract`, `math.truediv`/`math.divide`, `math.maximum`, `math.minimum`
 * (NumPy broadcasting), `math.negative`, `nn.relu`, `identity`, `concat` and `split` (one output per piece). Keras saves the second tensor operand inside the
 * node's call kwargs, which tfjs does not resolve: models from Keras load through `lq.io.fileSystem`,
 * `lq.io.kerasCompat(handler)` or any `Functional` model JSON once larq-ts is imported, which move those
 * operands into the layer's inputs ({@link TFOpLambdaArgs.argumentOrder}).
 *
 * @example
 * ```ts
 * const a = tf.input({ shape: [4] });
 * const b = tf.input({ shape: [4] });
 * const sum = lq.layers.tfOpLambda({ function: "__operators__.add" }).apply([a, b]);
 * const scaled = lq.layers.tfOpLambda({ function: "math.multiply", constants: { y: 0.5 } }).apply(sum);
 * ```
 */
export class TFOpLambda extends Layer {
  /** @nocollapse */
  static className = "TFOpLambda";
  /** The names of this layer's own arguments (besides `tf.layers.Layer`'s); others are rejected. */
  static readonly argumentNames: readonly string[] = Object.freeze(["function", "argumentOrder", "argument_order", "constants"]);

  /** Creates the layer from a saved config; a rejected config gives an error naming the layer. */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return layerFromConfig(cls, config);
  }
  /** The function as Keras names it. */
  readonly function: string;
  /** See {@link TFOpLambdaArgs.argumentOrder}; `null` for the default. */
  readonly argumentOrder: string[] | null;
  /** See {@link TFOpLambdaArgs.constants}. */
  readonly constants: Record<string, unknown>;
  private readonly spec: TFOpSpec;

  constructor(args: TFOpLambdaArgs) {
    checkLayerArgs(new.target, args);
    const { function: fn, argumentOrder, constants, ...base } = args ?? ({} as TFOpLambdaArgs);
    const snake = args as unknown as { argument_order?: unknown };
    super(base);
    this.spec = tfOpFunction(fn, this.name);
    this.function = this.spec.name;
    const order = argumentOrder ?? snake.argument_order ?? null;
    if (order !== null && (!Array.isArray(order) || !order.every((p) => typeof p === "string"))) {
      layerError(this.name, `argumentOrder must be a list of argument names, received ${describeValue(order)}.`);
    }
    this.argumentOrder = order;
    if (constants != null && (typeof constants !== "object" || Array.isArray(constants))) {
      layerError(this.name, `constants must be an object of argument values, received ${describeValue(constants)}.`);
    }
    this.constants = { ...(constants ?? {}) };
    for (const path of [...(order ?? []), ...Object.keys(this.constants)]) this.checkPath(path);
  }

  private checkPath(path: string): void {
    const [param, indices] = splitPath(path);
    const known = this.spec.params.map(normalizeName).indexOf(param);
    if (known < 0) {
      layerError(this.name, `argument ${JSON.stringify(path)} is not a parameter of ${this.spec.name}(${this.spec.params.join(", ")}).`);
    }
    if (indices.some((i) => !Number.isInteger(i) || i < 0)) layerError(this.name, `invalid argument path ${JSON.stringify(path)}.`);
  }

  /** Builds the function's arguments from the operands (tensors or shape markers) and the constants. */
  private arguments<T>(operands: T[]): Arguments {
    const order = this.argumentOrder ?? this.defaultOrder(operands.length);
    if (order.length !== operands.length) {
      layerError(
        this.name,
        `received ${operands.length} input tensor(s), but its argumentOrder ${describeValue(order)} names ${order.length}.`,
      );
    }
    const args: Arguments = {};
    const set = (path: string, value: unknown) => {
      const [param, indices] = splitPath(path);
      const name = this.spec.params.find((p) => normalizeName(p) === param)!;
      if (indices.length === 0) {
        args[name] = value;
        return;
      }
      let target = (args[name] ??= []) as unknown[];
      indices.forEach((index, k) => {
        if (k === indices.length - 1) target[index] = value;
        else target = (target[index] ??= []) as unknown[];
      });
    };
    for (const [path, value] of Object.entries(this.constants)) set(path, value);
    order.forEach((path, i) => set(path, operands[i]));
    this.spec.params.forEach((param, i) => {
      const value = args[param];
      if (value === undefined || value === null)
        layerError(this.name, `${this.spec.name} is missing its argument ${JSON.stringify(param)}.`);
      if (Array.isArray(value) && value.includes(undefined)) layerError(this.name, `argument ${JSON.stringify(param)} has gaps.`);
      if (i === 0 && this.spec.listFirst && (!Array.isArray(value) || value.length === 0)) {
        layerError(this.name, `${this.spec.name} needs a non-empty list ${JSON.stringify(param)}.`);
      }
    });
    return args;
  }

  private defaultOrder(n: number): string[] {
    if (this.spec.listFirst) return Array.from({ length: n }, (_, i) => `${this.spec.params[0]}.${i}`);
    const taken = new Set(Object.keys(this.constants).map((path) => splitPath(path)[0]));
    return this.spec.params.filter((p) => !taken.has(normalizeName(p))).slice(0, n);
  }

  /** Applies the function. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    for (const [key, value] of Object.entries(kwargs ?? {})) {
      if (isTensorReference(value)) {
        layerError(
          this.name,
          `argument ${JSON.stringify(key)} is a tensor reference ${describeValue(value)} left in the node's call kwargs: ` +
            "load Keras models through lq.io.fileSystem, lq.io.kerasCompat(handler) or lq.io.translateKerasTopology.",
        );
      }
    }
    return tf.tidy(() => this.spec.compute(this.arguments((Array.isArray(inputs) ? inputs : [inputs]) as Operand[])));
  }

  /** The broadcast (or concatenated) shape of the operands; a list of shapes for `split`. */
  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const many = inputShape.length > 0 && inputShape.every((s) => Array.isArray(s));
    const shapes = (many ? inputShape : [inputShape]) as Shape[];
    const markers = shapes.map((shape) => ({ shape, [SHAPE_MARKER]: true }) as ShapeMarker);
    return this.spec.outputShape(this.arguments(markers), this.name) as Shape | Shape[];
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { function: this.function, constants: this.constants as tf.serialization.ConfigDict };
    if (this.argumentOrder !== null) config.argumentOrder = this.argumentOrder;
    return { ...config, ...super.getConfig() };
  }
}
registerLayer(TFOpLambda);

/** Creates a {@link TFOpLambda} layer. */
export function tfOpLambda(args: TFOpLambdaArgs): TFOpLambda {
  return new TFOpLambda(args);
}
