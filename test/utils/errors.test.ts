import assert from "node:assert/strict";
import { describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import "../helpers.js";

import * as lq from "../../src/index.js";
import { describeValue } from "../../src/utils/errors.js";

describe("describeValue", () => {
  it("prints NaN, Infinity and -Infinity as such, not as JSON's null", () => {
    assert.equal(describeValue(NaN), "NaN");
    assert.equal(describeValue(Infinity), "Infinity");
    assert.equal(describeValue(-Infinity), "-Infinity");
    assert.equal(describeValue([1, NaN]), "[1,NaN]");
    assert.equal(describeValue({ clipValue: Infinity }), '{"clipValue":Infinity}');
    assert.equal(describeValue(null), "null");
  });

  it("prints undefined, functions, tensors, typed arrays and class instances readably", () => {
    assert.equal(describeValue(undefined), "undefined");
    assert.equal(describeValue({ a: undefined }), '{"a":undefined}');
    assert.equal(
      describeValue(function myFn() {}),
      "function myFn",
    );
    assert.equal(
      describeValue(() => 1),
      "function <anonymous>",
    );
    const t = tf.zeros([2, 3]);
    assert.equal(describeValue(t), "Tensor(shape [2, 3], dtype float32)");
    assert.equal(describeValue({ x: t }), '{"x":Tensor(shape [2, 3], dtype float32)}');
    t.dispose();
    assert.equal(describeValue(new Float32Array(4)), "Float32Array(4)");
    assert.equal(describeValue(new lq.quantizers.SteSign()), "SteSign instance");
    assert.equal(describeValue("ste_sign"), '"ste_sign"');
    assert.equal(describeValue(10n), "10n");
  });

  it("survives circular objects and cuts long values", () => {
    const a: Record<string, unknown> = { k: 1 };
    a.self = a;
    assert.equal(describeValue(a), '{"k":1,"self":<circular>}');
    assert.ok(describeValue(new Array(500).fill(1)).endsWith("…"));
  });

  it("error messages name a NaN or infinite argument", () => {
    assert.throws(() => new lq.quantizers.SteSign({ clipValue: NaN }), /received NaN\./);
    assert.throws(
      () => lq.layers.quantConv2d({ filters: 2, kernelSize: 3, padValues: Infinity }),
      /Invalid padValues: expected a finite number, received Infinity\./,
    );
    assert.throws(() => lq.constraints.weightClip({ clipValue: -Infinity } as never), /-Infinity/);
  });
});
