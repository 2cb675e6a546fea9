/**
 * What `larq-ts summary` says about files that are not a tfjs `model.json`: larq-ts engine files (their
 * graph, op by op) and other model formats recognised by their magic bytes.
 */
import type { EngineGraph } from "../../engine/graph.js";

/** A binary model file recognised by its first bytes. */
export interface RecognisedFile {
  /** `"engine"` for a larq-ts engine file, else the foreign format's short name. */
  kind: "engine" | "hdf5" | "tflite" | "zip" | "protobuf-or-binary";
  /** A sentence saying what the file is and what to do with it. */
  description: string;
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

/**
 * Recognises a model file by its magic bytes; `null` for what may be JSON (a `model.json`).
 *
 * @param head - the first bytes of the file (at least 8 for every format to be recognised).
 * @param engineMagic - the larq-ts engine magic (`lq.engine.ENGINE_MAGIC`).
 */
export function recogniseModelFile(head: Uint8Array, engineMagic: string): RecognisedFile | null {
  if (head.length >= 4 && ascii(head, 0, 4) === engineMagic) {
    return { kind: "engine", description: "a larq-ts engine file (lq.engine.load / larq-ts bench run it)" };
  }
  if (head.length >= 8 && head[0] === 0x89 && ascii(head, 1, 3) === "HDF") {
    return {
      kind: "hdf5",
      description:
        "a Keras HDF5 file (.h5), not a tfjs model.json: convert it with tensorflowjs_converter " +
        "--input_format keras, then run larq-ts summary on the model.json it writes",
    };
  }
  if (head.length >= 8 && ascii(head, 4, 4) === "TFL3") {
    return { kind: "tflite", description: "a TensorFlow Lite flatbuffer (.tflite), which larq-ts cannot read" };
  }
  if (head.length >= 4 && ascii(head, 0, 4) === "PK\u0003\u0004") {
    return {
      kind: "zip",
      description: "a zip archive (a Keras 3 .keras file?), not a tfjs model.json: save the model in the tfjs layers format",
    };
  }
  // JSON starts with optional whitespace or a BOM, then "{" (or "[").
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  if (i >= head.length || head[i] === 0x7b || head[i] === 0x5b) return null;
  const binary = head.subarray(0, 64).some((b) => b === 0 || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d));
  if (binary) {
    return {
      kind: "protobuf-or-binary",
      description: "a binary file (a weights .bin, a SavedModel .pb?), not a tfjs model.json",
    };
  }
  return null;
}

function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(2)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(2)} MiB`;
}

/** Bytes one weight array takes in an engine file: float32 4 per value, bits 1 bit per value; 4-byte aligned. */
function weightBytes(kind: "float32" | "bits", shape: number[]): number {
  const size = shape.reduce((a, b) => a * b, 1);
  const raw = kind === "float32" ? 4 * size : Math.ceil(size / 8);
  return Math.ceil(raw / 4) * 4;
}

/**
 * The summary of an engine graph (the file at `path`, `byteLength` bytes, format `version`): one row per node (name, op, output shape and dtype, weights), then the
 * totals (nodes by op, weights by storage kind).
 */
export function formatEngineSummary(path: string, byteLength: number, graph: EngineGraph, version: number): string {
  const rows: string[][] = [["#", "Node", "Op", "Output shape", "Dtype", "Weights"]];
  graph.nodes.forEach((node, i) => {
    const weights = Object.entries(node.weights)
      .map(([role, key]) => {
        const w = graph.weights.get(key);
        return w === undefined ? role : `${role} ${w.kind} [${w.shape.join(", ")}]`;
      })
      .join("; ");
    rows.push([String(i), node.name, node.op, `[${node.shape.join(", ")}]`, node.dtype, weights]);
  });
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]))
      .join("  ")
      .trimEnd();
  const ops = new Map<string, number>();
  for (const node of graph.nodes) ops.set(node.op, (ops.get(node.op) ?? 0) + 1);
  const byKind = { float32: { arrays: 0, values: 0, bytes: 0 }, bits: { arrays: 0, values: 0, bytes: 0 } };
  for (const w of graph.weights.values()) {
    const entry = byKind[w.kind];
    entry.arrays++;
    entry.values += w.shape.reduce((a, b) => a * b, 1);
    entry.bytes += weightBytes(w.kind, w.shape);
  }
  const input = graph.nodes.find((n) => n.op === "input");
  const output = graph.nodes[graph.output];
  return [
    `${path}: larq-ts engine file, format version ${version}, ${byteLength} bytes (${bytesText(byteLength)}).`,
    "It is not a Keras/tfjs model.json: this is the engine's graph (lq.engine.load runs it; larq-ts bench times it).",
    "",
    line(rows[0]),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.slice(1).map(line),
    "",
    `Input: [${input?.shape.join(", ") ?? "?"}]  Output: [${output?.shape.join(", ") ?? "?"}] ${output?.dtype ?? ""}`.trimEnd(),
    `Nodes: ${graph.nodes.length} (${[...ops].map(([op, c]) => `${op} ${c}`).join(", ")})`,
    `Weights: ${byKind.bits.arrays} bitpacked arrays (${byKind.bits.values} values, ${bytesText(byKind.bits.bytes)}), ` +
      `${byKind.float32.arrays} float32 arrays (${byKind.float32.values} values, ${bytesText(byKind.float32.bytes)})`,
    "",
  ].join("\n");
}
