import assert from "node:assert/strict";
import { describe, it } from "node:test";

import * as lq from "../../src/index.js";

describe("lq.context", () => {
  it("quantizedScope sets and restores the flag, also when nested and on throw", () => {
    assert.equal(lq.context.shouldQuantize(), false);
    lq.context.quantizedScope(true, () => {
      assert.equal(lq.context.shouldQuantize(), true);
      lq.context.quantizedScope(false, () => assert.equal(lq.context.shouldQuantize(), false));
      assert.equal(lq.context.shouldQuantize(), true);
    });
    assert.throws(
      () =>
        lq.context.quantizedScope(true, () => {
          throw new Error("boom");
        }),
      /boom/,
    );
    assert.equal(lq.context.shouldQuantize(), false);
  });

  it("quantizedScope returns the function's value and waits for promises", async () => {
    assert.equal(
      lq.context.quantizedScope(true, () => 42),
      42,
    );
    const p = lq.context.quantizedScope(true, async () => {
      await new Promise((r) => setTimeout(r, 1));
      return lq.context.shouldQuantize();
    });
    assert.equal(await p, true);
    assert.equal(lq.context.shouldQuantize(), false);
  });

  it("metricsScope sets the training metrics and validates names", () => {
    assert.deepEqual(lq.context.getTrainingMetrics(), []);
    lq.context.metricsScope(["flip_ratio"], () => {
      assert.deepEqual(lq.context.getTrainingMetrics(), ["flip_ratio"]);
    });
    assert.deepEqual(lq.context.getTrainingMetrics(), []);
    assert.throws(() => lq.context.metricsScope(["accuracy_of_bits"], () => 0), /accuracy_of_bits.*flip_ratio/);
    assert.throws(() => lq.context.quantizedScope("yes" as unknown as boolean, () => 0), /quantize.*"yes"/);
  });
});
