/** `lq.metrics`: larq's training metrics. */
export { FlipRatio } from "../metrics/index.js";
export type * from "../metrics/index.js";
