/**
 * Training metrics specific to quantized networks (`lq.metrics`).
 *
 * @remarks
 * Like larq, these metrics need a layer's kernel rather than `yTrue`/`yPred`, so they are not passed to
 * `model.compile({metrics})`: they are enabled on quantizers (`metrics: ["flip_ratio"]`) or with
 * `lq.context.metricsScope`, and {@link FlipRatioLogger} (run by every `model.fit` while the `flipRatioLogger`
 * effect of `lq.effects` is installed, as it is on import of `larq-ts`)
 * reports them in the logs.
 *
 * @packageDocumentation
 */
export { FlipRatio, type FlipRatioArgs } from "./flip_ratio.js";
export { FlipRatioLogger } from "./flip_ratio_logger.js";
