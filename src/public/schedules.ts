/** `lq.optimizers.schedules`: Keras's learning-rate schedules, usable for Bop's threshold and gamma too. */
export {
  CosineDecay,
  CosineDecayRestarts,
  ExponentialDecay,
  InverseTimeDecay,
  LearningRateSchedule,
  PiecewiseConstantDecay,
  PolynomialDecay,
  deserializeSchedule,
  serializeSchedule,
} from "../optimizers/schedules.js";
export type * from "../optimizers/schedules.js";
