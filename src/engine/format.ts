/**
 * The engine file format (`.lce` files of larq-ts), version 1.
 *
 * @remarks
 * Little-endian throughout:
 * | offset | size | field |
 * | --- | --- | --- |
 * | 0 | 4 | magic `"LQTE"` |
 * | 4 | 2 | format version (1) |
 * | 6 | 2 | flags (0) |
 * | 8 | 4 | graph JSON length G (bytes, UTF-8) |
 * | 12 | 4 | weight section length W |
 * | 16 | 4 | CRC-32 of the bytes from 20 to the end |
 * | 20 | G | graph JSON: `{ nodes, output, weights: [{ key, kind, shape, offset, byteLength }] }` |
 * | 20 + G | W | weights: `"float32"` as raw float32; `"bits"` as 1 bit per value (bit 1 = negative, LSB first), each array 4-byte aligned |
 *
 * The file ends exactly after the weights. Readers reject other magics, versions, flags, lengths, checksums and
 * any graph that does not validate (ops, inputs in order, shapes, weight references and sizes).
 *
 * @packageDocumentation
 */
import { ENGINE_ACTIVATIONS } from "./convert.js";
import type { EngineGraph, GraphNode, GraphWeight, OpKind, ValueDType } from "./graph.js";
import { axisGeometry } from "./ops.js";

/** The file magic, `"LQTE"`. */
export const ENGINE_MAGIC = "LQTE";
/** The format version this build writes and reads. */
export const ENGINE_FORMAT_VERSION = 1;
const HEADER = 20;
const OPS: ReadonlySet<string> = new Set<OpKind>([
  "input", "bconv2d", "bdense", "bmaxpool", "signpack", "sign", "conv2d", "depthwise", "dense", "batchnorm", "maxpool",
  "avgpool", "globalavg", "globalmax", "add", "concat", "reshape", "activation", "prelu",
]);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE) of bytes. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const align4 = (n: number) => Math.ceil(n / 4) * 4;
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const weightBytes = (w: { kind: string; shape: number[] }) => align4(w.kind === "bits" ? Math.ceil(size(w.shape) / 8) : size(w.shape) * 4);

/** Serialises a graph (see the module docs for the layout). */
export function encodeEngineFile(graph: EngineGraph): Uint8Array {
  const entries: Array<{ key: string; kind: string; shape: number[]; offset: number; byteLength: number }> = [];
  let offset = 0;
  for (const [key, w] of graph.weights) {
    const byteLength = weightBytes(w);
    entries.push({ key, kind: w.kind, shape: w.shape, offset, byteLength });
    offset += byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify({ nodes: graph.nodes, output: graph.output, weights: entries }));
  const out = new Uint8Array(HEADER + json.length + offset);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = ENGINE_MAGIC.charCodeAt(i);
  view.setUint16(4, ENGINE_FORMAT_VERSION, true);
  view.setUint16(6, 0, true);
  view.setUint32(8, json.length, true);
  view.setUint32(12, offset, true);
  out.set(json, HEADER);
  const base = HEADER + json.length;
  let i = 0;
  for (const w of graph.weights.values()) {
    const at = base + entries[i++].offset;
    if (w.kind === "float32") {
      for (let k = 0; k < w.data.length; k++) view.setFloat32(at + k * 4, w.data[k], true);
    } else {
      for (let k = 0; k < w.data.length; k++) if (!(w.data[k] >= 0)) out[at + (k >> 3)] |= 1 << (k & 7);
    }
  }
  view.setUint32(16, crc32(out.subarray(HEADER)), true);
  return out;
}

/** The prefix of every decoding error. */
export const INVALID_FILE = "lq.engine.load: invalid engine file: ";

function bad(why: string): never {
  throw new Error(`${INVALID_FILE}${why}.`);
}

/** `node 3 "conv_1" (bconv2d)`: how errors name a node (index, name, op), safe for any JSON value. */
export function nodeLabel(index: number, node: unknown): string {
  const n = (typeof node === "object" && node !== null ? node : {}) as Record<string, unknown>;
  const name = typeof n.name === "string" ? JSON.stringify(n.name.length > 80 ? `${n.name.slice(0, 80)}…` : n.name) : "(unnamed)";
  const op = typeof n.op === "string" ? n.op.slice(0, 40) : JSON.stringify(n.op)?.slice(0, 40) ?? "no op";
  return `node ${index} ${name} (${op})`;
}

/** Ops with any number of inputs (≥ 1); the others take exactly one. */
const MULTI_INPUT: ReadonlySet<string> = new Set(["add", "concat"]);
const I32 = 2 ** 31;

const isDims = (v: unknown, min = 1): v is number[] =>
  Array.isArray(v) && v.length >= min && v.every((d) => Number.isInteger(d) && d >= 1 && d < 2 ** 31);

/** Parses and validates an engine file; throws an error saying what is wrong. */
export function decodeEngineFile(input: Uint8Array | ArrayBuffer): EngineGraph {
  let bytes: Uint8Array;
  if (input instanceof Uint8Array) bytes = input;
  else if (input instanceof ArrayBuffer) bytes = new Uint8Array(input);
  else throw new Error(`Invalid bytes: expected a Uint8Array or ArrayBuffer, received ${Object.prototype.toString.call(input)}.`);
  if (bytes.length < HEADER) bad(`${bytes.length} bytes is shorter than the ${HEADER}-byte header (truncated?)`);
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== ENGINE_MAGIC) bad(`bad magic ${JSON.stringify(magic)}, expected "${ENGINE_MAGIC}"`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== ENGINE_FORMAT_VERSION) bad(`unsupported format version ${version} (this build reads version ${ENGINE_FORMAT_VERSION})`);
  const flags = view.getUint16(6, true);
  if (flags !== 0) bad(`unknown flags ${flags}`);
  const g = view.getUint32(8, true);
  const wlen = view.getUint32(12, true);
  if (HEADER + g + wlen !== bytes.length) {
    bad(`the header announces ${HEADER + g + wlen} bytes (graph ${g}, weights ${wlen}) but the file has ${bytes.length}${HEADER + g + wlen > bytes.length ? " (truncated?)" : ""}`);
  }
  const crc = view.getUint32(16, true);
  if (crc32(bytes.subarray(HEADER)) !== crc) bad("checksum mismatch (the file is corrupted)");
  let doc: any;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(HEADER, HEADER + g)));
  } catch (e) {
    bad(`the graph is not valid JSON (${(e as Error).message})`);
  }
  if (typeof doc !== "object" || doc === null || !Array.isArray(doc.nodes) || !Array.isArray(doc.weights)) bad("the graph lacks nodes or weights");
  const weights = new Map<string, GraphWeight>();
  const base = HEADER + g;
  let expectOffset = 0;
  for (const e of doc.weights) {
    if (typeof e !== "object" || e === null || typeof e.key !== "string" || (e.kind !== "float32" && e.kind !== "bits") || !isDims(e.shape, 0)) bad(`bad weight entry ${JSON.stringify(e)?.slice(0, 80)}`);
    if (e.offset !== expectOffset || e.byteLength !== weightBytes(e) || e.offset + e.byteLength > wlen) bad(`weight "${e.key}" has offset ${e.offset} and length ${e.byteLength}, expected ${expectOffset} and ${weightBytes(e)} within ${wlen} bytes`);
    if (weights.has(e.key)) bad(`duplicate weight "${e.key}"`);
    expectOffset += e.byteLength;
    const n = size(e.shape);
    const data = new Float32Array(n);
    const at = base + e.offset;
    if (e.kind === "float32") for (let k = 0; k < n; k++) data[k] = view.getFloat32(at + k * 4, true);
    else for (let k = 0; k < n; k++) data[k] = (bytes[at + (k >> 3)] >> (k & 7)) & 1 ? -1 : 1;
    weights.set(e.key, { kind: e.kind, shape: e.shape, data });
  }
  if (expectOffset !== wlen) bad(`the weights use ${expectOffset} of ${wlen} bytes`);
  const nodes: GraphNode[] = [];
  for (let i = 0; i < doc.nodes.length; i++) {
    const n = doc.nodes[i];
    const where = nodeLabel(i, n);
    if (typeof n !== "object" || n === null || typeof n.name !== "string") bad(`${where} is not a node object with a name`);
    if (!OPS.has(n.op)) bad(`${where} has an unknown op ${JSON.stringify(n.op)?.slice(0, 40)}`);
    if ((i === 0) !== (n.op === "input")) bad(`${where}: the input must be node 0 and only node 0`);
    if (!Array.isArray(n.inputs) || n.inputs.some((j: unknown) => !Number.isInteger(j) || (j as number) < 0 || (j as number) >= i)) bad(`${where} has bad inputs ${JSON.stringify(n.inputs)?.slice(0, 80)} (indices of earlier nodes)`);
    if (n.op !== "input" && n.inputs.length === 0) bad(`${where} has no inputs`);
    if (!MULTI_INPUT.has(n.op) && n.op !== "input" && n.inputs.length !== 1) bad(`${where} takes 1 input, received ${n.inputs.length}`);
    if (!isDims(n.shape)) bad(`${where} has a bad shape ${JSON.stringify(n.shape)?.slice(0, 80)}`);
    if (n.dtype !== "float32" && n.dtype !== "bits") bad(`${where} has a bad dtype ${JSON.stringify(n.dtype)?.slice(0, 40)}`);
    if (typeof n.attrs !== "object" || n.attrs === null || Array.isArray(n.attrs) || typeof n.weights !== "object" || n.weights === null || Array.isArray(n.weights)) bad(`${where} lacks attrs or weights objects`);
    for (const [role, key] of Object.entries(n.weights)) if (typeof key !== "string" || !weights.has(key)) bad(`${where} refers to a missing weight ${role}=${JSON.stringify(key)?.slice(0, 80)}`);
    for (const j of n.inputs as number[]) {
      const wantBits = ["bconv2d", "bdense", "bmaxpool"].includes(n.op);
      const isBits = nodes[j].dtype === "bits";
      if (n.op !== "reshape" && wantBits !== isBits) bad(`${where} takes a ${wantBits ? "bits" : "float32"} input, received node ${j}'s ${nodes[j].dtype}`);
    }
    checkNodeAttrs(n, weights, nodes, where);
    nodes.push({ name: n.name, op: n.op, inputs: n.inputs, attrs: n.attrs, weights: n.weights, shape: n.shape, dtype: n.dtype as ValueDType });
  }
  if (nodes.length === 0) bad("the graph has no nodes");
  if (!Number.isInteger(doc.output) || doc.output < 0 || doc.output >= nodes.length || nodes[doc.output].dtype !== "float32") bad(`bad output node ${JSON.stringify(doc.output)}`);
  return { nodes, output: doc.output, weights };
}

/** Size checks that keep the runtime from reading outside a weight or a buffer. */
function checkNodeAttrs(n: any, weights: Map<string, GraphWeight>, nodes: GraphNode[], where: string): void {
  const a = n.attrs;
  const len = (role: string) => weights.get(n.weights[role])?.data.length ?? -1;
  const inShape: number[] = n.inputs.length ? nodes[n.inputs[0]].shape : [];
  const outSize = size(n.shape);
  const c = n.shape[n.shape.length - 1];
  const need = (cond: boolean, what: string) => {
    if (!cond) bad(`${where}: ${what}`);
  };
  const sameShape = () => need(inShape.length === n.shape.length && inShape.every((d, k) => d === n.shape[k]), `output shape [${n.shape}] differs from the input shape [${inShape}]`);
  const outKind = n.op === "signpack" || n.op === "bmaxpool" ? "bits" : n.op === "bconv2d" || n.op === "bdense" ? (a.transform === "bits" ? "bits" : "float32") : n.op === "reshape" ? nodes[n.inputs[0]].dtype : "float32";
  need(n.dtype === outKind, `output dtype ${n.dtype}, expected ${outKind}`);
  if (n.op === "bconv2d" || n.op === "bdense") {
    need(a.transform === "bits" || a.transform === "float", `bad transform kind ${JSON.stringify(a.transform)?.slice(0, 40)}`);
    for (const role of ["multiplier", "bias"]) {
      const w = weights.get(n.weights[role]);
      const k = w ? w.data.findIndex((v) => !Number.isFinite(v)) : -1;
      need(k < 0, `${role}[${k}] is ${w?.data[k]}, expected a finite number`);
    }
    const lo = a.clampMin ?? -Infinity, hi = a.clampMax ?? Infinity;
    need(typeof lo === "number" && typeof hi === "number" && lo <= hi && (a.transform === "float" || (lo === -Infinity && hi === Infinity)), `bad clamp bounds ${JSON.stringify([a.clampMin, a.clampMax])}`);
  }
  // Windowed ops: the output shape must be the one the geometry gives (kernels write exactly that many values),
  // and every coordinate the kernels compute must fit in an i32.
  const spatial = (k: number[], st: number[], d: number[]) => {
    let gy: { out: number; padBefore: number } | undefined, gx: typeof gy;
    try {
      gy = axisGeometry(inShape[0], k[0], st[0], d[0], a.padding);
      gx = axisGeometry(inShape[1], k[1], st[1], d[1], a.padding);
    } catch (e) {
      bad(`${where}: ${(e as Error).message.replace(/\.$/, "")}`);
    }
    need(n.shape[0] === gy.out && n.shape[1] === gx.out, `output shape [${n.shape}] does not follow from the input [${inShape}] (expected [${gy.out}, ${gx.out}, …])`);
    for (let ax = 0; ax < 2; ax++) {
      const extent = (k[ax] - 1) * d[ax] + 1;
      const g = ax === 0 ? gy : gx;
      // The kernels visit only in-image taps (pools) or taps bounded by the weights (convolutions); what they
      // compute in i32 is o·stride, the leading padding and (convolutions) the dilated window.
      need(g.out * st[ax] < I32 && inShape[ax] + g.padBefore < I32 && (d[ax] === 1 || extent < I32), `window ${k[ax]} (dilation ${d[ax]}, stride ${st[ax]}) on axis ${ax} exceeds the i32 range of the kernels`);
    }
  };
  switch (n.op) {
    case "bconv2d":
    case "conv2d":
    case "depthwise": {
      need(isDims(a.kernelSize) && a.kernelSize.length === 2 && isDims(a.strides) && a.strides.length === 2 && isDims(a.dilations) && a.dilations.length === 2 && (a.padding === "same" || a.padding === "valid"), `bad geometry kernelSize ${JSON.stringify(a.kernelSize)} strides ${JSON.stringify(a.strides)} dilations ${JSON.stringify(a.dilations)} padding ${JSON.stringify(a.padding)}`);
      need(a.padValue === undefined || (n.op === "bconv2d" ? [0, 1, -1].includes(a.padValue) : Number.isFinite(a.padValue)), `bad padValue ${JSON.stringify(a.padValue)}`);
      need(inShape.length === 3 && n.shape.length === 3, `needs rank-3 input and output shapes, received [${inShape}] and [${n.shape}]`);
      const [kh, kw] = a.kernelSize;
      const cin = inShape[2];
      spatial(a.kernelSize, a.strides, a.dilations);
      if (n.op === "depthwise") need(c % cin === 0, "depthwise output channels must be a multiple of the input channels");
      const kernel = n.op === "bconv2d" ? len("filter") : len("kernel");
      need(kernel === kh * kw * cin * (n.op === "depthwise" ? c / cin : c), "kernel size does not match the shapes");
      if (n.op === "bconv2d") need(a.inChannels === cin && a.outChannels === c && len("multiplier") === c && len("bias") === c, "channel counts or transform sizes do not match");
      else if (n.weights.bias !== undefined) need(len("bias") === c, "bias size");
      break;
    }
    case "bdense":
    case "dense":
      need(inShape.length === 1 && n.shape.length === 1, "needs rank-1 shapes");
      need((n.op === "bdense" ? len("kernel") : len("kernel")) === inShape[0] * c, "kernel size does not match the shapes");
      if (n.op === "bdense") need(a.inChannels === inShape[0] && a.outChannels === c && len("multiplier") === c && len("bias") === c, "channel counts or transform sizes do not match");
      else if (n.weights.bias !== undefined) need(len("bias") === c, "bias size");
      break;
    case "batchnorm":
      sameShape();
      need(len("mean") === c && len("variance") === c && (n.weights.gamma === undefined || len("gamma") === c) && (n.weights.beta === undefined || len("beta") === c), `parameters need ${c} values (the channels), received mean ${len("mean")}, variance ${len("variance")}, gamma ${len("gamma")}, beta ${len("beta")}`);
      need(typeof a.epsilon === "number" && Number.isFinite(a.epsilon), `bad epsilon ${JSON.stringify(a.epsilon)}`);
      break;
    case "prelu":
      sameShape();
      need(len("alpha") === outSize, `alpha needs ${outSize} values, received ${len("alpha")}`);
      break;
    case "reshape":
      need(size(inShape) === outSize, "element count changes");
      if (n.dtype === "bits") need(inShape[inShape.length - 1] % 64 === 0 && c % 64 === 0, "packed bits can only be reshaped with whole 64-bit words per pixel");
      break;
    case "activation":
      need(ENGINE_ACTIVATIONS.has(a.activation) || a.activation === "leakyrelu", `unknown activation ${JSON.stringify(a.activation)?.slice(0, 40)}`);
      need(a.alpha === undefined || Number.isFinite(a.alpha), `bad alpha ${JSON.stringify(a.alpha)}`);
      sameShape();
      break;
    case "sign":
    case "signpack":
      sameShape();
      break;
    case "add":
      need(n.inputs.every((j: number) => size(nodes[j].shape) === outSize), "input sizes differ");
      break;
    case "maxpool":
    case "avgpool":
    case "bmaxpool":
      need(isDims(a.poolSize) && a.poolSize.length === 2 && isDims(a.strides) && a.strides.length === 2 && (a.padding === "same" || a.padding === "valid") && inShape.length === 3 && n.shape.length === 3 && c === inShape[2], "bad pooling geometry");
      spatial(a.poolSize, a.strides, [1, 1]);
      // A window larger than its padded input (the input plus at most one input extent and a stride on each side;
      // beyond that every window covers the whole axis) is refused: pools have no weights to bound their work.
      for (let ax = 0; ax < 2; ax++) {
        need(a.poolSize[ax] <= 3 * inShape[ax] + 2 * a.strides[ax], `pooling window ${a.poolSize[ax]} on axis ${ax} exceeds the padded input (at most ${3 * inShape[ax] + 2 * a.strides[ax]} for an input of ${inShape[ax]})`);
      }
      break;
    case "globalavg":
    case "globalmax":
      need(inShape.length === 3 && n.shape.length === 1 && c === inShape[2], "bad shapes");
      break;
    case "concat":
      need(Number.isInteger(a.axis) && a.axis >= 0 && a.axis < n.shape.length && n.inputs.reduce((s: number, j: number) => s + size(nodes[j].shape), 0) === outSize, "bad axis or sizes");
      need(n.inputs.every((j: number) => nodes[j].shape.length === n.shape.length && nodes[j].shape.every((d, k) => k === a.axis || d === n.shape[k])), "input shapes differ off the axis");
      break;
  }
}
