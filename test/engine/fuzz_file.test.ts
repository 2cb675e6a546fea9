/**
 * Seeded fuzz of `lq.engine.load` on 2,000+ mutated and forged engine files: byte flips (with and without a
 * recomputed CRC), truncations, extensions, header fields, and graph edits with a recomputed CRC (wrong shapes,
 * huge dims, negative / NaN / infinite attributes, dangling and forward inputs, op and dtype swaps, weight-table
 * edits, NaN weights, huge pooling windows, long concat / activation chains).
 *
 * Each file must either be rejected with a clean error (a plain Error whose message starts with "lq.engine",
 * holds "invalid engine file" at most once and, for a node edit, names a node), or load; a loaded file whose
 * declared sizes are small (≤ 16 MiB of values, ≤ 5·10^6 multiply-adds / window taps, estimated from the graph)
 * must predict an output of its declared shape; a loaded file declaring more than 4 GiB of values (more than a
 * wasm32 memory holds) or more than 10^10 operations is a failure (the loader should have refused it). The
 * engine's wasm memory must stay ≤ 256 MiB and every rejected or disposed file must leave no allocation.
 * Set FILE_FUZZ_SEED / FILE_FUZZ_COUNT to rerun a range.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import * as lq from "../../src/index.js";
import { useBackend } from "../helpers.js";
import { assemble, assertCleanRejection, forgeFile, parseFile, prng, resign, type ForgedWeight } from "./forge.js";
import { bnnModel, fileOf, inputValues, mixedModel } from "./forge_models.js";

type Rnd = () => number;
const SEED = Number(process.env.FILE_FUZZ_SEED ?? 7001);
const COUNT = Number(process.env.FILE_FUZZ_COUNT ?? 2400);
const BLOCK = 200;
const MAX_WASM = 256 * 2 ** 20;

const pick = <T>(r: Rnd, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const pickAny = (r: Rnd, xs: readonly unknown[]): any => xs[Math.floor(r() * xs.length)];
const int = (r: Rnd, n: number) => Math.floor(r() * n);

/** Values that break an attribute or a dimension; "__INF__" / "__NINF__" / "__NAN__" become raw JSON tokens. */
const HOSTILE_NUMBERS: unknown[] = [
  0,
  -1,
  -2,
  1,
  2,
  3,
  0.5,
  1.5,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 30,
  2 ** 20,
  65536,
  1e9,
  2 ** 53,
  -(2 ** 31),
  null,
  "3",
  [],
  [2],
  [2, 2, 2],
  {},
  true,
  "__INF__",
  "__NINF__",
  "__NAN__",
  1e-9,
];

function rawJson(doc: unknown): string {
  return JSON.stringify(doc)
    .replace(/"__INF__"/g, "1e999")
    .replace(/"__NINF__"/g, "-1e999")
    .replace(/"__NAN__"/g, "NaN");
}

interface Mutant {
  bytes: Uint8Array;
  what: string;
  /** Node-level edit: the rejection must name a node. */
  nodeEdit: boolean;
}

/** Small forged graphs next to the converted models: many of their mutants load and run. */
function forgedBases(): Uint8Array[] {
  const n = (
    name: string,
    op: string,
    inputs: number[],
    shape: number[],
    attrs: Record<string, unknown> = {},
    weights: Record<string, string> = {},
    dtype = "float32",
  ) => ({ name, op, inputs, attrs, weights, shape, dtype });
  const r = prng(3);
  const f = (len: number) => Float32Array.from({ length: len }, () => r() * 2 - 1);
  const a = forgeFile(
    {
      nodes: [
        n("in", "input", [], [5, 5, 2]),
        n(
          "conv",
          "conv2d",
          [0],
          [5, 5, 3],
          { kernelSize: [3, 3], strides: [1, 1], dilations: [1, 1], padding: "same", padValue: 0 },
          { kernel: "1/kernel", bias: "1/bias" },
        ),
        n(
          "bn",
          "batchnorm",
          [1],
          [5, 5, 3],
          { epsilon: 0.001 },
          { mean: "2/mean", variance: "2/variance", gamma: "2/gamma", beta: "2/beta" },
        ),
        n("pool", "maxpool", [2], [3, 3, 3], { poolSize: [2, 2], strides: [2, 2], padding: "same" }),
        n("avg", "avgpool", [3], [2, 2, 3], { poolSize: [2, 2], strides: [1, 1], padding: "valid" }),
        n("cat", "concat", [4, 4], [2, 2, 6], { axis: 2 }),
        n("act", "activation", [5], [2, 2, 6], { activation: "relu" }),
        n("flat", "reshape", [6], [24]),
        n("dense", "dense", [7], [4], {}, { kernel: "8/kernel" }),
        n("sum", "add", [8, 8], [4]),
      ],
      output: 9,
    },
    [
      { key: "1/kernel", kind: "float32", shape: [3, 3, 2, 3], data: f(54) },
      { key: "1/bias", kind: "float32", shape: [3], data: f(3) },
      { key: "2/mean", kind: "float32", shape: [3], data: f(3) },
      { key: "2/variance", kind: "float32", shape: [3], data: [1, 2, 0.5] },
      { key: "2/gamma", kind: "float32", shape: [3], data: f(3) },
      { key: "2/beta", kind: "float32", shape: [3], data: f(3) },
      { key: "8/kernel", kind: "bits", shape: [24, 4], data: f(96) },
    ] as ForgedWeight[],
  );
  const b = forgeFile(
    {
      nodes: [
        n("in", "input", [], [4, 4, 65]),
        n("sp", "signpack", [0], [4, 4, 65], {}, {}, "bits"),
        n(
          "bc",
          "bconv2d",
          [1],
          [4, 4, 33],
          {
            kernelSize: [3, 3],
            inChannels: 65,
            outChannels: 33,
            strides: [1, 1],
            dilations: [1, 1],
            padding: "same",
            padValue: -1,
            transform: "float",
            clampMin: 0,
          },
          { filter: "2/filter", multiplier: "2/multiplier", bias: "2/bias" },
        ),
        n("bp", "globalmax", [2], [33]),
        n("s", "signpack", [3], [33], {}, {}, "bits"),
        n(
          "bd",
          "bdense",
          [4],
          [6],
          { inChannels: 33, outChannels: 6, transform: "float" },
          { kernel: "5/kernel", multiplier: "5/multiplier", bias: "5/bias" },
        ),
        n("sm", "activation", [5], [6], { activation: "softmax" }),
      ],
      output: 6,
    },
    [
      { key: "2/filter", kind: "bits", shape: [3, 3, 65, 33], data: f(9 * 65 * 33) },
      { key: "2/multiplier", kind: "float32", shape: [33], data: f(33) },
      { key: "2/bias", kind: "float32", shape: [33], data: f(33) },
      { key: "5/kernel", kind: "bits", shape: [33, 6], data: f(198) },
      { key: "5/multiplier", kind: "float32", shape: [6], data: f(6) },
      { key: "5/bias", kind: "float32", shape: [6], data: f(6) },
    ] as ForgedWeight[],
  );
  return [a, b];
}

function setHeader(bytes: Uint8Array, at: number, v: number, width: 2 | 4): Uint8Array<ArrayBuffer> {
  const b = bytes.slice();
  const view = new DataView(b.buffer);
  if (width === 2) view.setUint16(at, v, true);
  else view.setUint32(at, v >>> 0, true);
  return b;
}

/** A graph edit of one node field. */
function editNode(r: Rnd, doc: any): string {
  const i = int(r, doc.nodes.length);
  const node = doc.nodes[i];
  const where = `node ${i} (${node.op} "${node.name}")`;
  const u = r();
  if (u < 0.25) {
    const k = int(r, Math.max(node.shape.length, 1));
    const v = pick(r, HOSTILE_NUMBERS);
    if (r() < 0.2) node.shape = pick(r, [[], [1], [2 ** 31 - 1, 2 ** 31 - 1], [65536, 65536, 64], [1, 1, 1, 1, 1], null, "3"]);
    else node.shape[k] = v;
    return `${where}: shape → ${JSON.stringify(node.shape)}`;
  }
  if (u < 0.5) {
    const keys = Object.keys(node.attrs);
    const extra = [
      "kernelSize",
      "poolSize",
      "strides",
      "dilations",
      "padding",
      "padValue",
      "axis",
      "epsilon",
      "inChannels",
      "outChannels",
      "transform",
      "clampMin",
      "clampMax",
      "alpha",
      "activation",
    ];
    const key = keys.length && r() < 0.8 ? pick(r, keys) : pick(r, extra);
    const cur = node.attrs[key];
    let v: unknown;
    if (Array.isArray(cur) && r() < 0.6) {
      v = cur.slice();
      (v as unknown[])[int(r, cur.length)] = pick(r, HOSTILE_NUMBERS);
    } else if (typeof cur === "string" || r() < 0.15)
      v = pick(r, ["same", "valid", "full", "bits", "float", "relu", "erf", "softmax", "", "__proto__", "leakyrelu"]);
    else v = pick(r, HOSTILE_NUMBERS);
    node.attrs[key] = v;
    return `${where}: attrs.${key} → ${JSON.stringify(v)}`;
  }
  if (u < 0.68) {
    const v = pick(r, [
      [i],
      [i + 1],
      [doc.nodes.length + 5],
      [-1],
      [0.5],
      [],
      [0, 0, 0],
      [i - 1, i - 1],
      ["0"],
      null,
      [int(r, Math.max(i, 1))],
      [int(r, doc.nodes.length)],
    ]);
    node.inputs = v;
    return `${where}: inputs → ${JSON.stringify(v)}`;
  }
  if (u < 0.78) {
    const ops = [
      "input",
      "bconv2d",
      "bdense",
      "bmaxpool",
      "signpack",
      "sign",
      "conv2d",
      "depthwise",
      "dense",
      "batchnorm",
      "maxpool",
      "avgpool",
      "globalavg",
      "globalmax",
      "add",
      "concat",
      "reshape",
      "activation",
      "prelu",
      "fft",
      "",
      "constructor",
    ];
    node.op = pick(r, ops);
    return `${where}: op → ${node.op}`;
  }
  if (u < 0.85) {
    node.dtype = node.dtype === "bits" ? "float32" : pick(r, ["bits", "float16", null]);
    return `${where}: dtype → ${node.dtype}`;
  }
  const roles = Object.keys(node.weights);
  const other = doc.weights.length ? pickAny(r, doc.weights).key : "x";
  if (roles.length && r() < 0.5) {
    const role = pick(r, roles);
    if (r() < 0.4) delete node.weights[role];
    else node.weights[role] = pick(r, [other, "missing", 3, null]);
    return `${where}: weights.${role} edited`;
  }
  node.weights[pick(r, ["kernel", "filter", "bias", "multiplier", "mean", "variance", "gamma", "beta", "alpha"])] = other;
  return `${where}: weights role added → ${other}`;
}

/** Structural hostile graphs built on a valid document. */
function structural(r: Rnd, doc: any): string {
  const u = r();
  const last = doc.nodes.length - 1;
  const floats = doc.nodes
    .map((n: any, i: number) => (n.dtype === "float32" && n.shape.length === 3 ? i : -1))
    .filter((i: number) => i >= 0);
  if (u < 0.25 && floats.length) {
    // Pool windows of hostile size on a float rank-3 value; output appended as the model output.
    const src: number = pickAny(r, floats);
    const shape = doc.nodes[src].shape;
    const big = pick(r, [2 ** 31 - 1, 2 ** 30, 2 ** 20, 65536, 4097]);
    const padding = pick(r, ["same", "same", "valid"]);
    const poolSize = pick(r, [
      [big, big],
      [big, 1],
      [1, big],
      [big, 2],
    ]);
    const op = pick(r, ["maxpool", "avgpool"]);
    doc.nodes.push({
      name: "hostile_pool",
      op,
      inputs: [src],
      attrs: { poolSize, strides: [1, 1], padding },
      weights: {},
      shape: padding === "same" ? shape : [1, 1, shape[2]],
      dtype: "float32",
    });
    doc.output = doc.nodes.length - 1;
    return `${op} window ${poolSize} ${padding} on node ${src}`;
  }
  if (u < 0.5) {
    // A doubling concat chain from a float value (peak memory 4^k bytes after k nodes).
    const src = doc.nodes.map((n: any, i: number) => (n.dtype === "float32" ? i : -1)).filter((i: number) => i >= 0);
    let prev: number = pickAny(r, src);
    const k = pick(r, [4, 12, 20, 26, 30, 40]);
    for (let j = 0; j < k; j++) {
      const shape = doc.nodes[prev].shape.slice();
      shape[0] *= 2;
      doc.nodes.push({ name: `cat_${j}`, op: "concat", inputs: [prev, prev], attrs: { axis: 0 }, weights: {}, shape, dtype: "float32" });
      prev = doc.nodes.length - 1;
    }
    doc.output = prev;
    return `concat chain of ${k} from node ${doc.nodes.length - k}`;
  }
  if (u < 0.65) {
    // A long chain of cheap activations (deep but small).
    let prev = doc.output;
    const k = pick(r, [10, 300, 3000]);
    for (let j = 0; j < k; j++) {
      doc.nodes.push({
        name: `a${j}`,
        op: "activation",
        inputs: [prev],
        attrs: { activation: pick(r, ["relu", "tanh", "linear"]) },
        weights: {},
        shape: doc.nodes[prev].shape,
        dtype: "float32",
      });
      prev = doc.nodes.length - 1;
    }
    doc.output = prev;
    return `activation chain of ${k}`;
  }
  if (u < 0.8) {
    // Swap two nodes: forward references (a cycle once the order is ignored).
    const i = 1 + int(r, Math.max(last, 1));
    const j = 1 + int(r, Math.max(last, 1));
    [doc.nodes[i], doc.nodes[j]] = [doc.nodes[j], doc.nodes[i]];
    return `swap nodes ${i} and ${j}`;
  }
  if (u < 0.9) {
    // A cycle: node i takes a later node as input.
    const i = 1 + int(r, Math.max(last, 1));
    doc.nodes[i].inputs = [Math.min(last, i + 1 + int(r, 3))];
    return `cycle at node ${i}`;
  }
  const v = pick(r, [-1, last + 1, 0, 0.5, null, "1", 2 ** 31]);
  doc.output = v;
  return `output → ${JSON.stringify(v)}`;
}

/** Weight-table edits (offsets, lengths, kinds, shapes, duplicates). */
function editWeights(r: Rnd, doc: any): string {
  if (!doc.weights.length) return "no weights";
  const k = int(r, doc.weights.length);
  const w = doc.weights[k];
  const u = r();
  if (u < 0.2) w.offset = pick(r, [w.offset + 4, w.offset - 4, -4, 2 ** 32, null]);
  else if (u < 0.4) w.byteLength = pick(r, [w.byteLength + 4, 0, w.byteLength - 4, 2 ** 31]);
  else if (u < 0.55) w.kind = w.kind === "bits" ? "float32" : "bits";
  else if (u < 0.75)
    w.shape = pick(r, [[], [0], [-1], [2 ** 31 - 1], w.shape.concat([1]), [w.shape.reduce((a: number, b: number) => a * b, 1)], null]);
  else if (u < 0.9) doc.weights.push({ ...w });
  else doc.weights.splice(k, 1);
  return `weight ${k} ("${w.key}") edited`;
}

function mutate(r: Rnd, base: Uint8Array): Mutant {
  const u = r();
  if (u < 0.12) {
    const b = base.slice();
    const at = int(r, b.length);
    b[at] ^= 1 + int(r, 255);
    return { bytes: b, what: `flip byte ${at} (no re-sign)`, nodeEdit: false };
  }
  if (u < 0.32) {
    const b = base.slice();
    const flips = 1 + int(r, 3);
    const spots: number[] = [];
    for (let f = 0; f < flips; f++) {
      const at = 20 + int(r, b.length - 20);
      spots.push(at);
      b[at] = r() < 0.5 ? b[at] ^ (1 << int(r, 8)) : pick(r, [0x30, 0x39, 0x2d, 0x22, 0x5b, 0x7d, 0x2c, 0xff, 0x00, 0x80]);
    }
    return { bytes: resign(b), what: `set bytes ${spots} (re-signed)`, nodeEdit: false };
  }
  if (u < 0.4) {
    const n = int(r, base.length);
    const fix = r() < 0.5;
    let b: Uint8Array = base.slice(0, n);
    if (fix && n >= 20) {
      const g = new DataView(base.buffer, base.byteOffset).getUint32(8, true);
      b = setHeader(b, 12, Math.max(0, n - 20 - g), 4);
      if (n - 20 < g) b = setHeader(b, 8, n - 20, 4);
      resign(b);
    }
    return { bytes: b, what: `truncate to ${n}${fix ? " (header fixed)" : ""}`, nodeEdit: false };
  }
  if (u < 0.45) {
    const extra = 1 + int(r, 64);
    const b = new Uint8Array(base.length + extra);
    b.set(base);
    for (let i = base.length; i < b.length; i++) b[i] = int(r, 256);
    const fix = r() < 0.5;
    if (fix) {
      const view = new DataView(b.buffer);
      view.setUint32(12, view.getUint32(12, true) + extra, true);
      resign(b);
    }
    return { bytes: b, what: `extend by ${extra}${fix ? " (weight length fixed)" : ""}`, nodeEdit: false };
  }
  if (u < 0.5) {
    const field = pick(r, [
      [4, 2],
      [6, 2],
      [8, 4],
      [12, 4],
    ] as Array<[number, 2 | 4]>);
    const v = pick(r, [0, 1, 2, 0xffff, 2 ** 31, 0xffffffff, 7]);
    return { bytes: resign(setHeader(base, field[0], v, field[1])), what: `header @${field[0]} → ${v}`, nodeEdit: false };
  }
  // Graph-level edits with a recomputed CRC.
  const { doc, section } = parseFile(base);
  let what: string;
  let nodeEdit = false;
  let sec = section;
  const v = r();
  if (v < 0.55) {
    const edits = 1 + (r() < 0.2 ? int(r, 3) : 0);
    const parts: string[] = [];
    for (let e = 0; e < edits; e++) parts.push(editNode(r, doc));
    what = parts.join("; ");
    nodeEdit = true;
  } else if (v < 0.8) {
    what = structural(r, doc);
  } else if (v < 0.9) {
    what = editWeights(r, doc);
  } else {
    // NaN / ±Infinity / huge values inside a float weight.
    const floats = doc.weights.filter((w: any) => w.kind === "float32");
    if (!floats.length) return mutate(r, base);
    const w: any = pickAny(r, floats);
    sec = section.slice();
    const count = w.byteLength / 4;
    const bad = pick(r, [NaN, Infinity, -Infinity, 3e38, -0]);
    new DataView(sec.buffer).setFloat32(w.offset + 4 * int(r, count), bad, true);
    what = `weight "${w.key}" holds ${bad}`;
  }
  return { bytes: assemble(rawJson(doc), sec), what, nodeEdit };
}

/** Upper bounds from a loaded file's graph: bytes of all values (batch 1) and multiply-adds / window taps. */
function estimate(bytes: Uint8Array): { values: number; work: number } | undefined {
  try {
    const { doc } = parseFile(bytes);
    const prod = (a: unknown) => (Array.isArray(a) ? a.reduce((p: number, q: number) => p * q, 1) : 1);
    let values = 0;
    let work = 0;
    for (const n of doc.nodes) {
      const size = prod(n.shape);
      values += size * 4;
      const inSize = n.inputs.reduce((s: number, j: number) => s + prod(doc.nodes[j].shape), 0);
      const cin = n.inputs.length ? doc.nodes[n.inputs[0]].shape.at(-1) : 1;
      if (["conv2d", "bconv2d", "depthwise"].includes(n.op)) work += size * prod(n.attrs.kernelSize) * cin;
      else if (n.op === "dense" || n.op === "bdense") work += size * cin;
      else if (["maxpool", "avgpool", "bmaxpool"].includes(n.op)) work += size * prod(n.attrs.poolSize) + inSize;
      else work += size + inSize;
    }
    return Number.isFinite(values) && Number.isFinite(work) ? { values, work } : undefined;
  } catch {
    return undefined;
  }
}

describe("fuzz: lq.engine.load on mutated and forged files", () => {
  let engine: lq.engine.Engine;
  let baseline: number;
  const bases: Uint8Array[] = [];
  const failures: string[] = [];
  const categories = new Map<string, number>();
  let rejected = 0;
  let loaded = 0;
  let predicted = 0;

  before(async () => {
    await useBackend("cpu");
    engine = await lq.engine.loadEngine({});
    const m1 = mixedModel(11);
    const m2 = bnnModel(12);
    bases.push(await fileOf(m1, engine), await fileOf(m2, engine), ...forgedBases());
    m1.dispose();
    m2.dispose();
    baseline = engine.allocatedBytes;
    // The bases themselves are valid.
    for (const b of bases) (await lq.engine.load(b, { engine })).dispose();
  });

  after(() => {
    const top = [...categories.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20);
    process.stdout.write(
      `# fuzz_file: seed ${SEED}: ${rejected} rejected, ${loaded} loaded, ${predicted} predicted; failure kinds:\n${top.map(([k, n]) => `#   ${n} × ${k}`).join("\n")}\n`,
    );
  });

  const fail = (kind: string, detail: string) => {
    categories.set(kind, (categories.get(kind) ?? 0) + 1);
    failures.push(detail);
  };

  for (let b0 = 0; b0 < COUNT; b0 += BLOCK) {
    const from = SEED + b0;
    const to = SEED + Math.min(b0 + BLOCK, COUNT);
    it(`files ${from}..${to - 1}`, async () => {
      const start = failures.length;
      for (let seed = from; seed < to; seed++) {
        const r = prng(seed);
        const baseIndex = int(r, bases.length);
        const m = mutate(r, bases[baseIndex]);
        const ctx = `file ${seed} (base ${baseIndex}, ${m.what})`;
        let em: lq.engine.EngineModel | undefined;
        try {
          em = await lq.engine.load(m.bytes, { engine });
        } catch (e) {
          rejected++;
          try {
            assertCleanRejection(e, ctx);
            if (m.nodeEdit)
              assert.match(
                (e as Error).message,
                /node \d+|"[^"]*"|\b(input|bconv2d|bdense|bmaxpool|signpack|sign|conv2d|depthwise|dense|batchnorm|maxpool|avgpool|globalavg|globalmax|add|concat|reshape|activation|prelu)\b/,
                `${ctx}: names no node: ${(e as Error).message}`,
              );
          } catch (a) {
            const msg = (a as Error).message;
            const kind = msg.includes("from deep inside")
              ? `${(e as Error).name} from deep inside`
              : msg.includes("prefix")
                ? `no "lq.engine" prefix: ${(e as Error).message.replace(/\d+/g, "N").slice(0, 50)}`
                : msg.includes("appears")
                  ? 'doubled "invalid engine file"'
                  : msg.includes("names no node")
                    ? "node not named"
                    : "other";
            fail(kind, msg);
          }
        }
        if (em) {
          loaded++;
          try {
            const est = estimate(m.bytes);
            if (!est) {
              // Sizes this test cannot read: load only.
            } else if (est.values > 4 * 2 ** 30 || est.work > 1e10) {
              fail(
                "accepted a file beyond any wasm32 memory or time",
                `${ctx}: loaded although it declares ${est.values} bytes of values and ~${est.work.toExponential(1)} operations`,
              );
            } else if (est.values <= 16 * 2 ** 20 && est.work <= 5e6) {
              const inShape = em.inputShape;
              const outShape = em.outputShape;
              const x = inputValues(
                inShape.reduce((a, b) => a * b, 1),
                r,
              );
              let y: Float32Array | undefined;
              try {
                y = em.predict(x, [1, ...inShape]);
              } catch (e) {
                fail(
                  `loaded but predict threw ${(e as Error).name}`,
                  `${ctx}: loaded, but predict threw ${(e as Error).name}: ${(e as Error).message.slice(0, 200)}`,
                );
              }
              if (y) {
                predicted++;
                const want = outShape.reduce((a, b) => a * b, 1);
                if (y.length !== want)
                  fail("output size differs from the declared shape", `${ctx}: output has ${y.length} values, declared [${outShape}]`);
              }
            }
          } finally {
            em.dispose();
          }
        }
        if (engine.allocatedBytes !== baseline) {
          fail("wasm allocations left behind", `${ctx}: ${engine.allocatedBytes - baseline} bytes still allocated`);
          baseline = engine.allocatedBytes;
        }
        if (engine.buffer.byteLength > MAX_WASM) {
          fail("wasm memory grew above 256 MiB", `${ctx}: wasm memory is ${engine.buffer.byteLength} bytes`);
          break;
        }
      }
      const mine = failures.slice(start);
      assert.ok(
        mine.length === 0,
        `${mine.length} bad outcomes (rerun with FILE_FUZZ_SEED=<file> FILE_FUZZ_COUNT=1):\n${mine.slice(0, 6).join("\n")}`,
      );
    });
  }
});
