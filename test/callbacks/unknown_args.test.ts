import assert from "node:assert/strict";
import { describe, it } from "node:test";

import "../helpers.js";

import { HyperparameterScheduler, ProgressBar } from "../../src/callbacks/index.js";

describe("callbacks reject unknown arguments", () => {
  it("HyperparameterScheduler: `update` suggests updateFreq, snake_case suggests camelCase", () => {
    const schedule = (i: number) => 0.1 * i;
    assert.throws(
      () => new HyperparameterScheduler({ schedule, hyperparameter: "gamma", update: "step" } as never),
      /Invalid update: HyperparameterScheduler has no argument "update" \(received "step"\)\. Did you mean "updateFreq"\?/,
    );
    assert.throws(
      () => new HyperparameterScheduler({ schedule, hyperparameter: "gamma", update_freq: "step" } as never),
      /Did you mean "updateFreq"\?.*camelCase/,
    );
    assert.throws(
      () => new HyperparameterScheduler({ schedule, hyperparamter: "gamma" } as never),
      /has no argument "hyperparamter".*Did you mean "hyperparameter"\?/,
    );
    assert.doesNotThrow(
      () =>
        new HyperparameterScheduler({ schedule, hyperparameter: "gamma", updateFreq: "step", verbose: 0, logName: "g", print: () => {} }),
    );
  });

  it("ProgressBar", () => {
    assert.throws(() => new ProgressBar({ widht: 20 } as never), /ProgressBar has no argument "widht".*Did you mean "width"\?/);
    assert.doesNotThrow(() => new ProgressBar({ stream: { write: () => true }, width: 10, tty: false, updateIntervalMs: 5, now: () => 0 }));
  });
});
