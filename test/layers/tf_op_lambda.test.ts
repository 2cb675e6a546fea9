import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import { assertClose, assertNoTensorLeak, useBackend } from "../helpers.js";

const A = [
  [1, -2, 3],
  [0.5, 4, -6],
];
const B = [
  [2, 2, -1],
  [-0.5, 8, 3],
];

function elementwise(f: (a: number, b: number) => number, a: number[][], b: number[][]): number[][] {
  return a.map((row, i) => row.map((v, j) => f(v, b[i][j])));
}

async function apply(fn: string, inputs: number[][][], args: Partial<lq.layers.TFOpLambdaArgs> = {}): Promise<number[][]> {
  const layer = lq.layers.tfOpLambda({ function: fn, ...args });
  const tensors = inputs.map((x) => tf.tensor2d(x));
  const y = layer.apply(tensors.length === 1 ? tensors[0] : tensors) as tf.Tensor;
  const out = (await y.array()) as number[][];
  tf.dispose([...tensors, y]);
  return out;
}

describe("lq.layers.TFOpLambda", () => {
  before(() => useBackend("cpu"));

  it("computes Keras's elementwise functions on two tensors", async () => {
    const cases: [string, (a: number, b: number) => number][] = [
      ["__operators__.add", (a, b) => a + b],
      ["math.add", (a, b) => a + b],
      ["math.multiply", (a, b) => a * b],
      ["math.subtract", (a, b) => a - b],
      ["math.truediv", (a, b) => a / b],
      ["math.divide", (a, b) => a / b],
      ["math.maximum", Math.max],
      ["math.minimum", Math.min],
    ];
    for (const [fn, f] of cases) assertClose(await apply(fn, [A, B]), elementwise(f, A, B), 1e-6, fn);
  });

  it("reads the spellings tfjs gives the function name when loading and saving", async () => {
    for (const fn of ["Operators_.add", "private__operators__.add", "privateOperators_.add", "math.add"]) {
      assert.equal(new lq.layers.TFOpLambda({ function: fn }).function, fn === "math.add" ? "math.add" : "__operators__.add");
    }
  });

  it("takes constant operands and the argument order from its config", async () => {
    assertClose(
      await apply("math.subtract", [A], { constants: { y: 1.5 } }),
      A.map((r) => r.map((v) => v - 1.5)),
      1e-6,
    );
    assertClose(
      await apply("math.subtract", [A], { constants: { x: 10 } }),
      A.map((r) => r.map((v) => 10 - v)),
      1e-6,
    );
    assertClose(
      await apply("math.subtract", [A, B], { argumentOrder: ["y", "x"] }),
      elementwise((a, b) => b - a, A, B),
      1e-6,
    );
    assertClose(
      await apply("math.truediv", [A], { constants: { y: [2, 4, 8] } }),
      A.map((r) => r.map((v, j) => v / [2, 4, 8][j])),
      1e-6,
    );
  });

  it("computes unary functions and concat", async () => {
    assertClose(
      await apply("nn.relu", [A]),
      A.map((r) => r.map((v) => Math.max(v, 0))),
      0,
    );
    assertClose(
      await apply("math.negative", [A]),
      A.map((r) => r.map((v) => -v)),
      0,
    );
    assertClose(
      await apply("concat", [A, B], { constants: { axis: -1 } }),
      A.map((r, i) => [...r, ...B[i]]),
      0,
    );
    assertClose(await apply("concat", [A, B], { constants: { axis: 0 } }), [...A, ...B], 0);
  });

  it("infers output shapes by broadcasting", () => {
    const layer = (fn: string, args: Partial<lq.layers.TFOpLambdaArgs> = {}) => lq.layers.tfOpLambda({ function: fn, ...args });
    assert.deepEqual(
      layer("math.add").computeOutputShape([
        [null, 1, 5],
        [4, 1],
      ]),
      [null, 4, 5],
    );
    assert.deepEqual(
      layer("math.add").computeOutputShape([
        [null, 7],
        [null, 7],
      ]),
      [null, 7],
    );
    assert.deepEqual(layer("math.multiply", { constants: { y: 2 } }).computeOutputShape([null, 3]), [null, 3]);
    assert.deepEqual(layer("math.multiply", { constants: { y: [[1, 2, 3]] } }).computeOutputShape([null]), [1, 3]);
    assert.deepEqual(
      layer("concat", { constants: { axis: -1 } }).computeOutputShape([
        [null, 2, 3],
        [null, 2, 5],
      ]),
      [null, 2, 8],
    );
    assert.throws(
      () =>
        layer("math.add").computeOutputShape([
          [null, 3],
          [null, 4],
        ]),
      /TFOpLambda layer .* do not broadcast/,
    );
    const a = tfl.input({ shape: [4, 1] });
    const b = tfl.input({ shape: [3] });
    assert.deepEqual((layer("math.add").apply([a, b]) as tfl.SymbolicTensor).shape, [null, 4, 3]);
  });

  it("rejects unknown functions and arguments, naming the layer", () => {
    assert.throws(
      () => lq.layers.tfOpLambda({ function: "math.cumsum", name: "tf.math.cumsum" }),
      /TFOpLambda layer "tf.math.cumsum": unsupported function "math.cumsum"/,
    );
    assert.throws(
      () => lq.layers.tfOpLambda({ function: "math.add", name: "op", argumentOrder: ["x", "z"] }),
      /TFOpLambda layer "op": argument "z" is not a parameter of math.add\(x, y\)/,
    );
    const layer = lq.layers.tfOpLambda({ function: "math.add", name: "op2" });
    assert.throws(() => layer.apply(tf.ones([2])), /TFOpLambda layer "op2": math.add is missing its argument "y"/);
    assert.throws(
      () => layer.apply(tf.ones([2]), { y: ["dense", 0, 0] }),
      /TFOpLambda layer "op2": argument "y" is a tensor reference \["dense",0,0\] left in the node's call kwargs/,
    );
  });

  it("survives tfjs's save and load (JSON round trip), with constants", async () => {
    const x = tfl.input({ shape: [3] });
    const h = tfl.layers.dense({ units: 3, useBias: false, kernelInitializer: "identity" }).apply(x) as tfl.SymbolicTensor;
    const sum = lq.layers.tfOpLambda({ function: "__operators__.add", name: "tf.__operators__.add" }).apply([h, x]) as tfl.SymbolicTensor;
    const out = lq.layers.tfOpLambda({ function: "math.multiply", constants: { y: 0.5 } }).apply(sum) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: out });
    const saved: tf.io.ModelArtifacts[] = [];
    await model.save(
      tf.io.withSaveHandler(async (a) => (saved.push(a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } })),
    );
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved[0]));
    const input = tf.tensor2d(A);
    const y = loaded.predict(input) as tf.Tensor;
    assertClose(
      (await y.array()) as number[][],
      A.map((r) => r.map((v) => (v + v) * 0.5)),
      1e-6,
    );
    assert.equal(loaded.getLayer("tf.__operators__.add").getClassName(), "TFOpLambda");
    tf.dispose([input, y]);
    model.dispose();
    loaded.dispose();
  });

  it("does not leak tensors", () => {
    const layer = lq.layers.tfOpLambda({ function: "math.multiply", constants: { y: [1, 2, 3] } });
    const x = tf.tensor2d(A);
    assertNoTensorLeak(() => tf.dispose(layer.apply(x) as tf.Tensor));
    x.dispose();
  });
});
