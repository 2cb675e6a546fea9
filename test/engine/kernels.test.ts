/**
 * The wasm kernels against the TS reference, on shapes straddling word (32/64 bits) and tile (2 rows, 4 columns)
 * boundaries, with exact zeros in the inputs, for the scalar and the SIMD GEMM and for the build without SIMD.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { packBits, packDenseWeights, packedLength, packFilter } from "../../src/engine/bitpacking.js";
import type { BConv2DParams, OutputTransform } from "../../src/engine/ops.js";
import { referenceBConv2D, referenceBDense, referenceBMaxPool } from "../../src/engine/reference.js";
import { Engine, type EngineTensor } from "../../src/engine/runtime.js";
import { CHANNELS, transformArrays, valuesWithZeros } from "./fixtures.js";

interface Variant {
  name: string;
  engine?: Engine;
  load: () => Promise<Engine>;
}

const VARIANTS: Variant[] = [
  { name: "SIMD build, scalar i64.popcnt GEMM", load: () => Engine.create({ gemmKernel: "scalar" }) },
  { name: "SIMD build, SIMD i8x16.popcnt GEMM", load: () => Engine.create({ gemmKernel: "simd" }) },
  { name: "scalar fallback build", load: () => Engine.create({ simd: false }) },
  {
    // Every call split across a worker and the calling thread, into chunks that start anywhere in an output row.
    name: "threaded build on 2 threads, every call split, scalar i64.popcnt GEMM",
    load: async () => {
      const engine = await Engine.create({ threads: 2, gemmKernel: "scalar" });
      engine.kernels.minSplitNs = 0;
      return engine;
    },
  },
];

const CONFIGS: Omit<BConv2DParams, "inChannels" | "outChannels">[] = [
  { kernelSize: [3, 3], padding: "same", padValue: 0 },
  { kernelSize: [3, 3], strides: [2, 2], padding: "same", padValue: 1 },
  { kernelSize: [3, 3], dilations: [2, 2], padding: "same", padValue: -1 },
  { kernelSize: [2, 3], strides: [2, 1], padding: "valid" },
  { kernelSize: [1, 1], padding: "valid" },
  { kernelSize: [5, 5], strides: [1, 2], padding: "same", padValue: 0 },
  { kernelSize: [3, 3], strides: [2, 2], dilations: [2, 2], padding: "same", padValue: 0 },
  { kernelSize: [3, 2], dilations: [1, 2], padding: "same", padValue: -1 },
];
const SPATIAL: [number, number, number][] = [
  [1, 7, 5],
  [2, 5, 9],
  [1, 9, 7],
  [1, 6, 6],
];

function transformFor(kind: "float" | "bits", n: number, seed: number): OutputTransform {
  const { multiplier, bias } = transformArrays(n, seed);
  return kind === "float"
    ? {
        kind,
        multiplier,
        bias,
        clampMin: seed % 2 ? -Infinity : -3,
        clampMax: seed % 3 ? Infinity : 4,
        // LCE's fused activations clamp the integer dot before the multiplier: ReLU, [−1, 1], ReLU6, none.
        ...[{ dotMin: 0 }, { dotMin: -1, dotMax: 1 }, { dotMin: 0, dotMax: 6 }, {}][seed % 4],
        // Every third: the centred double form (integer and half-integer centres, a low part beyond float32).
        ...(seed % 3 === 1
          ? {
              center: Float32Array.from(multiplier, (_, k) => ((k * 7 + seed) % 9) - 4 + (k % 2 ? 0.5 : 0)),
              multiplierLo: Float32Array.from(multiplier, (v, k) => (k % 3 ? v * 2 ** -27 : 3 * 2 ** -31)),
            }
          : {}),
      }
    : { kind, multiplier, bias };
}

function readOut(engine: Engine, t: EngineTensor, length: number): Float32Array | Uint32Array {
  return t.dtype === "float32" ? engine.readFloat(t, new Float32Array(length)) : engine.readBits(t, new Uint32Array(length));
}

function assertSame(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i]) && actual[i] !== expected[i]) {
      assert.fail(`${label}: element ${i} is ${actual[i]}, reference ${expected[i]}`);
    }
  }
}

/** Runs `op` on the packed input `px` of `shape`, checks the output against `ref`; the caller disposes the tensors. */
function runChecked(
  engine: Engine,
  op: { run(x: EngineTensor, y: EngineTensor): void; outputDType: EngineTensor["dtype"] },
  shape: number[],
  px: Uint32Array,
  ref: { shape: number[]; data: ArrayLike<number> },
  label: string,
): { xb: EngineTensor; y: EngineTensor } {
  const xb = engine.tensor(shape, "bits");
  const y = engine.tensor(ref.shape, op.outputDType);
  engine.writeBits(xb, px);
  op.run(xb, y);
  assertSame(readOut(engine, y, ref.data.length), ref.data, label);
  return { xb, y };
}

/**
 * Runs `op` again with a seeded float32 residual (a fused Add) and checks each output is the reference plus the
 * residual in one float32 addition.
 */
function checkResidual(
  engine: Engine,
  op: { run(x: EngineTensor, y: EngineTensor, residual?: EngineTensor): void },
  xb: EngineTensor,
  y: EngineTensor,
  ref: { shape: number[]; data: ArrayLike<number> },
  seed: number,
  label: string,
): void {
  const res = valuesWithZeros(ref.data.length, seed);
  const rt = engine.tensor(ref.shape, "float32");
  engine.writeFloat(rt, res);
  op.run(xb, y, rt);
  assertSame(
    readOut(engine, y, ref.data.length),
    Float32Array.from(ref.data, (v, k) => v + res[k]),
    label,
  );
  rt.dispose();
}

/** A BDense of `batch` × `cin` → `cout` with seeded inputs, weights and transform, and its TS reference output. */
function denseCase(engine: Engine, batch: number, cin: number, cout: number, kind: "float" | "bits", seeds: [number, number, number]) {
  const x = valuesWithZeros(batch * cin, seeds[0]);
  const wts = valuesWithZeros(cin * cout, seeds[1]);
  const params = { inChannels: cin, outChannels: cout, transform: transformFor(kind, cout, seeds[2]) };
  const px = packBits(x, [batch, cin]);
  const ref = referenceBDense(px, [batch, cin], packDenseWeights(wts, [cin, cout]), params);
  return { op: engine.createBDense(params, wts), px, ref };
}

for (const variant of VARIANTS) {
  describe(`engine kernels = TS reference (${variant.name})`, () => {
    let engine: Engine;
    let baseline = 0;
    before(async () => {
      engine = await variant.load();
      baseline = engine.allocatedBytes;
    });
    after(() => {
      assert.equal(engine.allocatedBytes, baseline, "every op and tensor freed its memory");
      engine.terminate();
    });

    it("loads the intended build and kernel", () => {
      if (variant.name.startsWith("scalar fallback")) {
        assert.equal(engine.simd, false);
        assert.equal(engine.gemmKernel, "scalar");
      } else {
        assert.equal(engine.simd, true);
        assert.equal(engine.gemmKernel, variant.name.includes("SIMD i8x16") ? "simd" : "scalar");
        assert.equal(engine.threads, variant.name.startsWith("threaded") ? 2 : 1, engine.threadsNote);
      }
    });

    it("sign-packs float input like packBits (zeros and -0 to +1)", () => {
      for (const c of CHANNELS) {
        const shape = [1, 3, c];
        const x = valuesWithZeros(3 * c, c);
        const xf = engine.tensor(shape, "float32");
        const xb = engine.tensor(shape, "bits");
        engine.writeFloat(xf, x);
        engine.signPack(xf, xb);
        assertSame(readOut(engine, xb, packedLength(shape)), packBits(x, shape), `C=${c}`);
        xf.dispose();
        xb.dispose();
      }
    });

    CHANNELS.forEach((cin, i) => {
      const cout = CHANNELS[(i * 3 + 4) % CHANNELS.length];
      for (const [j, kind] of (["float", "bits"] as const).entries()) {
        const config = CONFIGS[(i + j * 3) % CONFIGS.length];
        const [batch, h, w] = SPATIAL[(i + j) % SPATIAL.length];
        const shape = [batch, h, w, cin];
        const params: BConv2DParams = { ...config, inChannels: cin, outChannels: cout, transform: transformFor(kind, cout, i * 2 + j) };
        it(`BConv2D ${shape} -> ${cout} k${config.kernelSize} s${config.strides ?? 1} d${config.dilations ?? 1} ${config.padding} pad${config.padValue ?? 0} ${kind}`, () => {
          const [kh, kw] = config.kernelSize;
          const x = valuesWithZeros(batch * h * w * cin, 1000 + i * 2 + j);
          const f = valuesWithZeros(kh * kw * cin * cout, 2000 + i * 2 + j);
          const px = packBits(x, shape);
          const ref = referenceBConv2D(px, shape, packFilter(f, [kh, kw, cin, cout]), params);
          const op = engine.createBConv2D(params, f);
          assert.deepEqual(op.outputShape(shape), ref.shape);
          const xb = engine.tensor(shape, "bits");
          const y = engine.tensor(ref.shape, op.outputDType);
          engine.writeBits(xb, px);
          op.run(xb, y);
          assertSame(readOut(engine, y, ref.data.length), ref.data, "first run");
          // A second run reuses the plan and must not depend on stale output.
          op.run(xb, y);
          assertSame(readOut(engine, y, ref.data.length), ref.data, "second run");
          if (kind === "float") {
            checkResidual(engine, op, xb, y, ref, 2500 + i, "with a residual");
            assert.throws(() => op.run(xb, y, xb), /Invalid residual/);
          } else {
            const rt = engine.tensor(ref.shape, "float32");
            assert.throws(() => op.run(xb, y, rt), /Invalid residual.*"bits"/);
            rt.dispose();
          }
          op.dispose();
          xb.dispose();
          y.dispose();
        });
      }
    });

    it("BConv2D with few output rows and many columns (uneven row chunks on threads) = reference", () => {
      // 15 GEMM rows and 260 columns (5 groups, the last of 4 columns): zero padding (border correction), the
      // float transform with and without a residual, and packed bits.
      const shape = [1, 3, 5, 70];
      const cout = 260;
      for (const [s, kind] of (["float", "bits"] as const).entries()) {
        const params: BConv2DParams = {
          kernelSize: [3, 3],
          padding: "same",
          padValue: 0,
          inChannels: 70,
          outChannels: cout,
          transform: transformFor(kind, cout, 7 + s),
        };
        const x = valuesWithZeros(
          shape.reduce((a, b) => a * b),
          31 + s,
        );
        const f = valuesWithZeros(9 * 70 * cout, 41 + s);
        const px = packBits(x, shape);
        const ref = referenceBConv2D(px, shape, packFilter(f, [3, 3, 70, cout]), params);
        const op = engine.createBConv2D(params, f);
        const { xb, y } = runChecked(engine, op, shape, px, ref, `${kind} output`);
        if (kind === "float") checkResidual(engine, op, xb, y, ref, 51, "with a residual");
        op.dispose();
        xb.dispose();
        y.dispose();
      }
    });

    it("BConv2D re-plans when the input shape changes (border correction tables follow)", () => {
      const params: BConv2DParams = { kernelSize: [3, 3], inChannels: 33, outChannels: 5, padding: "same", padValue: 0 };
      const f = valuesWithZeros(9 * 33 * 5, 5);
      const op = engine.createBConv2D(params, f);
      for (const shape of [
        [1, 5, 5, 33],
        [2, 3, 8, 33],
        [1, 5, 5, 33],
      ]) {
        const x = valuesWithZeros(
          shape.reduce((a, b) => a * b),
          shape[1] * 10 + shape[2],
        );
        const px = packBits(x, shape);
        const ref = referenceBConv2D(px, shape, packFilter(f, [3, 3, 33, 5]), params);
        const xb = engine.tensor(shape, "bits");
        const y = engine.tensor(ref.shape, "float32");
        engine.writeBits(xb, px);
        op.run(xb, y);
        assertSame(readOut(engine, y, ref.data.length), ref.data, `shape ${shape}`);
        xb.dispose();
        y.dispose();
      }
      op.dispose();
    });

    // The GEMM works in blocks of 4096 popcounts (rows × columns, at most 2048 columns): row blocks with a
    // remainder, and a second column block that starts at column 2048 and ends inside a 64-bit word.
    for (const [batch, cin, cout, kind] of [
      [3, 70, 2113, "float"],
      [3, 70, 2113, "bits"],
      [1, 65, 4100, "bits"],
    ] as const) {
      it(`BDense ${batch}x${cin} -> ${cout} ${kind} (column blocks)`, () => {
        const { op, px, ref } = denseCase(engine, batch, cin, cout, kind, [70 + cout, 71 + cout, cout]);
        const { xb, y } = runChecked(engine, op, [batch, cin], px, ref, "BDense");
        op.dispose();
        xb.dispose();
        y.dispose();
      });
    }
    // The scalar GEMM switches from its 2-row to its 1-row tile at 16 words: 15, 16 and 17 words, an odd row count
    // (the 2-row tile's remainder row) and columns ending inside a 4-column panel.
    for (const [cin, kind] of [
      [960, "float"],
      [1024, "bits"],
      [1025, "float"],
    ] as const) {
      it(`BDense 3x${cin} -> 9 ${kind} (scalar tile switch at 16 words)`, () => {
        const { op, px, ref } = denseCase(engine, 3, cin, 9, kind, [cin, cin + 1, 9]);
        const { xb, y } = runChecked(engine, op, [3, cin], px, ref, "BDense");
        op.dispose();
        xb.dispose();
        y.dispose();
      });
    }
    for (const kind of ["float", "bits"] as const) {
      it(`BConv2D 1x12x12x33 -> 130 ${kind} (row blocks of 30 with a remainder)`, () => {
        const shape = [1, 12, 12, 33];
        const params: BConv2DParams = {
          kernelSize: [3, 3],
          inChannels: 33,
          outChannels: 130,
          padding: "same",
          padValue: 0,
          transform: transformFor(kind, 130, 7),
        };
        const x = valuesWithZeros(12 * 12 * 33, 81);
        const f = valuesWithZeros(9 * 33 * 130, 82);
        const px = packBits(x, shape);
        const ref = referenceBConv2D(px, shape, packFilter(f, [3, 3, 33, 130]), params);
        const op = engine.createBConv2D(params, f);
        const { xb, y } = runChecked(engine, op, shape, px, ref, "BConv2D");
        op.dispose();
        xb.dispose();
        y.dispose();
      });
    }

    CHANNELS.forEach((cin, i) => {
      const cout = CHANNELS[(i * 7 + 3) % CHANNELS.length];
      const batch = 1 + (i % 3);
      const kind = i % 2 ? "bits" : "float";
      it(`BDense ${batch}x${cin} -> ${cout} ${kind}`, () => {
        const { op, px, ref } = denseCase(engine, batch, cin, cout, kind, [3000 + i, 4000 + i, 50 + i]);
        const { xb, y } = runChecked(engine, op, [batch, cin], px, ref, "BDense");
        if (kind === "float") checkResidual(engine, op, xb, y, ref, 3500 + i, "BDense with a residual");
        op.dispose();
        xb.dispose();
        y.dispose();
      });
    });

    it("BMaxPool on packed bits for every boundary channel count", () => {
      CHANNELS.forEach((c, i) => {
        const shape = [1 + (i % 2), 5, 7, c];
        const params = [
          { poolSize: [2, 2] as [number, number] },
          { poolSize: [3, 3] as [number, number], strides: [2, 2] as [number, number], padding: "same" as const },
          { poolSize: [2, 3] as [number, number], strides: [1, 1] as [number, number], padding: "same" as const },
        ][i % 3];
        const x = valuesWithZeros(
          shape.reduce((a, b) => a * b),
          5000 + i,
        ).map((v, j) => (j % 3 === 0 ? v : -1));
        const px = packBits(x, shape);
        const ref = referenceBMaxPool(px, shape, params);
        assert.deepEqual(engine.bmaxpoolShape(params, shape), ref.shape);
        const xb = engine.tensor(shape, "bits");
        const y = engine.tensor(ref.shape, "bits");
        engine.writeBits(xb, px);
        engine.bmaxpool(params, xb, y);
        assertSame(readOut(engine, y, ref.data.length), ref.data, `C=${c}`);
        xb.dispose();
        y.dispose();
      });
    });
  });
}
