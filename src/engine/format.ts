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
import type { EngineGraph, GraphNode, GraphWeight, ValueDType } from "./graph.js";
import { opDef, type NodeCheck } from "./ops/index.js";
import { isDims } from "./ops/types.js";

/** The file magic, `"LQTE"`. */
export const ENGINE_MAGIC = "LQTE";
/** The format version this build writes and reads. */
export const ENGINE_FORMAT_VERSION = 1;
const HEADER = 20;

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
  const op = typeof n.op === "string" ? n.op.slice(0, 40) : (JSON.stringify(n.op)?.slice(0, 40) ?? "no op");
  return `node ${index} ${name} (${op})`;
}

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
    bad(
      `the header announces ${HEADER + g + wlen} bytes (graph ${g}, weights ${wlen}) but the file has ${bytes.length}${HEADER + g + wlen > bytes.length ? " (truncated?)" : ""}`,
    );
  }
  const crc = view.getUint32(16, true);
  if (crc32(bytes.subarray(HEADER)) !== crc) bad("checksum mismatch (the file is corrupted)");
  let doc: any;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(HEADER, HEADER + g)));
  } catch (e) {
    bad(`the graph is not valid JSON (${(e as Error).message})`);
  }
  if (typeof doc !== "object" || doc === null || !Array.isArray(doc.nodes) || !Array.isArray(doc.weights))
    bad("the graph lacks nodes or weights");
  const weights = new Map<string, GraphWeight>();
  const base = HEADER + g;
  let expectOffset = 0;
  for (const e of doc.weights) {
    if (
      typeof e !== "object" ||
      e === null ||
      typeof e.key !== "string" ||
      (e.kind !== "float32" && e.kind !== "bits") ||
      !isDims(e.shape, 0)
    )
      bad(`bad weight entry ${JSON.stringify(e)?.slice(0, 80)}`);
    if (e.offset !== expectOffset || e.byteLength !== weightBytes(e) || e.offset + e.byteLength > wlen)
      bad(
        `weight "${e.key}" has offset ${e.offset} and length ${e.byteLength}, expected ${expectOffset} and ${weightBytes(e)} within ${wlen} bytes`,
      );
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
  if (!Number.isInteger(doc.output)) bad(`bad output node ${JSON.stringify(doc.output)?.slice(0, 40)}`);
  return { nodes: checkNodes(doc.nodes, doc.output, weights, bad), output: doc.output, weights };
}

/**
 * Validates a graph's nodes through the op registry (see {@link checkNodes}); for graphs made in memory, e.g. by the
 * converter. Throws `"<prefix><node>: <what>."` naming the first bad node.
 */
export function validateGraph(graph: EngineGraph, prefix = "lq.engine: invalid graph: "): void {
  checkNodes(graph.nodes, graph.output, graph.weights, (why) => {
    throw new Error(`${prefix}${why}.`);
  });
}

/**
 * Checks untrusted nodes in order — known op, arity, inputs earlier in the list, shape, dtype, attrs and weights
 * objects, weight references, input kinds, output dtype, then the op's own `validate` — and the output node.
 * Returns clean node records. `bad` throws.
 */
function checkNodes(raw: unknown, output: number, weights: Map<string, GraphWeight>, bad: (why: string) => never): GraphNode[] {
  if (!Array.isArray(raw)) bad("the graph lacks nodes");
  const nodes: GraphNode[] = [];
  for (let i = 0; i < raw.length; i++) {
    const n = raw[i];
    const where = nodeLabel(i, n);
    if (typeof n !== "object" || n === null || typeof n.name !== "string") bad(`${where} is not a node object with a name`);
    const def = opDef(n.op);
    if (!def) bad(`${where} has an unknown op ${JSON.stringify(n.op)?.slice(0, 40)}`);
    if ((i === 0) !== (n.op === "input")) bad(`${where}: the input must be node 0 and only node 0`);
    if (!Array.isArray(n.inputs) || n.inputs.some((j: unknown) => !Number.isInteger(j) || (j as number) < 0 || (j as number) >= i))
      bad(`${where} has bad inputs ${JSON.stringify(n.inputs)?.slice(0, 80)} (indices of earlier nodes)`);
    const extra = def.extraInputs ?? [];
    if (def.arity === 1 && (n.inputs.length < 1 || n.inputs.length > 1 + extra.length))
      bad(`${where} takes ${extra.length ? `1 to ${1 + extra.length} inputs` : "1 input"}, received ${n.inputs.length}`);
    if (def.arity === "many" && n.inputs.length === 0) bad(`${where} has no inputs`);
    if (def.arity === 0 && n.inputs.length !== 0) bad(`${where} takes no inputs, received ${n.inputs.length}`);
    if (!isDims(n.shape)) bad(`${where} has a bad shape ${JSON.stringify(n.shape)?.slice(0, 80)}`);
    if (n.dtype !== "float32" && n.dtype !== "bits") bad(`${where} has a bad dtype ${JSON.stringify(n.dtype)?.slice(0, 40)}`);
    if (
      typeof n.attrs !== "object" ||
      n.attrs === null ||
      Array.isArray(n.attrs) ||
      typeof n.weights !== "object" ||
      n.weights === null ||
      Array.isArray(n.weights)
    )
      bad(`${where} lacks attrs or weights objects`);
    for (const [role, key] of Object.entries(n.weights))
      if (typeof key !== "string" || !weights.has(key))
        bad(`${where} refers to a missing weight ${role}=${JSON.stringify(key)?.slice(0, 80)}`);
    const inputs = (n.inputs as number[]).map((j) => nodes[j]);
    inputs.forEach((x, k) => {
      const kind = def.arity === 1 && k > 0 ? extra[k - 1] : def.inputKind;
      if (kind !== "any" && x.dtype !== kind) bad(`${where} takes a ${kind} input ${k}, received node ${n.inputs[k]}'s ${x.dtype}`);
    });
    const node = n as GraphNode;
    const outKind = def.outputDType(node, inputs);
    if (n.dtype !== outKind) bad(`${where}: output dtype ${n.dtype}, expected ${outKind}`);
    const check: NodeCheck = {
      node,
      inputs,
      inShape: inputs.length ? inputs[0].shape : [],
      len: (role) => (n.weights[role] === undefined ? -1 : weights.get(n.weights[role])!.data.length),
      weight: (role) => (n.weights[role] === undefined ? undefined : weights.get(n.weights[role])),
      need: (cond, what) => {
        if (!cond) bad(`${where}: ${what}`);
      },
      fail: (what) => bad(`${where}: ${what}`),
    };
    def.validate(check);
    nodes.push({
      name: n.name,
      op: n.op,
      inputs: n.inputs,
      attrs: n.attrs,
      weights: n.weights,
      shape: n.shape,
      dtype: n.dtype as ValueDType,
    });
  }
  if (nodes.length === 0) bad("the graph has no nodes");
  if (!Number.isInteger(output) || output < 0 || output >= nodes.length || nodes[output].dtype !== "float32")
    bad(`bad output node ${JSON.stringify(output)}`);
  return nodes;
}
