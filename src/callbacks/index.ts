/**
 * Training callbacks (`lq.callbacks`): {@link HyperparameterScheduler} and the terminal
 * {@link ProgressBar} (registered on import so that `model.fit(…, {verbose: 1})` shows it).
 *
 * @packageDocumentation
 */
export {
  HyperparameterScheduler,
  type HyperparameterSchedulerArgs,
  type Schedule,
} from "./hyperparameter_scheduler.js";
export { ProgressBar, formatDuration, formatValue, type ProgressBarArgs, type ProgressStream } from "./progress_bar.js";
