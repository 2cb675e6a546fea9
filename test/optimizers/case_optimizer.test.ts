import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";

import * as optimizers from "../../src/optimizers/index.js";
import { assertClose, useBackend } from "../helpers.js";

const { Bop, CaseOptimizer } = optimizers;

function tagged(values: number[], precision: number | null): tf.Variable {
  const v = tf.variable(tf.tensor1d(values), true);
  if (precision !== null) (v as unknown as { precision: number }).precision = precision;
  return v;
}

/** An SGD optimizer that records the variable names of every applyGradients call. */
class RecordingSgd extends tf.SGDOptimizer {
  calls: string[][] = [];
  override applyGradients(g: tf.NamedTensorMap | Array<{ name: string; tensor: tf.Tensor }>): void {
    this.calls.push(Array.isArray(g) ? g.map((e) => e.name) : Object.keys(g));
    super.applyGradients(g as tf.NamedTensorMap);
  }
}

describe("CaseOptimizer", () => {
  before(() => useBackend("cpu"));

  it("routes binary variables to Bop and the rest to the default optimizer", () => {
    const a = tagged([1, -1], 1);
    const b = tagged([0.5, 0.5], null);
    const optimizer = new CaseOptimizer([Bop.isBinaryVariable, new Bop({ gamma: 1, threshold: 0 })], {
      defaultOptimizer: tf.train.sgd(0.1),
    });
    optimizer.applyGradients({ [a.name]: tf.tensor1d([1, 1]), [b.name]: tf.tensor1d([1, -2]) });
    assertClose(a, [-1, -1]); // w·m = [1, -1] → only the first flips
    assertClose(b, [0.4, 0.7]); // SGD: b − 0.1 g
    assert.equal(optimizer.optimizerFor(a), optimizer.optimizers[0]);
    assert.equal(optimizer.optimizerFor(b.name), optimizer.defaultOptimizer);
    assert.equal(optimizer.iterations, 1);
    a.dispose();
    b.dispose();
    optimizer.dispose();
  });

  it("gives a variable claimed by several predicates to the first one; an optimizer that claims nothing is an error", () => {
    const both = tagged([1], null);
    const onlySecond = tagged([1], null);
    const optimizer = new CaseOptimizer(
      [(x) => x.name !== onlySecond.name, tf.train.sgd(1)],
      [() => true, tf.train.sgd(100)],
    );
    optimizer.applyGradients({ [both.name]: tf.tensor1d([0.25]), [onlySecond.name]: tf.tensor1d([0.01]) });
    assertClose(both, [0.75]); // 1 − 1 · 0.25: the first pair's SGD
    assertClose(onlySecond, [0]); // 1 − 100 · 0.01: the second pair's SGD
    const idle = new CaseOptimizer([() => true, tf.train.sgd(1)], [() => true, tf.train.sgd(1)]);
    assert.throws(() => idle.applyGradients({ [both.name]: tf.tensor1d([1]) }), /predicateOptimizerPairs\[1\].*claimed no variable/);
    both.dispose();
    onlySecond.dispose();
  });

  it("throws for a variable no predicate claims when there is no default optimizer", () => {
    const a = tagged([1], 1);
    const b = tagged([1], null);
    const optimizer = new CaseOptimizer([Bop.isBinaryVariable, new Bop()]);
    assert.throws(
      () => optimizer.applyGradients({ [a.name]: tf.tensor1d([1]), [b.name]: tf.tensor1d([1]) }),
      new RegExp(`no predicate claims variable "${b.name}"`),
    );
    a.dispose();
    b.dispose();
  });

  it("validates its arguments", () => {
    assert.throws(() => new CaseOptimizer([false as never, new Bop()]), /predicateOptimizerPairs\[0\]\[0\].*false/);
    assert.throws(() => new CaseOptimizer([Bop.isBinaryVariable, false as never]), /predicateOptimizerPairs\[0\]\[1\].*false/);
    assert.throws(() => new CaseOptimizer([Bop.isBinaryVariable, new Bop()], { defaultOptimizer: 3 as never }), /defaultOptimizer.*3/);
    assert.throws(() => new CaseOptimizer(), /predicateOptimizerPairs/);
  });

  it("hands each inner optimizer the same subset in the same order every step (minimize and applyGradients)", () => {
    const vars = [tagged([1], 1), tagged([2], null), tagged([-1], 1), tagged([3], null)];
    const inner = new RecordingSgd(0.5);
    const fallback = new RecordingSgd(0.5);
    const optimizer = new CaseOptimizer([Bop.isBinaryVariable, inner], { defaultOptimizer: fallback });
    const loss = () => tf.addN(vars.map((v) => tf.sum(v))) as tf.Scalar;
    optimizer.minimize(loss, false, vars);
    optimizer.minimize(loss, false, vars);
    optimizer.applyGradients(vars.map((v) => ({ name: v.name, tensor: tf.onesLike(v) })));
    const binaryNames = [vars[0].name, vars[2].name];
    const floatNames = [vars[1].name, vars[3].name];
    assert.deepEqual(inner.calls, [binaryNames, binaryNames, binaryNames]);
    assert.deepEqual(fallback.calls, [floatNames, floatNames, floatNames]);
    assertClose(vars[1], [0.5]); // 2 − 3 · 0.5
    for (const v of vars) v.dispose();
    optimizer.dispose();
  });

  it("round-trips getConfig/fromConfig and getWeights/setWeights", async () => {
    const a = tagged([1, -1], 1);
    const b = tagged([0.5, 0.5], null);
    const optimizer = new CaseOptimizer([Bop.isBinaryVariable, new Bop({ gamma: 0.5 })], {
      defaultOptimizer: tf.train.adam(0.01),
    });
    optimizer.applyGradients({ [a.name]: tf.tensor1d([0.2, 0.2]), [b.name]: tf.tensor1d([1, 1]) });
    const config = optimizer.getConfig();
    assert.deepEqual(config.varOptMapping, { [a.name]: 0, [b.name]: 1 });
    const entry = tf.serialization.SerializationMap.getMap().classNameMap.CaseOptimizer;
    const restored = entry[1](entry[0], config) as unknown as InstanceType<typeof CaseOptimizer>;
    assert.deepEqual(config.varOptOrder, [0, 1]);
    assert.equal(restored.optimizerFor(a), restored.optimizers[0]);
    assert.equal(restored.optimizerFor(b), restored.optimizers[1]);
    assert.deepEqual(restored.getConfig(), config);
    // Unknown names (a reloaded model's variables) are routed by the saved order of first appearance.
    const byOrder = entry[1](entry[0], { ...config, varOptMapping: {}, varOptOrder: [1, 0] }) as unknown as InstanceType<typeof CaseOptimizer>;
    assert.equal(byOrder.optimizerFor(a), byOrder.optimizers[1]);
    assert.equal(byOrder.optimizerFor(b), byOrder.optimizers[0]);

    const weights = await optimizer.getWeights();
    assert.deepEqual(
      weights.map((w) => w.name),
      ["iter", "case_0/iter", `case_0/${a.name}/m`, "case_1/iter", `case_1/${b.name}/m`, `case_1/${b.name}/v`],
    );
    await restored.setWeights(weights.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) })));
    const [, , m] = await restored.getWeights();
    assertClose(m.tensor, [0.1, 0.1]);
    a.dispose();
    b.dispose();
    optimizer.dispose();
    restored.dispose();
  });
});
