/**
 * Weight constraints for quantized layers.
 *
 * @packageDocumentation
 */
export {
  Constraint,
  WeightClip,
  weightClip,
  get,
  serialize,
  knownConstraints,
  type WeightClipArgs,
  type ConstraintIdentifier,
} from "./weight_clip.js";
