import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { ProgressBar, formatDuration, formatValue } from "../../src/callbacks/index.js";
import { assertClose, useBackend } from "../helpers.js";

/** A fake output stream that records what is written. */
function fakeStream(isTTY: boolean, columns?: number) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns, write: (s: string) => void writes.push(s) } };
}

const CLEAR = "\x1b[K";

/** Drives one epoch of 4 batches of 8 samples, one second per batch, through a progress bar. */
async function driveEpoch(bar: ProgressBar, clock: { t: number }, params: Record<string, unknown>) {
  bar.setParams(params as never);
  await bar.onTrainBegin();
  clock.t = 0;
  await bar.onEpochBegin(0);
  const batches = [
    { loss: 0.5, acc: 0.25 },
    { loss: 0.3, acc: 0.5 },
    { loss: tf.scalar(0.1), acc: 0.75 }, // tfjs passes scalars in batch logs
    { loss: 0.1, acc: 1 },
  ];
  for (let b = 0; b < batches.length; b++) {
    clock.t = (b + 1) * 1000;
    await bar.onBatchEnd(b, { batch: b, size: 8, ...batches[b] } as never);
  }
  await bar.onEpochEnd(0, { loss: 0.25, acc: 0.625, val_loss: 0.2 });
}

describe("ProgressBar", () => {
  before(() => useBackend("cpu"));

  it("TTY: redraws one line per batch in place, then the epoch summary", async () => {
    const { writes, stream } = fakeStream(true);
    const clock = { t: 0 };
    const bar = new ProgressBar({ stream, width: 10, updateIntervalMs: 0, now: () => clock.t });
    await driveEpoch(bar, clock, { epochs: 2, steps: 4, verbose: 1 });
    assert.deepEqual(writes, [
      `\rEpoch 1/2 1/4 [==>.......] 1.0 steps/s ETA 3s - loss: 0.5000 - acc: 0.2500${CLEAR}`,
      `\rEpoch 1/2 2/4 [=====>....] 1.0 steps/s ETA 2s - loss: 0.4000 - acc: 0.3750${CLEAR}`,
      `\rEpoch 1/2 3/4 [=======>..] 1.0 steps/s ETA 1s - loss: 0.3000 - acc: 0.5000${CLEAR}`,
      `\rEpoch 1/2 4/4 [==========] 1.0 steps/s ETA 0s - loss: 0.2500 - acc: 0.6250${CLEAR}`,
      `\rEpoch 1/2 4/4 - 4s 1.00s/step - loss: 0.2500 - acc: 0.6250 - val_loss: 0.2000${CLEAR}\n`,
    ]);
  });

  it("TTY: throttles redraws but always draws the last step; cuts lines to the terminal width", async () => {
    const { writes, stream } = fakeStream(true, 21);
    const clock = { t: 0 };
    const bar = new ProgressBar({ stream, width: 10, updateIntervalMs: 1500, now: () => clock.t });
    await driveEpoch(bar, clock, { epochs: 2, samples: 32, batchSize: 8, verbose: 1 });
    assert.deepEqual(writes, [
      `\rEpoch 1/2 1/4 [==>..${CLEAR}`,
      `\rEpoch 1/2 3/4 [=====${CLEAR}`,
      `\rEpoch 1/2 4/4 [=====${CLEAR}`,
      `\rEpoch 1/2 4/4 - 4s 1${CLEAR}\n`,
    ]);
  });

  it("not a TTY (or verbose 2): one plain line per epoch", async () => {
    for (const [isTTY, verbose] of [
      [false, 1],
      [true, 2],
    ] as const) {
      const { writes, stream } = fakeStream(isTTY);
      const clock = { t: 0 };
      const bar = new ProgressBar({ stream, updateIntervalMs: 0, now: () => clock.t });
      await driveEpoch(bar, clock, { epochs: 2, steps: 4, verbose });
      assert.deepEqual(writes, ["Epoch 1/2 4/4 - 4s 1.00s/step - loss: 0.2500 - acc: 0.6250 - val_loss: 0.2000\n"]);
    }
  });

  it("unknown number of steps: no bar, no ETA", async () => {
    const { writes, stream } = fakeStream(true);
    const clock = { t: 0 };
    const bar = new ProgressBar({ stream, updateIntervalMs: 0, now: () => clock.t });
    await driveEpoch(bar, clock, { epochs: 1, verbose: 1 });
    assert.equal(writes[1], `\rEpoch 1/1 2/? 1.0 steps/s - loss: 0.4000 - acc: 0.3750${CLEAR}`);
    assert.equal(writes[4], `\rEpoch 1/1 4/4 - 4s 1.00s/step - loss: 0.2500 - acc: 0.6250 - val_loss: 0.2000${CLEAR}\n`);
  });

  it("formats values and durations", () => {
    assert.equal(formatValue(0.123456), "0.1235");
    assert.equal(formatValue(0), "0.0000");
    assert.equal(formatValue(1e-5), "1.000e-5");
    assert.equal(formatValue(123456), "1.235e+5");
    assert.equal(formatValue(Number.NaN), "NaN");
    assert.equal(formatDuration(42.4), "42s");
    assert.equal(formatDuration(187), "3:07");
    assert.equal(formatDuration(3725), "1:02:05");
    assert.throws(() => new ProgressBar({ width: 0 }), /Invalid width.*0/);
    assert.throws(() => new ProgressBar({ stream: {} as never }), /Invalid stream/);
  });

  it("in model.fit: explicit with a fake stream, and registered for verbose: 1 on process.stdout", async () => {
    const model = tfl.sequential();
    model.add(tfl.layers.dense({ units: 1, inputShape: [2] }));
    model.compile({ optimizer: tf.train.sgd(0.1), loss: "meanSquaredError", metrics: ["mse"] });
    const x = tf.ones([12, 2]);
    const y = tf.ones([12, 1]);
    const { writes, stream } = fakeStream(false);
    await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, validationSplit: 0.25, callbacks: [new ProgressBar({ stream })] });
    assert.equal(writes.length, 2);
    for (const [i, line] of writes.entries()) {
      const v = "[-+.e\\d]+"; // 0.1059 or 8.364e-4
      assert.match(
        line,
        new RegExp(`^Epoch ${i + 1}/2 3/3 - \\d+s \\d+ms/step - loss: ${v} - mse: ${v} - val_loss: ${v} - val_mse: ${v}\\n$`),
      );
    }

    const captured: string[] = [];
    const stdout = process.stdout as unknown as { write: (s: string) => boolean; isTTY?: boolean };
    const original = stdout.write;
    stdout.write = (s: string) => {
      captured.push(String(s));
      return true;
    };
    try {
      await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 1 });
      await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    } finally {
      stdout.write = original;
    }
    const text = captured.join("");
    assert.match(text, /Epoch 1\/1 3\/3 - \d+s \d+ms\/step - loss: [-+.e\d]+ - mse: [-+.e\d]+\n/);
    assert.equal(text.match(/Epoch 1\/1 3\/3 -/g)?.length, 1, "verbose: 0 prints nothing");
    model.dispose();
  });

  it("evaluate(): same values as model.evaluate, with progress lines", async () => {
    const model = tfl.sequential();
    model.add(tfl.layers.dense({ units: 3, inputShape: [4], activation: "softmax" }));
    model.compile({ optimizer: tf.train.sgd(0.1), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
    const x = tf.randomNormal([10, 4], 0, 1, "float32", 2);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], "int32"), 3);
    const reference = (model.evaluate(x, y, { batchSize: 10 }) as tf.Scalar[]).map((t) => t.dataSync()[0]);
    const { writes, stream } = fakeStream(false);
    const result = (await new ProgressBar({ stream }).evaluate(model, x, y, { batchSize: 4 })) as tf.Scalar[];
    assertClose(
      result.map((t) => t.dataSync()[0]),
      reference,
      1e-6,
    );
    assert.equal(writes.length, 1);
    assert.match(writes[0], /^Evaluate 3\/3 - \d+s \d+ms\/step - loss: [-+.e\d]+ - acc: [-+.e\d]+\n$/);
    const tty = fakeStream(true);
    await new ProgressBar({ stream: tty.stream, updateIntervalMs: 0 }).evaluate(model, x, y, { batchSize: 5 });
    assert.equal(tty.writes.length, 3);
    assert.match(tty.writes[0], /^\rEvaluate 1\/2 \[={15}>\.{14}\] /);
    tf.dispose(result);
    model.dispose();
  });
});
