/**
 * Hostile engine files (issue list): graphs that validate field by field but would make the runtime read outside
 * its buffers, loop for ever or allocate without bound must be rejected by `lq.engine.load`, with messages that
 * name the node and hold the "invalid engine file" prefix once. Each rejection has a valid control file next to it,
 * so the test fails if the forged file is rejected for the wrong reason only by accident of the forging.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";

import * as lq from "../../src/index.js";
import { useBackend } from "../helpers.js";
import { assertCleanRejection, forgeFile, parseFile, prng, resign, withGraph, type ForgedWeight } from "./forge.js";
import { bnnModel, fileOf, inputValues, mixedModel } from "./forge_models.js";

const node = (
  name: string,
  op: string,
  inputs: number[],
  shape: number[],
  attrs: Record<string, unknown> = {},
  weights: Record<string, string> = {},
  dtype = "float32",
) => ({ name, op, inputs, attrs, weights, shape, dtype });
const input = (shape: number[]) => node("in", "input", [], shape);

/** Loads `bytes`; a load that resolves is disposed and reported. */
async function expectRejected(engine: lq.engine.Engine, bytes: Uint8Array, context: string, check: (e: Error) => void): Promise<void> {
  let em: lq.engine.EngineModel | undefined;
  try {
    em = await lq.engine.load(bytes, { engine });
  } catch (e) {
    check(e as Error);
    return;
  }
  em.dispose();
  assert.fail(`${context}: the file loaded (expected a rejection at load)`);
}

function bnFile(inShape: number[], outShape: number[], c: number, eps = 1e-3): { bytes: Uint8Array; params: Float32Array[] } {
  const r = prng(5);
  const mk = (lo: number, hi: number) => Float32Array.from({ length: c }, () => lo + (hi - lo) * r());
  const params = [mk(-1, 1), mk(0.5, 2), mk(-2, 2), mk(-1, 1)]; // mean, variance, gamma, beta
  const weights: ForgedWeight[] = ["mean", "variance", "gamma", "beta"].map((role, i) => ({
    key: `1/${role}`,
    kind: "float32",
    shape: [c],
    data: params[i],
  }));
  const bytes = forgeFile(
    {
      nodes: [
        input(inShape),
        node(
          "bn_hostile",
          "batchnorm",
          [0],
          outShape,
          { epsilon: eps },
          { mean: "1/mean", variance: "1/variance", gamma: "1/gamma", beta: "1/beta" },
        ),
      ],
      output: 1,
    },
    weights,
  );
  return { bytes, params };
}

function poolFile(op: "maxpool" | "avgpool" | "bmaxpool", poolSize: number[], padding: string, shape = [3, 3, 2]): Uint8Array {
  const attrs = { poolSize, strides: [1, 1], padding };
  if (op !== "bmaxpool") return forgeFile({ nodes: [input(shape), node("pool_hostile", op, [0], shape, attrs)], output: 1 }, []);
  // input → signpack → bmaxpool → 1×1 bconv2d with a float output.
  const c = shape[2];
  const weights: ForgedWeight[] = [
    { key: "3/filter", kind: "bits", shape: [1, 1, c, 1], data: new Float32Array(c).fill(1) },
    { key: "3/multiplier", kind: "float32", shape: [1], data: [1] },
    { key: "3/bias", kind: "float32", shape: [1], data: [0] },
  ];
  const conv = {
    kernelSize: [1, 1],
    inChannels: c,
    outChannels: 1,
    strides: [1, 1],
    dilations: [1, 1],
    padding: "valid",
    padValue: 0,
    transform: "float",
  };
  return forgeFile(
    {
      nodes: [
        input(shape),
        node("sp", "signpack", [0], shape, {}, {}, "bits"),
        node("pool_hostile", "bmaxpool", [1], shape, attrs, {}, "bits"),
        node("head", "bconv2d", [2], [shape[0], shape[1], 1], conv, { filter: "3/filter", multiplier: "3/multiplier", bias: "3/bias" }),
      ],
      output: 3,
    },
    weights,
  );
}

describe("hostile engine files", () => {
  let engine: lq.engine.Engine;
  let baseline: number;

  before(async () => {
    await useBackend("cpu");
    engine = await lq.engine.loadEngine({});
    baseline = engine.allocatedBytes;
  });

  after(() => {
    assert.equal(engine.allocatedBytes, baseline, "rejected and disposed files leave no wasm allocations");
  });

  it("a batchnorm node whose input channels differ from its parameters' length is rejected at load", async () => {
    // Control: matching channels loads and computes (x − mean)·γ/√(var + ε) + β.
    const ok = bnFile([4, 4, 8], [4, 4, 8], 8);
    const em = await lq.engine.load(ok.bytes, { engine });
    const x = inputValues(4 * 4 * 8, prng(1));
    const y = em.predict(x, [1, 4, 4, 8]);
    const [mean, variance, gamma, beta] = ok.params;
    for (let i = 0; i < x.length; i++) {
      const c = i % 8;
      const want = Math.fround(beta[c] + ((x[i] - mean[c]) * gamma[c]) / Math.sqrt(variance[c] + Math.fround(1e-3)));
      assert.ok(Math.abs(y[i] - want) <= 1e-6 * (1 + Math.abs(want)), `control element ${i}: ${y[i]} vs ${want}`);
    }
    em.dispose();
    // Same element count, 8 input channels against 4 parameters (the kernel would read 8 per pixel).
    for (const [inShape, outShape, c] of [
      [[4, 4, 8], [4, 8, 4], 4],
      [[2, 16], [4, 8], 8],
      [[4, 4, 4], [4, 2, 8], 8],
    ] as Array<[number[], number[], number]>) {
      await expectRejected(engine, bnFile(inShape, outShape, c).bytes, `batchnorm ${inShape} → ${outShape} with ${c} parameters`, (e) => {
        assertCleanRejection(e, `batchnorm ${inShape} → ${outShape}`, { index: 1, name: "bn_hostile", op: "batchnorm" });
        assert.match(e.message, /channel|parameter|input/i);
      });
    }
  });

  it('a pooling window of 2^31 − 1 with "same" padding is rejected at load (maxpool, avgpool, bmaxpool)', async () => {
    for (const op of ["maxpool", "avgpool", "bmaxpool"] as const) {
      // Control: a 3×3 window on a 3×3 input with same padding loads and runs.
      const em = await lq.engine.load(poolFile(op, [3, 3], "same"), { engine });
      const y = em.predict(inputValues(18, prng(2)), [1, 3, 3, 2]);
      assert.ok(
        y.every((v) => Number.isFinite(v)),
        `${op} control output is finite`,
      );
      em.dispose();
      for (const poolSize of [
        [2 ** 31 - 1, 2 ** 31 - 1],
        [2 ** 31 - 1, 1],
        [1, 2 ** 31 - 1],
      ]) {
        await expectRejected(engine, poolFile(op, poolSize, "same"), `${op} window ${poolSize}`, (e) => {
          assertCleanRejection(e, `${op} window ${poolSize}`, { index: op === "bmaxpool" ? 2 : 1, name: "pool_hostile", op });
          assert.match(e.message, /window|pool/i);
        });
      }
    }
  });

  it("a ~3 KB chain of concat nodes is rejected at load by the peak-memory limit, naming a node and the bytes", async () => {
    // Each concat doubles the previous value: node k holds 2^k floats, 4 GiB at k = 30 (a 3 KB file).
    const nodes = [input([1])];
    for (let k = 1; k <= 30; k++) nodes.push(node(`concat_${k}`, "concat", [k - 1, k - 1], [2 ** k], { axis: 0 }));
    const bytes = forgeFile({ nodes, output: 30 }, []);
    assert.ok(bytes.length > 2500 && bytes.length < 4000, `file is ${bytes.length} bytes`);
    // A short chain of the same kind is a valid model: it loads and predicts.
    const short = forgeFile({ nodes: nodes.slice(0, 5), output: 4 }, []);
    const em = await lq.engine.load(short, { engine });
    assert.deepEqual(Array.from(em.predict(new Float32Array([-0.5]), [1, 1])), new Array(16).fill(-0.5));
    em.dispose();
    // A QuickNet-sized plan (224×224×64 floats, 12.8 MB per value) stays under the default limit.
    const wide = forgeFile(
      {
        nodes: [
          input([224, 224, 64]),
          node("relu", "activation", [0], [224, 224, 64], { activation: "relu" }),
          node("gap", "globalavg", [1], [64]),
        ],
        output: 2,
      },
      [],
    );
    (await lq.engine.load(wide, { engine })).dispose();
    await expectRejected(engine, bytes, "concat chain", (e) => {
      assertCleanRejection(e, "concat chain");
      assert.match(e.message, /node \d+|concat_\d+/, `names a node: ${e.message}`);
      assert.match(e.message, /bytes|[MG]iB/, `states the memory: ${e.message}`);
    });
    // Also when the growth is spread over two axes (no dimension above 2^16).
    const nodes2 = [input([1, 1])];
    for (let k = 1; k <= 32; k++) {
      const prev = nodes2[k - 1].shape as number[];
      const axis = k % 2;
      const shape = prev.map((d, i) => (i === axis ? 2 * d : d));
      nodes2.push(node(`cat2d_${k}`, "concat", [k - 1, k - 1], shape, { axis }));
    }
    await expectRejected(engine, forgeFile({ nodes: nodes2, output: 32 }, []), "2-D concat chain", (e) => {
      assertCleanRejection(e, "2-D concat chain");
      assert.match(e.message, /node \d+|cat2d_\d+/, `names a node: ${e.message}`);
      assert.match(e.message, /bytes|[MG]iB/, `states the memory: ${e.message}`);
    });
  });

  it('found by the fuzz: an activation node "linear" (accepted by the loader) predicts the identity, or is rejected at load', async () => {
    const bytes = forgeFile({ nodes: [input([4]), node("lin", "activation", [0], [4], { activation: "linear" })], output: 1 }, []);
    let em: lq.engine.EngineModel | undefined;
    try {
      em = await lq.engine.load(bytes, { engine });
    } catch (e) {
      assertCleanRejection(e, "linear activation", { index: 1, name: "lin", op: "activation" });
      return;
    }
    try {
      const x = new Float32Array([-2, -0, 0.5, 3]);
      assert.deepEqual(Array.from(em.predict(x, [1, 4])), Array.from(x), "loaded, so predict must run and give the identity");
    } finally {
      em.dispose();
    }
  });

  it("extreme dilations and strides (2^30, 2^31 − 1) either load and match a direct reference, or are rejected cleanly", async () => {
    // Direct reference: out[oy, ox, n] = Σ taps in range x·w, out-of-range taps take the pad value (0 for float ops).
    const r = prng(9);
    const [h, w, cin, cout] = [5, 4, 2, 3];
    const geom = (n: number, k: number, s: number, d: number) => {
      const out = Math.ceil(n / s);
      return { out, before: Math.floor(Math.max((out - 1) * s + (k - 1) * d + 1 - n, 0) / 2) };
    };
    const failures: string[] = [];
    for (const op of ["bconv2d", "conv2d", "depthwise"] as const) {
      for (const [s, d] of [
        [
          [1, 1],
          [2 ** 30, 1],
        ],
        [
          [1, 1],
          [1, 2 ** 30],
        ],
        [
          [1, 1],
          [2 ** 31 - 1, 2 ** 31 - 1],
        ],
        [
          [2 ** 31 - 1, 1],
          [1, 1],
        ],
        [
          [3, 2 ** 30],
          [1, 1],
        ],
      ]) {
        for (const pv of op === "bconv2d" ? [0, 1, -1] : [0]) {
          const k = [3, 2];
          const co = op === "depthwise" ? cin : cout;
          const gy = geom(h, k[0], s[0], d[0]),
            gx = geom(w, k[1], s[1], d[1]);
          const kshape = [k[0], k[1], cin, op === "depthwise" ? 1 : cout];
          const kernel = Float32Array.from({ length: kshape.reduce((a, b) => a * b, 1) }, () => Math.round((r() * 2 - 1) * 8) / 8);
          const x = inputValues(h * w * cin, r);
          const want = new Float32Array(gy.out * gx.out * co);
          for (let oy = 0; oy < gy.out; oy++)
            for (let ox = 0; ox < gx.out; ox++)
              for (let n = 0; n < co; n++) {
                let acc = 0;
                for (let ky = 0; ky < k[0]; ky++)
                  for (let kx = 0; kx < k[1]; kx++) {
                    const iy = oy * s[0] - gy.before + ky * d[0],
                      ix = ox * s[1] - gx.before + kx * d[1];
                    const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                    for (let c = 0; c < cin; c++) {
                      if (op === "depthwise" && c !== n) continue;
                      const wv = kernel[((ky * k[1] + kx) * cin + c) * kshape[3] + (op === "depthwise" ? 0 : n)];
                      const xv = inside ? x[(iy * w + ix) * cin + c] : pv;
                      acc += op === "bconv2d" ? (inside ? (xv < 0 ? -1 : 1) : pv) * (wv < 0 ? -1 : 1) : xv * wv;
                    }
                  }
                want[(oy * gx.out + ox) * co + n] = acc;
              }
          const attrs = { kernelSize: k, strides: s, dilations: d, padding: "same", padValue: pv };
          const shape = [gy.out, gx.out, co];
          const nodes: Array<Record<string, unknown>> = [input([h, w, cin])];
          const weights: ForgedWeight[] = [];
          if (op === "bconv2d") {
            nodes.push(node("sp", "signpack", [0], [h, w, cin], {}, {}, "bits"));
            nodes.push(
              node(
                "conv",
                "bconv2d",
                [1],
                shape,
                { ...attrs, inChannels: cin, outChannels: cout, transform: "float" },
                { filter: "2/f", multiplier: "2/m", bias: "2/b" },
              ),
            );
            weights.push(
              { key: "2/f", kind: "bits", shape: kshape, data: kernel },
              { key: "2/m", kind: "float32", shape: [cout], data: new Float32Array(cout).fill(1) },
              { key: "2/b", kind: "float32", shape: [cout], data: new Float32Array(cout) },
            );
          } else {
            nodes.push(node("conv", op, [0], shape, attrs, { kernel: "1/k" }));
            weights.push({ key: "1/k", kind: "float32", shape: kshape, data: kernel });
          }
          const context = `${op} strides ${s} dilations ${d} padValue ${pv}`;
          let em: lq.engine.EngineModel | undefined;
          try {
            em = await lq.engine.load(forgeFile({ nodes, output: nodes.length - 1 }, weights), { engine });
          } catch (e) {
            try {
              assertCleanRejection(e, context, { index: nodes.length - 1, name: "conv", op });
            } catch (a) {
              failures.push((a as Error).message);
            }
            continue;
          }
          try {
            const y = em.predict(x, [1, h, w, cin]);
            const bad = Array.from(y).findIndex((v, i) => v !== want[i]);
            if (bad >= 0) failures.push(`${context}: element ${bad}: engine ${y[bad]} vs reference ${want[bad]}`);
          } catch (e) {
            failures.push(`${context}: loaded but predict threw ${(e as Error).name}: ${(e as Error).message}`);
          } finally {
            em.dispose();
          }
        }
      }
    }
    assert.deepEqual(failures, []);
  });

  describe("error messages name the node and hold the prefix once", () => {
    let mixed: Uint8Array;
    let bnn: Uint8Array;

    before(async () => {
      const m1 = mixedModel(3);
      const m2 = bnnModel(4);
      mixed = await fileOf(m1, engine);
      bnn = await fileOf(m2, engine);
      m1.dispose();
      m2.dispose();
    });

    const find = (doc: any, op: string, k = 0) => {
      const idx = doc.nodes.map((n: any, i: number) => (n.op === op ? i : -1)).filter((i: number) => i >= 0);
      assert.ok(idx.length > k, `no ${op} #${k}`);
      return idx[k] as number;
    };

    /** Edits node `op` #k of a file: the rejection must name that node. */
    const cases: Array<[string, "mixed" | "bnn", string, (n: any, doc: any) => void]> = [
      ["conv2d strides that change the output shape", "mixed", "conv2d", (n) => (n.attrs.strides = [2, 2])],
      ["depthwise output shape off by one", "mixed", "depthwise", (n) => (n.shape = [n.shape[0] + 1, n.shape[1], n.shape[2]])],
      ["bconv2d padValue 2", "mixed", "bconv2d", (n) => (n.attrs.padValue = 2)],
      ['bconv2d padding "full"', "bnn", "bconv2d", (n) => (n.attrs.padding = "full")],
      ["bconv2d dilations [0, 1]", "mixed", "bconv2d", (n) => (n.attrs.dilations = [0, 1])],
      ["bconv2d kernelSize [2, 3]", "mixed", "bconv2d", (n) => (n.attrs.kernelSize = [2, 3])],
      ["bdense inChannels 0", "bnn", "bdense", (n) => (n.attrs.inChannels = 0)],
      ["bmaxpool strides [0, 2]", "bnn", "bmaxpool", (n) => (n.attrs.strides = [0, 2])],
      ["maxpool poolSize [-2, 2]", "mixed", "maxpool", (n) => (n.attrs.poolSize = [-2, 2])],
      ["avgpool window larger than the input with valid padding", "mixed", "avgpool", (n) => (n.attrs.poolSize = [9, 9])],
      ["batchnorm epsilon null", "mixed", "batchnorm", (n) => (n.attrs.epsilon = null)],
      ['activation "erf"', "mixed", "activation", (n) => (n.attrs.activation = "erf")],
      ["concat axis 7", "mixed", "concat", (n) => (n.attrs.axis = 7)],
      ["add input of another size", "mixed", "add", (n, _doc) => (n.inputs = [n.inputs[0], 0])],
      ["reshape of bits to 63 channels", "bnn", "reshape", (n) => (n.shape = [n.shape[0] - 1])],
      ["unknown op", "mixed", "globalavg", (n) => (n.op = "fft")],
      ["dangling input", "mixed", "dense", (n, doc) => (n.inputs = [doc.nodes.length + 3])],
      ["self-loop input", "mixed", "prelu", (n, doc) => (n.inputs = [doc.nodes.indexOf(n)])],
      ["missing weight", "bnn", "bconv2d", (n) => delete n.weights.multiplier],
      [
        "weight key of another node's bias",
        "mixed",
        "dense",
        (n, doc) => (n.weights.kernel = doc.nodes[find(doc, "bconv2d")].weights.bias),
      ],
      ["bits transform on a float bconv2d", "mixed", "bconv2d", (n, doc) => (doc.nodes[find(doc, "bconv2d", 1)].attrs.transform = "bits")],
      ["bconv2d dotMin 0.5", "mixed", "bconv2d", (n, doc) => (doc.nodes[find(doc, "bconv2d", 1)].attrs.dotMin = 0.5)],
      ['bconv2d dotMax "6"', "mixed", "bconv2d", (n, doc) => (doc.nodes[find(doc, "bconv2d", 1)].attrs.dotMax = "6")],
      [
        "bconv2d dotMin above dotMax",
        "mixed",
        "bconv2d",
        (n, doc) => Object.assign(doc.nodes[find(doc, "bconv2d", 1)].attrs, { dotMin: 2, dotMax: 1 }),
      ],
      ["dot bounds on a bits bconv2d", "bnn", "bconv2d", (n) => (n.attrs.dotMin = 0)],
      ["a center weight on a bits bconv2d", "bnn", "bconv2d", (n) => (n.weights.center = n.weights.bias)],
      ["a residual input of another shape", "mixed", "bconv2d", (n, doc) => doc.nodes[find(doc, "bconv2d", 1)].inputs.push(0)],
      ["a residual input on a bits bconv2d", "bnn", "bconv2d", (n) => n.inputs.push(n.inputs[0])],
      ["three inputs to a bdense", "bnn", "bdense", (n) => n.inputs.push(0, 0)],
      ["a multiplierLo weight without a center", "mixed", "bconv2d", (n) => (n.weights.multiplierLo = n.weights.bias)],
      [
        "a center weight of another length",
        "mixed",
        "bconv2d",
        (n, doc) => (n.weights.center = doc.nodes[find(doc, "dense")].weights.bias),
      ],
    ];
    for (const [what, which, op, edit] of cases) {
      it(what, async () => {
        const bytes = which === "mixed" ? mixed : bnn;
        let target = -1;
        let name = "";
        const forged = withGraph(bytes, (doc) => {
          target = find(doc, op);
          name = doc.nodes[target].name;
          edit(doc.nodes[target], doc);
        });
        await expectRejected(engine, forged, what, (e) => {
          // The message names the edited node or (for an edit that breaks a consumer) some node.
          assertCleanRejection(e, what);
          assert.match(e.message, new RegExp(`node \\d+|"${name}"|\\b${op}\\b`), `${what}: names a node: ${e.message}`);
          assert.match(e.message, /invalid engine file/, `${what}: says the file is invalid: ${e.message}`);
        });
      });
    }

    it("a NaN or infinite multiplier of a bconv2d (in the weight section) is rejected naming the node", async () => {
      const { doc } = parseFile(mixed);
      const target = find(doc, "bconv2d");
      const key = doc.nodes[target].weights.multiplier;
      const entry = doc.weights.find((w: any) => w.key === key);
      const g = new DataView(mixed.buffer, mixed.byteOffset).getUint32(8, true);
      for (const bad of [NaN, Infinity]) {
        const b = mixed.slice();
        new DataView(b.buffer).setFloat32(20 + g + entry.offset, bad, true);
        await expectRejected(engine, resign(b), `multiplier ${bad}`, (e) => {
          assertCleanRejection(e, `multiplier ${bad}`, { index: target, name: doc.nodes[target].name, op: "bconv2d" });
        });
      }
    });

    it("an unmodified file loads (the controls of the cases above are valid)", async () => {
      for (const bytes of [mixed, bnn]) {
        const em = await lq.engine.load(bytes, { engine });
        const x = tf.randomNormal([1, ...em.inputShape], 0, 1, "float32", 3);
        tf.dispose([x, em.predict(x)]);
        em.dispose();
      }
    });
  });
});
