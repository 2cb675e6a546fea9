/**
 * The engine converter's TFOpLambda rule: `x + y` and `tf.concat` layers (as larq-zoo models saved by Python Keras
 * contain them) become engine add / concat nodes with tfjs's outputs; other functions are named in the error.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import { useBackend } from "../helpers.js";

describe("engine: TFOpLambda layers", () => {
  before(() => useBackend("cpu"));

  it("__operators__.add and concat around binary convolutions convert and match tfjs", async () => {
    const x = tfl.input({ shape: [9, 9, 5] });
    const binary = { inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", padding: "same", padValues: 1 } as const;
    const a = lq.layers.quantConv2d({ filters: 5, kernelSize: 3, ...binary }).apply(x) as tfl.SymbolicTensor;
    const sum = lq.layers.tfOpLambda({ function: "__operators__.add", argumentOrder: ["x", "y"] }).apply([x, a]) as tfl.SymbolicTensor;
    const b = lq.layers.quantConv2d({ filters: 3, kernelSize: 3, ...binary }).apply(sum) as tfl.SymbolicTensor;
    const cat = lq.layers
      .tfOpLambda({ function: "concat", constants: { axis: -1 }, argumentOrder: ["values.0", "values.1"] })
      .apply([sum, b]) as tfl.SymbolicTensor;
    const sum2 = lq.layers.tfOpLambda({ function: "math.add", argumentOrder: ["x", "y"] }).apply([cat, cat]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: sum2 });
    const em = await lq.engine.convert(model);
    const ops = em.graph.nodes.map((n) => n.op);
    // `x + a` is fused into the binary convolution `a` (its residual input); `cat + cat` stays an add.
    assert.equal(ops.filter((o) => o === "add").length, 1);
    assert.equal(em.graph.nodes.find((n) => n.op === "bconv2d" && n.dtype === "float32" && n.inputs.length === 2)?.inputs.length, 2);
    assert.equal(ops.filter((o) => o === "concat").length, 1);
    const input = tf.randomUniform([2, 9, 9, 5], -2, 2, "float32", 11);
    const expected = (model.predict(input) as tf.Tensor).dataSync();
    const actual = em.predict(input).dataSync();
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
    assert.ok(worst < 1e-5, `max difference ${worst}`);
    em.dispose();
    model.dispose();
    input.dispose();
  });

  it("a function the engine does not convert is named with the layer", async () => {
    const x = tfl.input({ shape: [4] });
    const y = lq.layers.tfOpLambda({ function: "math.multiply", constants: { y: 0.5 }, name: "halve" }).apply(x) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: y });
    await assert.rejects(lq.engine.convert(model), /unsupported layer "halve" \(TFOpLambda\).*math\.multiply/);
    model.dispose();
  });
});
