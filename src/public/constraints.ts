/** `lq.constraints`: larq's weight constraints. */
export { WeightClip, get, serialize, weightClip } from "../constraints/index.js";
export type * from "../constraints/index.js";
