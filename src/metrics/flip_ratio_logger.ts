/**
 * Reports the flip ratio of binary kernels in the `model.fit` logs.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import {
  latentVariable,
  lookupVariable,
  quantizerOfVariable,
  registerModelVariables,
  walkLayers,
  type LayerVariable,
} from "../optimizers/variables.js";
import { Quantizer, type QuantizerLike } from "../quantizers/base.js";
import type { Layer } from "../utils/tfjs.js";
import { FlipRatio } from "./flip_ratio.js";

/** Name of the metric as used in `metrics: ["flip_ratio"]` and `lq.context.metricsScope`. */
const FLIP_RATIO = "flip_ratio";

interface Tracked {
  key: string;
  variable: LayerVariable;
  quantizer: QuantizerLike;
  metric: FlipRatio;
}

function includesFlipRatio(value: unknown): boolean {
  return Array.isArray(value) && value.includes(FLIP_RATIO);
}

/**
 * Whether the flip ratio of a weight should be collected: its quantizer's `metrics` include
 * "flip_ratio", or its layer's `metrics` do, or the quantizer has no metrics of its own (a function,
 * or an empty list) and the weight was created inside `lq.context.metricsScope(["flip_ratio"], …)`.
 */
function wantsFlipRatio(weight: LayerVariable, layer: Layer, quantizer: QuantizerLike): boolean {
  const own = quantizer instanceof Quantizer ? quantizer.metrics : undefined;
  if (includesFlipRatio(own)) return true;
  if (includesFlipRatio((layer as unknown as { metrics?: unknown }).metrics)) return true;
  // Like larq's get_kernel_quantizer: a kernel quantizer without metrics of its own takes those of the
  // metricsScope around the layer (recorded when the weight was created).
  if (own === undefined || own.length === 0) {
    const record = lookupVariable(weight);
    if (record !== null && record.scopeMetrics.includes(FLIP_RATIO)) return true;
  }
  return false;
}

/** The quantized values of a weight, as its layer uses them in the forward pass. */
function quantizedValues(tracked: Tracked): tf.Tensor {
  return tf.tidy(() => {
    const latent = latentVariable(tracked.variable);
    const q = tracked.quantizer;
    if (q === null) return tf.clone(latent);
    return q instanceof Quantizer ? q.quantize(latent) : q(latent);
  });
}

/**
 * A `model.fit` callback that adds `flip_ratio/<layer name>` to the logs for every quantized kernel
 * whose quantizer collects the `flip_ratio` metric.
 *
 * @remarks
 * As in larq, the metric is updated with the kernel's quantized values (signs, for binary kernels) as
 * each training step's forward pass sees them (see {@link FlipRatio}), so update k measures the
 * fraction changed by optimizer step k − 1. Like Keras, the metric is reset when an epoch begins (its
 * first update only records the values) and the logs hold its running result: after batch k of an
 * epoch, the mean flip ratio of the epoch's steps 1 … k − 1 (0 after the first batch); the epoch logs
 * (and so `history.history`) the value after the epoch's last batch. The flips of an epoch's last step
 * are therefore not counted, exactly as in larq (checked against real larq by
 * test/interop/larq_metrics.test.ts). Depthwise and pointwise kernels are reported as
 * `flip_ratio/<layer>/<weight>`; larq names the key after the quantizer instead (`flip_ratio/ste_sign_1`).
 *
 * The `flipRatioLogger` effect of `lq.effects` (installed on import of `larq-ts`, not of `larq-ts/core`) makes
 * every `model.fit` run it; it does nothing for models without such kernels. Enable the metric per
 * quantizer (`new lq.quantizers.SteSign({metrics: ["flip_ratio"]})`), per layer (`metrics:
 * ["flip_ratio"]`), or for all kernel quantizers of layers built inside
 * `lq.context.metricsScope(["flip_ratio"], …)`.
 *
 * @example
 * ```ts
 * const model = lq.context.metricsScope(["flip_ratio"], () => buildBnn());
 * const history = await model.fit(x, y, { epochs: 2 });
 * history.history["flip_ratio/quant_dense_1"]; // mean flip ratio per epoch
 * ```
 */
export class FlipRatioLogger extends tfl.Callback {
  private tracked: Tracked[] = [];

  /** The log keys this callback reports for the current model (after training started). */
  get keys(): string[] {
    return this.tracked.map((t) => t.key);
  }

  override async onTrainBegin(): Promise<void> {
    this.release();
    const model = this.model as unknown as Layer | undefined;
    if (model === undefined || model === null) return;
    registerModelVariables(model);
    for (const layer of walkLayers(model)) {
      // Containers (models) list their children's weights; attribute each weight to its own layer.
      if (Array.isArray((layer as unknown as { layers?: unknown }).layers)) continue;
      for (const weight of layer.trainableWeights) {
        const quantizer = quantizerOfVariable(weight);
        if (quantizer === undefined || !wantsFlipRatio(weight, layer, quantizer)) continue;
        const record = lookupVariable(weight);
        const suffix = record?.weightName && record.weightName !== "kernel" ? `/${record.weightName}` : "";
        const key = `${FLIP_RATIO}/${layer.name}${suffix}`;
        if (this.tracked.some((t) => t.key === key)) continue;
        this.tracked.push({ key, variable: weight, quantizer, metric: new FlipRatio({ name: key }) });
      }
    }
  }

  private record(tracked: Tracked): number {
    const values = quantizedValues(tracked);
    try {
      return tracked.metric.updateState(values);
    } finally {
      values.dispose();
    }
  }

  override async onEpochBegin(): Promise<void> {
    for (const t of this.tracked) t.metric.resetStates();
  }

  /** The values this step's forward pass quantizes: what larq's metric sees inside the step. */
  override async onBatchBegin(): Promise<void> {
    for (const t of this.tracked) this.record(t);
  }

  override async onBatchEnd(_batch: number, logs?: tfl.Logs): Promise<void> {
    if (!logs) return;
    for (const t of this.tracked) logs[t.key] = t.metric.result();
  }

  override async onEpochEnd(_epoch: number, logs?: tfl.Logs): Promise<void> {
    if (!logs) return;
    for (const t of this.tracked) logs[t.key] = t.metric.result();
  }

  override async onTrainEnd(): Promise<void> {
    this.release();
  }

  private release(): void {
    for (const t of this.tracked) t.metric.dispose();
    this.tracked = [];
  }
}
