/**
 * Test-side re-implementation of the engine file format (src/engine/format.ts, version 1), to forge and mutate
 * files independently of the library's encoder: header, CRC-32 (IEEE), graph JSON and the weight section.
 */
import assert from "node:assert/strict";

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

/** CRC-32 (IEEE 802.3, reflected, as zlib). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A weight to store: `bits` keeps only signs (bit 1 = negative). */
export interface ForgedWeight {
  key: string;
  kind: "float32" | "bits";
  shape: number[];
  data: ArrayLike<number>;
}

/** A graph document as stored in the file (weights listed separately). */
export interface ForgedGraph {
  nodes: Array<Record<string, unknown>>;
  output: number;
}

const align4 = (n: number) => Math.ceil(n / 4) * 4;
const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Serialised size of one weight in the file. */
export function weightByteLength(w: { kind: string; shape: number[] }): number {
  return align4(w.kind === "bits" ? Math.ceil(count(w.shape) / 8) : count(w.shape) * 4);
}

/** Packs weights into a weight section and the matching JSON entries. */
export function packWeights(weights: ForgedWeight[]): { entries: Array<Record<string, unknown>>; section: Uint8Array } {
  const entries: Array<Record<string, unknown>> = [];
  let offset = 0;
  for (const w of weights) {
    const byteLength = weightByteLength(w);
    entries.push({ key: w.key, kind: w.kind, shape: w.shape, offset, byteLength });
    offset += byteLength;
  }
  const section = new Uint8Array(offset);
  const view = new DataView(section.buffer);
  weights.forEach((w, i) => {
    const at = entries[i].offset as number;
    if (w.kind === "float32") for (let k = 0; k < w.data.length; k++) view.setFloat32(at + k * 4, w.data[k], true);
    else for (let k = 0; k < w.data.length; k++) if (w.data[k] < 0) section[at + (k >> 3)] |= 1 << (k & 7);
  });
  return { entries, section };
}

/** Header + graph JSON text + weight section, with a correct CRC (version, flags overridable). */
export function assemble(jsonText: string, section: Uint8Array, opts: { version?: number; flags?: number } = {}): Uint8Array {
  const json = new TextEncoder().encode(jsonText);
  const out = new Uint8Array(HEADER + json.length + section.length);
  const view = new DataView(out.buffer);
  out.set([0x4c, 0x51, 0x54, 0x45]); // "LQTE"
  view.setUint16(4, opts.version ?? 1, true);
  view.setUint16(6, opts.flags ?? 0, true);
  view.setUint32(8, json.length, true);
  view.setUint32(12, section.length, true);
  out.set(json, HEADER);
  out.set(section, HEADER + json.length);
  return resign(out);
}

/** A complete engine file from a graph and its weights. */
export function forgeFile(graph: ForgedGraph, weights: ForgedWeight[]): Uint8Array {
  const { entries, section } = packWeights(weights);
  return assemble(JSON.stringify({ nodes: graph.nodes, output: graph.output, weights: entries }), section);
}

/** Recomputes the CRC of a (modified) file in place. */
export function resign(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(16, crc32(bytes.subarray(HEADER)), true);
  return bytes;
}

/** Splits a well-formed file into its graph document and weight section. */
export function parseFile(bytes: Uint8Array): { doc: any; section: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const g = view.getUint32(8, true);
  const doc = JSON.parse(new TextDecoder().decode(bytes.subarray(HEADER, HEADER + g)));
  return { doc, section: bytes.slice(HEADER + g) };
}

/** A copy of `bytes` whose graph JSON was edited by `edit` (header lengths and CRC fixed). */
export function withGraph(bytes: Uint8Array, edit: (doc: any) => void): Uint8Array {
  const { doc, section } = parseFile(bytes);
  edit(doc);
  return assemble(JSON.stringify(doc), section);
}

/** A seeded generator (mulberry32): floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Asserts that `e` is a clear rejection from the engine: a plain Error (not a RangeError / TypeError /
 * WebAssembly.RuntimeError from deep inside), whose message starts with "lq.engine" and holds
 * "invalid engine file" at most once; `node` (when given) must be named by index, name or op.
 */
export function assertCleanRejection(e: unknown, context: string, node?: { index: number; name?: string; op?: string }): void {
  assert.ok(e instanceof Error, `${context}: threw a non-Error ${String(e)}`);
  const err = e as Error;
  const deep =
    err instanceof RangeError ||
    err instanceof TypeError ||
    err instanceof SyntaxError ||
    err instanceof WebAssembly.RuntimeError ||
    err instanceof ReferenceError;
  assert.ok(!deep, `${context}: ${err.name} from deep inside: ${err.message}\n${err.stack?.split("\n").slice(0, 4).join("\n")}`);
  assert.match(err.message, /^lq\.engine/, `${context}: message lacks the "lq.engine" prefix: ${err.message}`);
  const twice = (err.message.match(/invalid engine file/g) ?? []).length;
  assert.ok(twice <= 1, `${context}: "invalid engine file" appears ${twice} times: ${err.message}`);
  if (node) {
    const names = [`node ${node.index}\\b`];
    if (node.name) names.push(escape(node.name));
    if (node.op) names.push(`\\b${escape(node.op)}\\b`);
    const re = new RegExp(names.join("|"));
    assert.match(
      err.message,
      re,
      `${context}: message does not name node ${node.index}${node.name ? ` ("${node.name}")` : ""}: ${err.message}`,
    );
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
