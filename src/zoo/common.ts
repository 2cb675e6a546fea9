/**
 * Pieces shared by the lq.zoo model factories: the common argument object, input resolution
 * (larq-zoo's `validate_input` / `get_input_layer`), the global pooling head and the factory wrapper
 * that loads weights.
 */
import * as tfl from "@tensorflow/tfjs-layers";

import { checkArgNames } from "../utils/args.js";
import { describeValue, invalidArgument } from "../utils/errors.js";
import type { SymbolicTensor } from "../utils/tfjs.js";
import { kerasName } from "./blocks.js";
import { loadWeights, type WeightsSource } from "./weights.js";

/** Arguments accepted by every lq.zoo model factory (larq-zoo's keyword arguments, camelCased). */
export interface ZooModelArgs {
  /**
   * Shape of one input image, `[height, width, channels]`; `null` marks an unknown spatial size
   * (only with `includeTop: false`). Default `[224, 224, 3]`. Ignored when `inputTensor` is given.
   */
  inputShape?: (number | null)[] | null;
  /** A symbolic tensor (`tf.input(...)` or a layer output) to use as the image input. Default: a new input. */
  inputTensor?: SymbolicTensor | null;
  /** Whether to add the classification head (pooling, classifier, softmax). Default `true`. */
  includeTop?: boolean;
  /** Number of classes of the classifier (only with `includeTop`). Default 1000. */
  numClasses?: number;
  /**
   * `null` (default) for random initialisation, or a tfjs layers-format weights folder (a path or URL
   * of the folder or of its `model.json`), optionally with the SHA-256 of its weight data. With
   * weights the factory returns a `Promise` of the model.
   */
  weights?: WeightsSource | null;
}

/** {@link ZooModelArgs} with the defaults applied and the input resolved. */
export interface ResolvedZooArgs {
  /** The image input of the model. */
  input: SymbolicTensor;
  /** Whether to add the classification head. */
  includeTop: boolean;
  /** Number of output classes. */
  numClasses: number;
}

/** A model factory of lq.zoo: synchronous without weights, asynchronous with weights. */
export interface ZooModelFactory {
  (args?: ZooModelArgs & { weights?: null }): tfl.LayersModel;
  (args: ZooModelArgs & { weights: WeightsSource }): Promise<tfl.LayersModel>;
  (args?: ZooModelArgs): tfl.LayersModel | Promise<tfl.LayersModel>;
  /** larq-zoo's name of the model (also the tfjs model name), e.g. `"quicknet"`. */
  readonly modelName: string;
}

const ARG_KEYS = new Set(["inputShape", "inputTensor", "includeTop", "numClasses", "weights"]);

function resolveInputShape(inputShape: unknown, includeTop: boolean): (number | null)[] {
  if (inputShape === undefined || inputShape === null) return [224, 224, 3];
  if (!Array.isArray(inputShape) || inputShape.length !== 3) {
    invalidArgument("inputShape", inputShape, "an array [height, width, channels]");
  }
  inputShape.forEach((d, i) => {
    const ok = (d === null && i < 2) || (typeof d === "number" && Number.isInteger(d) && d > 0);
    if (!ok) invalidArgument("inputShape", inputShape, "positive integers, with null allowed for height and width");
  });
  if (includeTop && (inputShape[0] === null || inputShape[1] === null)) {
    invalidArgument("inputShape", inputShape, "a static shape when includeTop is true (use includeTop: false for an unknown spatial size)");
  }
  return [...inputShape] as (number | null)[];
}

let inputCount = 0;

/** Keras' default input names, counted from 1 (`input_1`, `input_2`, …), as larq-zoo's models have them. */
function nextInputName(): string {
  inputCount += 1;
  return `input_${inputCount}`;
}

/** Validates the common arguments and creates (or adopts) the image input. */
export function resolveZooArgs(args: ZooModelArgs | undefined): ResolvedZooArgs {
  const given = args ?? {};
  if (typeof given !== "object" || Array.isArray(given)) invalidArgument("args", given, "an object");
  checkArgNames("the zoo model", given, ARG_KEYS);
  const includeTop = given.includeTop ?? true;
  if (typeof includeTop !== "boolean") invalidArgument("includeTop", includeTop, "a boolean");
  const numClasses = given.numClasses ?? 1000;
  if (typeof numClasses !== "number" || !Number.isInteger(numClasses) || numClasses < 1) {
    invalidArgument("numClasses", numClasses, "a positive integer");
  }
  let input: SymbolicTensor;
  if (given.inputTensor !== undefined && given.inputTensor !== null) {
    if (!(given.inputTensor instanceof tfl.SymbolicTensor)) {
      invalidArgument("inputTensor", given.inputTensor, "a symbolic tensor such as tf.input({shape: [224, 224, 3]})");
    }
    input = given.inputTensor;
    if (input.shape.length !== 4) invalidArgument("inputTensor", input.shape, "a 4D symbolic tensor [batch, h, w, c]");
    if (includeTop && (input.shape[1] === null || input.shape[2] === null)) {
      invalidArgument("inputTensor", input.shape, "a static spatial size when includeTop is true");
    }
  } else {
    input = tfl.input({ shape: resolveInputShape(given.inputShape, includeTop), name: nextInputName() });
  }
  return { input, includeTop, numClasses };
}

/**
 * larq-zoo's `global_pool`: an `AveragePooling2D` over the whole (static) feature map followed by a
 * `Flatten`, or `GlobalAveragePooling2D` when the spatial size is unknown. Both give the channel means.
 * With a `name`, the layers are called `${name}_pool` and `${name}_flatten` (or `name`), as in larq-zoo.
 */
export function globalPool(x: SymbolicTensor, name?: string): SymbolicTensor {
  const [, h, w] = x.shape;
  if (typeof h === "number" && typeof w === "number") {
    const poolName = kerasName("AveragePooling2D", name ? `${name}_pool` : undefined);
    const pooled = tfl.layers.averagePooling2d({ poolSize: [h, w], name: poolName }).apply(x) as SymbolicTensor;
    return tfl.layers.flatten({ name: kerasName("Flatten", name ? `${name}_flatten` : undefined) }).apply(pooled) as SymbolicTensor;
  }
  return tfl.layers.globalAveragePooling2d({ name: kerasName("GlobalAveragePooling2D", name) }).apply(x) as SymbolicTensor;
}

/** Static channel count (last dimension) of a symbolic tensor. */
export function channels(x: SymbolicTensor): number {
  const c = x.shape[x.shape.length - 1];
  if (typeof c !== "number") throw new Error(`lq.zoo: the channel dimension must be known, received shape ${describeValue(x.shape)}.`);
  return c;
}

/** Applies a layer to one symbolic tensor. */
export function call(
  layer: { apply(x: SymbolicTensor | SymbolicTensor[]): unknown },
  x: SymbolicTensor | SymbolicTensor[],
): SymbolicTensor {
  return layer.apply(x) as SymbolicTensor;
}

/**
 * Wraps an architecture builder into a zoo factory: validates the arguments, builds the graph,
 * names the model as larq-zoo does, and loads `weights` when given (then returning a Promise).
 */
export function defineZooModel(modelName: string, build: (args: ResolvedZooArgs) => SymbolicTensor): ZooModelFactory {
  const factory = (args?: ZooModelArgs): tfl.LayersModel | Promise<tfl.LayersModel> => {
    const resolved = resolveZooArgs(args);
    const weights = args?.weights ?? null;
    if (weights !== null) checkWeightsSource(weights);
    const output = build(resolved);
    const model = tfl.model({ inputs: resolved.input, outputs: output, name: modelName });
    if (weights === null) return model;
    return loadWeights(model, weights).then(
      () => model,
      (error: unknown) => {
        model.dispose();
        throw error;
      },
    );
  };
  Object.defineProperty(factory, "modelName", { value: modelName, enumerable: true });
  return factory as ZooModelFactory;
}

function checkWeightsSource(weights: unknown): void {
  if (weights === "imagenet") {
    invalidArgument(
      "weights",
      weights,
      "null or a path/URL of a tfjs layers-format weights folder (larq-ts hosts no ImageNet weights; " +
        "convert larq-zoo's weights and pass their location)",
    );
  }
  if (typeof weights === "string") {
    if (weights.length === 0) invalidArgument("weights", weights, "a non-empty path or URL");
    return;
  }
  if (typeof weights === "object" && weights !== null && typeof (weights as { path?: unknown }).path === "string") return;
  invalidArgument("weights", weights, "null, a path/URL string, or {path, sha256}");
}
