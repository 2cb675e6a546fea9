/**
 * Training callbacks (`lq.callbacks`): {@link HyperparameterScheduler} and the terminal
 * {@link ProgressBar} (shown by `model.fit(…, {verbose: 1})` while the `progressBar` effect is installed).
 *
 * @packageDocumentation
 */
export { HyperparameterScheduler, type HyperparameterSchedulerArgs, type Schedule } from "./hyperparameter_scheduler.js";
export { ProgressBar, formatDuration, formatValue, type ProgressBarArgs, type ProgressStream } from "./progress_bar.js";
