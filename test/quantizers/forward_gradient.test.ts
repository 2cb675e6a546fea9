/**
 * Forward values and pseudo-gradients of every quantizer against closed-form references
 * (test/quantizers/reference.ts), on vectors with exact zeros, ±clip boundaries, ±Δ and values
 * just inside / outside them.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";

import * as lq from "../../src/index.js";
import * as lqi from "../../src/internal.js";
import { assertClose, assertNoTensorLeak, useBackend } from "../helpers.js";
import {
  f32,
  refApproxGrad,
  refClipped,
  refDorefaActivations,
  refDorefaWeights,
  refHeaviside,
  refMagnitudeAware,
  refSign,
  refSwishGrad,
  refTern,
} from "./reference.js";

// Exact zeros (both signs), ±1 (default clip), values one float32 ulp outside ±1, ±0.05 (default Δ),
// ±0.5, ±1.25, and values just inside / outside ±0.05.
const justAboveOne = f32(1.0000001);
const xs = [
  -2,
  -1.25,
  -justAboveOne,
  -1,
  -0.5,
  -0.0500001,
  -0.05,
  -0.0499999,
  -0,
  0,
  1e-7,
  0.0499999,
  0.05,
  0.0500001,
  0.5,
  1,
  justAboveOne,
  1.25,
  2,
].map(f32);
// Distinct upstream gradients so that a pseudo-gradient that ignores dy is caught.
const dys = xs.map((_, i) => 1 + i / 4);

/** Forward value and gradient of `fn` at `xs` (gradient of sum(fn(x) * dys)). */
function run(fn: (x: tf.Tensor) => tf.Tensor, values: number[] = xs, upstream: number[] = dys): { y: number[]; g: number[] } {
  return tf.tidy(() => {
    const x = tf.tensor1d(values);
    const y = Array.from(fn(x).dataSync());
    const g = Array.from(
      tf
        .grad((t: tf.Tensor) => tf.mul(fn(t), tf.tensor1d(upstream)))(x)
        .dataSync(),
    );
    return { y, g };
  });
}

const layer = (q: lq.quantizers.Quantizer) => (x: tf.Tensor) => q.apply(x) as tf.Tensor;

describe("quantizers: forward and pseudo-gradient (cpu)", () => {
  before(() => useBackend("cpu"));

  it("SteSign keeps its default clip at 1 and sign(0) = +1 for both zeros", () => {
    for (const fn of [layer(new lq.quantizers.SteSign()), (x: tf.Tensor) => lq.quantizers.steSign(x)]) {
      const { y, g } = run(fn);
      assert.deepEqual(y, xs.map(refSign));
      assertClose(
        g,
        xs.map((v, i) => refClipped(v, 1) * dys[i]),
      );
    }
  });

  it("ApproxSign: sign forward, (2 - 2|x|)·dy on [-1, 1]", () => {
    for (const fn of [layer(new lq.quantizers.ApproxSign()), lq.quantizers.approxSign]) {
      const { y, g } = run(fn);
      assert.deepEqual(y, xs.map(refSign));
      assertClose(
        g,
        xs.map((v, i) => refApproxGrad(v) * dys[i]),
        1e-6,
      );
    }
    // Spot values: 2 at 0, 1 at ±0.5, 0 at ±1 and beyond.
    const { g } = run(lq.quantizers.approxSign, [0, 0.5, -0.5, 1, -1, 1.5], [1, 1, 1, 1, 1, 1]);
    assertClose(g, [2, 1, 1, 0, 0, 0]);
  });

  for (const beta of [5, 10, 1]) {
    it(`SwishSign β=${beta}: sign forward, β(2 - βx·tanh(βx/2))/(1 + cosh(βx)) backward`, () => {
      const fns = [layer(new lq.quantizers.SwishSign({ beta })), (x: tf.Tensor) => lq.quantizers.swishSign(x, beta)];
      if (beta === 5) fns.push(layer(new lq.quantizers.SwishSign()), (x: tf.Tensor) => lq.quantizers.swishSign(x));
      for (const fn of fns) {
        const { y, g } = run(fn);
        assert.deepEqual(y, xs.map(refSign));
        assertClose(
          g,
          xs.map((v, i) => refSwishGrad(v, beta) * dys[i]),
          1e-4,
        );
      }
    });
  }

  it("SwishSign: the gradient peaks at β/2·2 = β for x = 0 and is finite far out", () => {
    const { g } = run(lq.quantizers.swishSign, [0, 100, -100], [1, 1, 1]);
    assertClose(g, [5, 0, 0], 1e-6);
  });

  for (const clip of [1, 0.5, null]) {
    it(`SteHeaviside clipValue=${clip}: 1 for x > 0 else 0, clipped straight-through gradient`, () => {
      const fns = [layer(new lq.quantizers.SteHeaviside({ clipValue: clip })), (x: tf.Tensor) => lq.quantizers.steHeaviside(x, clip)];
      for (const fn of fns) {
        const { y, g } = run(fn);
        assert.deepEqual(y, xs.map(refHeaviside));
        assertClose(
          g,
          xs.map((v, i) => refClipped(v, clip) * dys[i]),
        );
      }
    });
  }

  it("SteHeaviside defaults to clipValue 1", () => {
    const { g } = run(layer(new lq.quantizers.SteHeaviside()));
    assertClose(
      g,
      xs.map((v, i) => refClipped(v, 1) * dys[i]),
    );
  });

  for (const [delta, clip] of [
    [0.05, 1],
    [0.25, 0.5],
    [0.5, null],
  ] as const) {
    it(`SteTern Δ=${delta} clipValue=${clip}: ±1 at and beyond ±Δ, 0 strictly inside`, () => {
      const values = [...xs, f32(delta), -f32(delta), f32(0.2499999), f32(0.2500001), -f32(0.2500001)];
      const up = values.map((_, i) => 1 + i / 8);
      const fns = [
        layer(new lq.quantizers.SteTern({ thresholdValue: delta, clipValue: clip })),
        (x: tf.Tensor) => lq.quantizers.steTern(x, delta, false, clip),
      ];
      for (const fn of fns) {
        const { y, g } = run(fn, values, up);
        assert.deepEqual(
          y,
          values.map((v) => refTern(v, f32(delta))),
        );
        assertClose(
          g,
          values.map((v, i) => refClipped(v, clip) * up[i]),
        );
      }
    });
  }

  it("SteTern defaults: Δ = 0.05, clip 1; exact at x = ±0.05", () => {
    const { y, g } = run(layer(new lq.quantizers.SteTern()));
    assert.deepEqual(
      y,
      xs.map((v) => refTern(v, f32(0.05))),
    );
    assert.deepEqual(run(lq.quantizers.steTern, [0.05, -0.05, 0.0499999, 0], [1, 1, 1, 1]).y, [1, -1, 0, 0]);
    assertClose(
      g,
      xs.map((v, i) => refClipped(v, 1) * dys[i]),
    );
  });

  it("SteTern with Δ = 0 is tf.sign: 0 stays 0", () => {
    assert.deepEqual(
      run((x) => lq.quantizers.steTern(x, 0), [-1e-7, -0, 0, 1e-7, 3], [1, 1, 1, 1, 1]).y.map((v) => v + 0),
      [-1, 0, 0, 1, 1],
    );
  });

  it("SteTern with ternaryWeightNetworks: Δ = 0.7·mean|x| over the whole tensor", () => {
    const values = [-2, -0.9, -0.4, -0.1, 0, 0.05, 0.3, 0.6, 1.5, 3].map(f32);
    const delta = (0.7 * values.reduce((s, v) => s + Math.abs(v), 0)) / values.length; // 0.623
    const up = values.map((_, i) => i + 1);
    for (const fn of [
      layer(new lq.quantizers.SteTern({ ternaryWeightNetworks: true })),
      (x: tf.Tensor) => lq.quantizers.steTern(x, 0.05, true),
    ]) {
      const { y, g } = run(fn, values, up);
      assert.deepEqual(
        y,
        values.map((v) => refTern(v, delta)),
      );
      assert.deepEqual(y, [-1, -1, 0, 0, 0, 0, 0, 0, 1, 1]);
      assertClose(
        g,
        values.map((v, i) => refClipped(v, 1) * up[i]),
      );
    }
  });

  it("MagnitudeAwareSign: per-channel mean |x| over all axes but the last × sign; gradient scale·1{|x| ≤ clip}", () => {
    // 4 rows × 3 channels with zeros, ±1 and values outside the clip range.
    const values = [-2, 0, 0.5, 1, -0.25, -1.5, 0.75, 1.0000001, 0, -0.5, -1, 3].map(f32);
    const up = values.map((_, i) => 1 + i / 10);
    for (const clip of [1, 0.6, null]) {
      const q = new lq.quantizers.MagnitudeAwareSign(clip === 1 ? {} : { clipValue: clip });
      const ref = refMagnitudeAware(values, 3, clip);
      const { y, g } = tf.tidy(() => {
        const x = tf.tensor2d(values, [4, 3]);
        const w = tf.tensor2d(up, [4, 3]);
        return {
          y: Array.from((q.apply(x) as tf.Tensor).dataSync()),
          g: Array.from(
            tf
              .grad((t: tf.Tensor) => tf.mul(q.apply(t) as tf.Tensor, w))(x)
              .dataSync(),
          ),
        };
      });
      assertClose(y, ref.value, 1e-6, `clip ${clip}`);
      assertClose(
        g,
        ref.grad.map((v, i) => v * up[i]),
        1e-6,
        `clip ${clip}`,
      );
    }
  });

  it("MagnitudeAwareSign on a 4-D kernel: |q| has the per-output-channel mean |x| (larq's test)", () => {
    // Deterministic values in [-2, 2) for a 3×2×2×3 kernel.
    const values = Array.from({ length: 36 }, (_, i) => f32(((i * 37) % 40) / 10 - 2));
    const ref = refMagnitudeAware(values, 3, 1);
    const y = tf.tidy(() => Array.from(lq.quantizers.magnitudeAwareSign(tf.tensor4d(values, [3, 2, 2, 3])).dataSync()));
    assertClose(y, ref.value, 1e-6);
  });

  it("MagnitudeAwareSign on a vector: no axes to average, so the scale is |x| (as TensorFlow's reduce_mean over [])", () => {
    const { y, g } = run(lq.quantizers.magnitudeAwareSign, [-2, -0.5, 0, 0.75, 1.5], [1, 2, 3, 4, 5]);
    assertClose(y, [-2, -0.5, 0, 0.75, 1.5]);
    assertClose(g, [0, 1, 0, 3, 0]);
  });

  for (const kBit of [1, 2, 3, 4]) {
    it(`DoReFa activations kBit=${kBit}: round(n·clip(x,0,1))/n, gradient 1 on [0, 1]`, () => {
      const values = [...xs, 0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9, 0.99].map(f32);
      const up = values.map((_, i) => 1 + i / 8);
      const fns = [
        layer(new lq.quantizers.DoReFa({ kBit })),
        layer(new lq.quantizers.DoReFa({ kBit, mode: "activations" })),
        (x: tf.Tensor) => lq.quantizers.dorefa(x, kBit),
      ];
      for (const fn of fns) {
        const { y, g } = run(fn, values, up);
        assertClose(
          y,
          values.map((v) => refDorefaActivations(v, kBit)),
          1e-6,
        );
        assertClose(
          g,
          values.map((v, i) => (v >= 0 && v <= 1 ? up[i] : 0)),
        );
      }
    });
  }

  it("DoReFa activations: the interval rule of larq's test, (2i-1)/(2n) < x < (2i+1)/(2n) → i/n, on a dense grid", () => {
    for (const kBit of [2, 3]) {
      const n = 2 ** kBit - 1;
      const grid = Array.from({ length: 401 }, (_, i) => f32(-0.5 + i / 200));
      const y = tf.tidy(() => Array.from(lq.quantizers.dorefa(tf.tensor1d(grid), kBit).dataSync()));
      grid.forEach((v, j) => {
        assert.ok(y[j] >= 0 && y[j] <= 1);
        for (let i = 0; i <= n; i++) {
          if (v > (2 * i - 1) / (2 * n) && v < (2 * i + 1) / (2 * n)) assertClose(y[j], i / n, 1e-6, `x=${v}`);
        }
      });
    }
  });

  it("DoReFa rounds half to even like TensorFlow: kBit=1 maps 0.5 to 0; kBit=2 maps 0.5 to 2/3", () => {
    assert.deepEqual(run((x) => lq.quantizers.dorefa(x, 1), [0.5, 0.25, 0.75], [1, 1, 1]).y, [0, 0, 1]);
    assertClose(run((x) => lq.quantizers.dorefa(x, 2), [0.5], [1]).y, [2 / 3]);
  });

  for (const kBit of [1, 2, 3, 8]) {
    it(`DoReFa weights kBit=${kBit}: 2·round(n·(tanh x/(2 max|tanh x|) + ½))/n - 1, gradient (1 - tanh²x)/max|tanh x|`, () => {
      const values = [-2, -1.3, -0.7, -0.2, 0, 0.1, 0.4, 0.9, 1.6, 2.5].map(f32);
      const up = values.map((_, i) => 1 + i / 8);
      const ref = refDorefaWeights(values, kBit);
      for (const fn of [
        layer(new lq.quantizers.DoReFa({ kBit, mode: "weights" })),
        (x: tf.Tensor) => lq.quantizers.dorefa(x, kBit, "weights"),
      ]) {
        const { y, g } = run(fn, values, up);
        assertClose(y, ref.value, 1e-6);
        assertClose(
          g,
          ref.grad.map((v, i) => v * up[i]),
          1e-5,
        );
        assert.ok(y.every((v) => v >= -1 && v <= 1));
      }
      // The largest |x| reaches the extreme levels ±1.
      const { y } = run((x) => lq.quantizers.dorefa(x, kBit, "weights"), [-3, 0.3, 3], [1, 1, 1]);
      assertClose([y[0], y[2]], [-1, 1]);
    });
  }

  it("DoReFa weights on all-zero weights: u = ½ everywhere (divide-no-nan), gradient 0", () => {
    // n·½ is a tie: kBit=2 → round(1.5) = 2 → 2·2/3 - 1 = 1/3; kBit=1 → round(0.5) = 0 → -1.
    assertClose(run((x) => lq.quantizers.dorefa(x, 2, "weights"), [0, 0, 0], [1, 1, 1]).y, [1 / 3, 1 / 3, 1 / 3]);
    const { y, g } = run((x) => lq.quantizers.dorefa(x, 1, "weights"), [0, 0], [1, 1]);
    assertClose(y, [-1, -1]);
    assertClose(g, [0, 0]);
  });

  it("NoOp: identity forward and gradient", () => {
    for (const precision of [1, 2, 8]) {
      const { y, g } = run(layer(new lq.quantizers.NoOp({ precision })));
      assertClose(y, xs);
      assertClose(g, dys);
    }
  });

  it("precision of every quantizer and function form", () => {
    const q = lqi.quantizers;
    const expected: [lq.quantizers.Quantizer, number][] = [
      [new q.SteSign(), 1],
      [new q.ApproxSign(), 1],
      [new q.SwishSign(), 1],
      [new q.SteHeaviside(), 1],
      [new q.MagnitudeAwareSign(), 1],
      [new q.SteTern(), 2],
      [new q.DoReFa(), 2],
      [new q.DoReFa({ kBit: 5 }), 5],
      [new q.DoReFa({ kBit: 3, mode: "weights" }), 3],
      [new q.NoOp({ precision: 1 }), 1],
      [new q.NoOp({ precision: 4 }), 4],
    ];
    for (const [quantizer, bits] of expected) {
      assert.equal(quantizer.precision, bits, quantizer.getClassName());
      assert.equal(q.precisionOf(quantizer), bits);
    }
    for (const [fn, bits] of [
      [q.steSign, 1],
      [q.approxSign, 1],
      [q.swishSign, 1],
      [q.steHeaviside, 1],
      [q.magnitudeAwareSign, 1],
      [q.steTern, 2],
      [q.dorefa, 2],
    ] as const) {
      assert.equal(q.precisionOf(fn), bits);
    }
    assert.equal(q.precisionOf(null), 32);
  });

  it("every quantizer works on symbolic inputs and keeps the shape", async () => {
    const tfl = await import("@tensorflow/tfjs-layers");
    for (const quantizer of allQuantizers()) {
      const input = tfl.input({ shape: [3, 4] });
      const out = quantizer.apply(input) as unknown as { shape: (number | null)[] };
      assert.deepEqual(out.shape, [null, 3, 4], quantizer.getClassName());
    }
  });

  it("applying each quantizer and its gradient in a loop does not grow tf.memory().numTensors", () => {
    const x = tf.tensor2d(xs.slice(0, 18), [6, 3]);
    for (const quantizer of allQuantizers()) {
      assertNoTensorLeak(() => {
        (quantizer.apply(x) as tf.Tensor).dispose();
        tf.grad((t: tf.Tensor) => quantizer.apply(t) as tf.Tensor)(x).dispose();
      });
    }
    x.dispose();
  });
});

/** One instance of every quantizer class (both DoReFa modes). */
export function allQuantizers(): lq.quantizers.Quantizer[] {
  const q = lqi.quantizers;
  return [
    new q.SteSign(),
    new q.ApproxSign(),
    new q.SwishSign(),
    new q.SteHeaviside(),
    new q.SteTern(),
    new q.SteTern({ ternaryWeightNetworks: true }),
    new q.MagnitudeAwareSign(),
    new q.DoReFa(),
    new q.DoReFa({ mode: "weights" }),
    new q.NoOp({ precision: 1 }),
  ];
}
