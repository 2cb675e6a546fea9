/**
 * What `larq-ts summary` prints for a larq-ts engine file: its graph, op by op (the file kinds are recognised by
 * `../model_file.ts`).
 */
import type { EngineGraph } from "../../engine/graph.js";

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
