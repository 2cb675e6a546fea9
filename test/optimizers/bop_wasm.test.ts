// Bop on the wasm backend, whose Sign kernel returns 0 for |x| below ~1e-7 — the scale of larq's
// default threshold (1e-8) — so Bop must not depend on tf.sign.
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";

import { Bop } from "../../src/optimizers/index.js";
import { assertClose, useBackend } from "../helpers.js";

function binary(values: number[]): tf.Variable {
  const v = tf.variable(tf.tensor1d(values));
  (v as unknown as { precision: number }).precision = 1;
  return v;
}

for (const backend of ["wasm", "cpu"] as const) {
  describe(`Bop at larq's default threshold (${backend})`, () => {
    before(() => useBackend(backend));

    it("flips where w·m > 1e-8 and keeps weights where 0 < w·m < 1e-8 or w·m < 0", () => {
      const w = binary([1, -1, 1, -1, 1, -1]);
      const bop = new Bop({ gamma: 1 }); // m = g; threshold 1e-8
      bop.applyGradients({ [w.name]: tf.tensor1d([2e-8, -2e-8, 5e-9, -5e-9, -3e-9, 3e-9]) });
      assertClose(w, [-1, 1, 1, -1, 1, -1], 0);
      w.dispose();
      bop.dispose();
    });

    it("the tie w·m = τ gives +1, as larq's sign(−sign(0)·w) = sign(0) = +1", () => {
      const w = binary([1, -1]);
      const bop = new Bop({ gamma: 1, threshold: 0.5 });
      bop.applyGradients({ [w.name]: tf.tensor1d([0.5, -0.5]) });
      assertClose(w, [1, 1], 0);
      w.dispose();
      bop.dispose();
    });
  });
}
