/**
 * Effect constraintsInFit (and weightRegistry, which it needs): constraints hold after model.fit only while it is
 * installed; uninstalling restores every wrapped optimizer prototype, including lazily wrapped subclasses.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { constraintsInFitInstalled, wrappedOptimizerPrototypes } from "../../src/effects/constraints.js";
import { lq, useCpu } from "./core_setup.js";

const CLIP = 0.05;

function maxAbs(t: tf.Tensor): number {
  return Math.max(...Array.from(t.dataSync()).map(Math.abs));
}

function buildModel(): tfl.Sequential {
  const model = tfl.sequential();
  model.add(
    tfl.layers.dense({
      units: 4,
      inputShape: [3],
      kernelInitializer: "ones",
      kernelConstraint: new lq.constraints.WeightClip({ clipValue: CLIP }) as never,
    }),
  );
  return model;
}

async function fitKernelMax(optimizer: tf.Optimizer): Promise<number> {
  const model = buildModel();
  model.compile({ optimizer, loss: "meanSquaredError" });
  const x = tf.tensor2d([
    [1, 2, 3],
    [-1, 0.5, 2],
    [2, -1, 0.5],
    [0.5, 0.5, -2],
  ]);
  await model.fit(x, tf.fill([4, 4], -50), { epochs: 2, batchSize: 2, verbose: 0 });
  const value = maxAbs(model.getWeights()[0]);
  model.dispose();
  return value;
}

type Own = [boolean, unknown];
function own(target: object, key: string): Own {
  return [Object.prototype.hasOwnProperty.call(target, key), (target as Record<string, unknown>)[key]];
}

const TFJS_CLASSES = [
  "SGDOptimizer",
  "MomentumOptimizer",
  "AdagradOptimizer",
  "AdadeltaOptimizer",
  "AdamOptimizer",
  "AdamaxOptimizer",
  "RMSPropOptimizer",
];

describe("effect constraintsInFit", () => {
  before(useCpu);

  test("tfjs's optimizer prototypes have the methods the effect wraps (own minimize / applyGradients)", () => {
    assert.equal(typeof own(tf.Optimizer.prototype, "minimize")[1], "function");
    assert.ok(own(tf.Optimizer.prototype, "minimize")[0], "tf.Optimizer.prototype.minimize is an own method");
    for (const name of TFJS_CLASSES) {
      const proto = (tf as unknown as Record<string, { prototype: object }>)[name].prototype;
      assert.ok(own(proto, "applyGradients")[0], `${name}.prototype.applyGradients is an own method`);
    }
  });

  test("off (larq-ts/core): tfjs's model.fit ignores the constraint (so this test can fail)", async () => {
    assert.deepEqual(lq.effects.installed(), []);
    assert.ok((await fitKernelMax(tf.train.sgd(0.01))) > CLIP);
  });

  test("on: the constraint holds after model.fit; uninstall restores every prototype it wrapped", async () => {
    const originals = new Map<object, Own>([[tf.Optimizer.prototype, own(tf.Optimizer.prototype, "minimize")]]);
    for (const name of TFJS_CLASSES) {
      const proto = (tf as unknown as Record<string, { prototype: object }>)[name].prototype;
      originals.set(proto, own(proto, "applyGradients"));
    }
    class PlainDescent extends tf.Optimizer {
      override applyGradients(g: tf.NamedTensorMap | Array<{ name: string; tensor: tf.Tensor }>): void {
        const list = Array.isArray(g) ? g : Object.keys(g).map((name) => ({ name, tensor: g[name] }));
        tf.tidy(() => {
          for (const { name, tensor } of list) {
            const v = tf.engine().registeredVariables[name];
            v.assign(tf.sub(v, tf.mul(tensor, 0.01)));
          }
        });
      }
      override getConfig(): tf.serialization.ConfigDict {
        return {};
      }
    }
    const plainOriginal = own(PlainDescent.prototype, "applyGradients");

    assert.deepEqual(lq.effects.install({ constraintsInFit: true }), ["constraintsInFit"]);
    assert.ok(constraintsInFitInstalled());
    assert.ok((await fitKernelMax(tf.train.sgd(0.01))) <= CLIP + 1e-7);
    assert.ok((await fitKernelMax(tf.train.adam(0.5))) <= CLIP + 1e-7);
    assert.ok((await fitKernelMax(new PlainDescent())) <= CLIP + 1e-7, "a user subclass, wrapped on its first minimize");
    assert.ok(wrappedOptimizerPrototypes().includes(PlainDescent.prototype));

    assert.deepEqual(lq.effects.uninstall(["constraintsInFit"]), []);
    assert.deepEqual(wrappedOptimizerPrototypes(), []);
    for (const [proto, original] of originals) {
      const key = proto === tf.Optimizer.prototype ? "minimize" : "applyGradients";
      assert.deepEqual(own(proto, key), original);
    }
    assert.deepEqual(own(PlainDescent.prototype, "applyGradients"), plainOriginal);
    assert.ok((await fitKernelMax(tf.train.sgd(0.01))) > CLIP, "constraints no longer applied");
  });

  test("without weightRegistry: model.fit records its model's weights; a custom loop needs registerModelVariables", () => {
    lq.effects.install({ constraintsInFit: true });
    assert.deepEqual(lq.effects.installed(), ["constraintsInFit"]);
    const model = buildModel();
    const xs = tf.tensor2d([
      [1, 2, 3],
      [-1, 0.5, 2],
    ]);
    const ys = tf.fill([2, 4], -50);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const optimizer = tf.train.sgd(0.01);
    const step = () => optimizer.minimize(() => tf.losses.meanSquaredError(ys, model.predict(xs) as tf.Tensor) as tf.Scalar, false, vars);
    step();
    assert.ok(maxAbs(vars[0]) > CLIP, "a weight nobody recorded keeps no constraint");
    lq.optimizers.registerModelVariables(model);
    step();
    assert.ok(maxAbs(vars[0]) <= CLIP + 1e-7, "recorded: the constraint holds");
    lq.effects.uninstall();
    model.dispose();
  });

  test("enforceConstraints enrols a class whose applyGradients is wrapped only while installed", () => {
    class Custom extends tf.SGDOptimizer {
      override applyGradients(g: tf.NamedTensorMap | Array<{ name: string; tensor: tf.Tensor }>): void {
        super.applyGradients(g);
      }
    }
    const original = Custom.prototype.applyGradients;
    lq.optimizers.enforceConstraints(Custom);
    assert.equal(Custom.prototype.applyGradients, original);
    lq.effects.install({ constraintsInFit: true });
    assert.notEqual(Custom.prototype.applyGradients, original);
    lq.effects.uninstall();
    assert.equal(Custom.prototype.applyGradients, original);
    assert.throws(() => lq.optimizers.enforceConstraints(Object as never), /Invalid optimizerClass/);
  });
});
