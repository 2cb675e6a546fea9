/**
 * The text table of `larq-ts bench --profile`: an {@link EngineProfile} (lq.engine.profile) node by node and by op.
 */
import type { EngineProfile } from "../engine/profile.js";

function fmtMacs(n: number): string {
  if (n === 0) return "-";
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

function table(rows: string[][], right: ReadonlySet<number>): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (right.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join("  ")
      .trimEnd();
  return [line(rows[0]), line(widths.map((w) => "-".repeat(w))), ...rows.slice(1).map(line)];
}

/**
 * The profile as text: one row per node (index, name, op, output shape, median ms, share, MACs, GMAC/s), then
 * one row per op kind (nodes, ms, share, MACs), then the totals.
 */
export function formatProfile(p: EngineProfile): string {
  const pct = (s: number) => `${(100 * s).toFixed(1)}%`;
  const nodeRows = [
    ["#", "Node", "Op", "Output shape", "ms", "Share", "MACs", "GMAC/s"],
    ...p.nodes.map((n) => [
      String(n.index),
      n.name,
      n.op,
      `[${n.shape.join(", ")}]`,
      n.ms.toFixed(3),
      pct(n.share),
      n.macKind === null ? "-" : `${fmtMacs(n.macs)} ${n.macKind === "binary" ? "bin" : "fp"}`,
      n.gmacPerSecond === null ? "-" : `${n.gmacPerSecond.toFixed(2)}${n.macKind === "binary" ? " bin" : ""}`,
    ]),
  ];
  const opRows = [
    ["Op", "Nodes", "ms", "Share", "MACs"],
    ...p.ops.map((o) => [o.op, String(o.count), o.ms.toFixed(3), pct(o.share), fmtMacs(o.macs)]),
  ];
  return [
    `Per-node profile, input [${p.inputShape.join(", ")}], medians of ${p.runs} runs:`,
    "",
    ...table(nodeRows, new Set([0, 4, 5, 6, 7])),
    "",
    "By op:",
    "",
    ...table(opRows, new Set([1, 2, 3, 4])),
    "",
    `Nodes: ${p.nodesMs.toFixed(3)} ms of ${p.wholeMs.toFixed(3)} ms per run; ` +
      `${fmtMacs(p.macs.binary)} binary MACs, ${fmtMacs(p.macs.float)} float MACs.`,
    "",
  ].join("\n");
}
