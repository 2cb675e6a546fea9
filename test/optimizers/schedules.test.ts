import assert from "node:assert/strict";
import { describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";

import * as optimizers from "../../src/optimizers/index.js";

const { schedules } = optimizers;
const {
  CosineDecay,
  CosineDecayRestarts,
  ExponentialDecay,
  InverseTimeDecay,
  PiecewiseConstantDecay,
  PolynomialDecay,
  deserializeSchedule,
  serializeSchedule,
} = schedules;

/** Relative comparison (Keras computes in float32, we in float64). */
function assertNear(actual: number, expected: number, message: string, rel = 2e-6): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected) + 1e-12, `${message}: ${actual} != ${expected}`);
}

const STEPS = [0, 1, 5, 10, 15, 20, 37, 100, 150];

// Outputs of tf.keras.optimizers.schedules (TF 2.16, legacy Keras) at STEPS, printed to 8 digits.
const KERAS: Array<[string, optimizers.schedules.LearningRateSchedule, number[]]> = [
  [
    "ExponentialDecay(0.1, 10, 0.5)",
    new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 }),
    [0.1, 0.0933033, 0.070710681, 0.050000001, 0.035355341, 0.025, 0.0076946528, 9.7656251e-5, 3.0517579e-6],
  ],
  [
    "ExponentialDecay(0.1, 10, 0.5, staircase)",
    new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true }),
    [0.1, 0.1, 0.1, 0.050000001, 0.050000001, 0.025, 0.0125, 9.7656251e-5, 3.0517579e-6],
  ],
  [
    "InverseTimeDecay(3, 1, 0.5)", // larq's test_bop_tf_1_14_schedules
    new InverseTimeDecay({ initialLearningRate: 3, decaySteps: 1, decayRate: 0.5 }),
    [3.0, 2.0, 0.85714287, 0.5, 0.35294119, 0.27272728, 0.15384616, 0.05882353, 0.039473683],
  ],
  [
    "InverseTimeDecay(3, 4, 0.5, staircase)",
    new InverseTimeDecay({ initialLearningRate: 3, decaySteps: 4, decayRate: 0.5, staircase: true }),
    [3.0, 3.0, 2.0, 1.5, 1.2, 0.85714287, 0.54545456, 0.22222222, 0.15384616],
  ],
  [
    "PiecewiseConstantDecay([10, 20], [1, 0.5, 0.1])",
    new PiecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5, 0.1] }),
    [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.1, 0.1, 0.1],
  ],
  [
    "PolynomialDecay(5e-4, 100)", // larq's test_bop_serialization_schedule
    new PolynomialDecay({ initialLearningRate: 5e-4, decaySteps: 100 }),
    [0.00050000002, 0.00049599999, 0.00048000002, 0.00046000001, 0.00044000003, 0.00042000003, 0.000352, 9.9999997e-5, 9.9999997e-5],
  ],
  [
    "PolynomialDecay(0.1, 10, 0.01, power 0.5, cycle)",
    new PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 10, endLearningRate: 0.01, power: 0.5, cycle: true }),
    [0.1, 0.095381498, 0.073639609, 0.0099999998, 0.055, 0.0099999998, 0.034647513, 0.0099999998, 0.0099999998],
  ],
  [
    "CosineDecay(0.1, 100, alpha 0.1)",
    new CosineDecay({ initialLearningRate: 0.1, decaySteps: 100, alpha: 0.1 }),
    [0.1, 0.099977791, 0.099445976, 0.097797543, 0.095095292, 0.091405764, 0.072871655, 0.010000001, 0.010000001],
  ],
  [
    "CosineDecay(0, 50, warmup to 0.2 in 10)",
    new CosineDecay({ initialLearningRate: 0, decaySteps: 50, warmupTarget: 0.2, warmupSteps: 10 }),
    [0.0, 0.020000001, 0.1, 0.2, 0.19510566, 0.18090169, 0.087466672, 0.0, 0.0],
  ],
  [
    "CosineDecayRestarts(1, 10)",
    new CosineDecayRestarts({ initialLearningRate: 1, firstDecaySteps: 10 }),
    [1.0, 0.97552824, 0.49999997, 1.0, 0.85355341, 0.49999997, 0.92632008, 0.6913417, 1.0],
  ],
  [
    "CosineDecayRestarts(1, 10, tMul 1, mMul 0.5, alpha 0.1)",
    new CosineDecayRestarts({ initialLearningRate: 1, firstDecaySteps: 10, tMul: 1, mMul: 0.5, alpha: 0.1 }),
    [1.0, 0.97797543, 0.54999995, 0.55000001, 0.32499999, 0.32499999, 0.12318707, 0.10087891, 0.10002746],
  ],
];

describe("schedules", () => {
  it("match Keras's closed-form formulas step by step", () => {
    const { cos, PI, floor, min, ceil } = Math;
    for (let step = 0; step <= 120; step++) {
      const at = (s: optimizers.schedules.LearningRateSchedule) => s.call(step);
      assertNear(
        at(new ExponentialDecay({ initialLearningRate: 2, decaySteps: 7, decayRate: 0.3 })),
        2 * Math.exp((step / 7) * Math.log(0.3)),
        `exp ${step}`,
      );
      assertNear(
        at(new ExponentialDecay({ initialLearningRate: 2, decaySteps: 7, decayRate: 0.3, staircase: true })),
        2 * 0.3 ** floor(step / 7),
        `exp staircase ${step}`,
      );
      assertNear(
        at(new InverseTimeDecay({ initialLearningRate: 3, decaySteps: 2, decayRate: 0.5 })),
        3 / (1 + (0.5 * step) / 2),
        `inv ${step}`,
      );
      assertNear(
        at(new InverseTimeDecay({ initialLearningRate: 3, decaySteps: 2, decayRate: 0.5, staircase: true })),
        3 / (1 + 0.5 * floor(step / 2)),
        `inv staircase ${step}`,
      );
      const piecewise = step <= 10 ? 1 : step <= 30 ? 0.5 : step <= 31 ? 0.2 : 0.05;
      assert.equal(
        at(new PiecewiseConstantDecay({ boundaries: [10, 30, 31], values: [1, 0.5, 0.2, 0.05] })),
        piecewise,
        `piecewise ${step}`,
      );
      const s = min(step, 40);
      assertNear(
        at(new PolynomialDecay({ initialLearningRate: 1, decaySteps: 40, endLearningRate: 0.1, power: 2 })),
        0.9 * (1 - s / 40) ** 2 + 0.1,
        `poly ${step}`,
      );
      const period = step === 0 ? 40 : 40 * ceil(step / 40);
      assertNear(
        at(new PolynomialDecay({ initialLearningRate: 1, decaySteps: 40, endLearningRate: 0.1, power: 2, cycle: true })),
        0.9 * (1 - step / period) ** 2 + 0.1,
        `poly cycle ${step}`,
      );
      assertNear(
        at(new CosineDecay({ initialLearningRate: 0.5, decaySteps: 60, alpha: 0.2 })),
        0.5 * (0.8 * 0.5 * (1 + cos((PI * min(step, 60)) / 60)) + 0.2),
        `cosine ${step}`,
      );
      const w = min(step, 60 + 20);
      const warm = w < 20 ? 0.1 + ((0.4 - 0.1) * w) / 20 : 0.4 * 0.5 * (1 + cos((PI * (w - 20)) / 60));
      assertNear(
        at(new CosineDecay({ initialLearningRate: 0.1, decaySteps: 60, warmupTarget: 0.4, warmupSteps: 20 })),
        warm,
        `cosine warmup ${step}`,
      );
      // SGDR with constant periods of 25 steps, each restart at half the previous height.
      const restart = floor(step / 25);
      assertNear(
        at(new CosineDecayRestarts({ initialLearningRate: 2, firstDecaySteps: 25, tMul: 1, mMul: 0.5 })),
        2 * 0.5 ** restart * 0.5 * (1 + cos((PI * (step - 25 * restart)) / 25)),
        `restarts ${step}`,
      );
    }
    // Periods of 10, 20, 40, … steps (tMul 2): restarts at steps 10, 30 and 70.
    const sgdr = new CosineDecayRestarts({ initialLearningRate: 1, firstDecaySteps: 10 });
    for (const [step, expected] of [
      [9, 0.5 * (1 + cos(0.9 * PI))],
      [10, 1],
      [20, 0.5],
      [30, 1],
      [50, 0.5],
      [69, 0.5 * (1 + cos((39 / 40) * PI))],
    ]) {
      assertNear(sgdr.call(step), expected, `sgdr ${step}`);
    }
  });

  it("match the values Keras prints", () => {
    for (const [label, schedule, expected] of KERAS) {
      STEPS.forEach((step, i) => assertNear(schedule.call(step), expected[i], `${label} at ${step}`, 1e-6));
    }
  });

  it("serialize as Keras does and deserialize from Keras's and tfjs's spellings", () => {
    const exp = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
    // What tf.keras.optimizers.schedules.serialize(…, use_legacy_format=True) prints for the same schedules.
    assert.deepEqual(serializeSchedule(exp), {
      class_name: "ExponentialDecay",
      config: { initial_learning_rate: 0.1, decay_steps: 10, decay_rate: 0.5, staircase: true, name: null },
    });
    assert.deepEqual(serializeSchedule(new CosineDecay({ initialLearningRate: 0, decaySteps: 50, warmupTarget: 0.2, warmupSteps: 10 })), {
      class_name: "CosineDecay",
      config: { initial_learning_rate: 0, decay_steps: 50, alpha: 0, name: null, warmup_target: 0.2, warmup_steps: 10 },
    });
    assert.deepEqual(serializeSchedule(new CosineDecayRestarts({ initialLearningRate: 1, firstDecaySteps: 10 })), {
      class_name: "CosineDecayRestarts",
      config: { initial_learning_rate: 1, first_decay_steps: 10, t_mul: 2, m_mul: 1, alpha: 0, name: null },
    });
    assert.deepEqual(serializeSchedule(new PolynomialDecay({ initialLearningRate: 5e-4, decaySteps: 100 })), {
      class_name: "PolynomialDecay",
      config: { initial_learning_rate: 5e-4, decay_steps: 100, end_learning_rate: 1e-4, power: 1, cycle: false, name: null },
    });
    assert.deepEqual(serializeSchedule(new PiecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5, 0.1], name: "steps" })), {
      class_name: "PiecewiseConstantDecay",
      config: { boundaries: [10, 20], values: [1, 0.5, 0.1], name: "steps" },
    });
    assert.deepEqual(serializeSchedule(new InverseTimeDecay({ initialLearningRate: 3, decaySteps: 1, decayRate: 0.5 })).config, {
      initial_learning_rate: 3,
      decay_steps: 1,
      decay_rate: 0.5,
      staircase: false,
      name: null,
    });

    for (const [, schedule, expected] of KERAS) {
      const keras = serializeSchedule(schedule);
      const fromKeras = deserializeSchedule({ module: "keras.optimizers.schedules", ...keras, registered_name: null });
      const camel = { className: keras.class_name, config: schedule.getConfig() };
      const fromTfjs = deserializeSchedule(camel);
      for (const restored of [fromKeras, fromTfjs]) {
        assert.equal(restored.getClassName(), schedule.getClassName());
        assert.deepEqual(restored.getConfig(), schedule.getConfig());
        assertNear(restored.call(37), expected[STEPS.indexOf(37)], `${keras.class_name} restored`, 1e-6);
      }
    }
    // Also reachable through tfjs's own registry.
    const entry = tf.serialization.SerializationMap.getMap().classNameMap.ExponentialDecay;
    assert.ok(entry[1](entry[0], { initial_learning_rate: 1, decay_steps: 2, decay_rate: 0.5 }) instanceof ExponentialDecay);
  });

  it("validate their arguments and serialized forms", () => {
    assert.throws(
      () => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.5 }),
      /Invalid decaySteps.*> 0.*received 0/,
    );
    assert.throws(
      () => new ExponentialDecay({ initialLearningRate: "a" as never, decaySteps: 1, decayRate: 0.5 }),
      /Invalid initialLearningRate.*"a"/,
    );
    assert.throws(
      () => new InverseTimeDecay({ initialLearningRate: 1, decaySteps: 1, decayRate: 1, staircase: 1 as never }),
      /Invalid staircase.*1/,
    );
    assert.throws(
      () => new PolynomialDecay({ initialLearningRate: 1, decaySteps: 1, cylce: true } as never),
      /PolynomialDecay args.*"cylce"/,
    );
    assert.throws(
      () => new PiecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5] }),
      /Invalid values.*one value more than the 2 boundaries/,
    );
    assert.throws(
      () => new PiecewiseConstantDecay({ boundaries: [20, 10], values: [1, 0.5, 0.1] }),
      /Invalid boundaries.*strictly increasing.*\[20,10\]/,
    );
    assert.throws(() => new CosineDecay({ initialLearningRate: 1, decaySteps: 10, name: 3 as never }), /Invalid name.*3/);
    assert.throws(() => new CosineDecayRestarts({ initialLearningRate: 1, firstDecaySteps: 10, tMul: 0 }), /Invalid tMul.*0/);
    assert.throws(() => deserializeSchedule({ class_name: "NoSuchDecay", config: {} }, "threshold"), /Invalid threshold.*NoSuchDecay/);
    assert.throws(() => deserializeSchedule({ class_name: "Bop", config: {} }, "gamma"), /Invalid gamma.*registered LearningRateSchedule/);
    assert.throws(() => deserializeSchedule(0.5, "gamma"), /Invalid gamma.*0\.5/);
    assert.throws(() => deserializeSchedule({ class_name: "ExponentialDecay", config: [1] }), /Invalid schedule\.config/);
  });
});
