/** `lq.context`: larq's scopes (quantized weights, training metrics). */
export { getTrainingMetrics, metricsScope, quantizedScope, shouldQuantize } from "../context/index.js";
export type * from "../context/index.js";
