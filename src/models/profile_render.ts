/**
 * Renderings of a model profile: larq's per-layer table and summary table as cells, and Markdown.
 */
import { formatFixed, memoryAsReadableStr, numberAsReadableStr } from "./format.js";
import { layerMacCount, layerWeightCount, modelMacCount, modelWeightCount, type ModelProfileData } from "./profile_data.js";

/** Options of the summary renderings. */
export interface SummaryOptions {
  /** Include the MAC count and MAC ratios in the summary table. Default `true`. */
  includeMacs?: boolean;
}

/**
 * The per-layer table as larq builds it, cells already formatted: a two-line header, one row per layer and a
 * `Total` row.
 *
 * @remarks
 * Columns: Layer, input precision (`-` when none), outputs, one weight-count column per bit width, memory in kB
 * (8·1024 bits = 1 kB, two decimals, `0` when empty), one MAC column per precision (`?` when unknown). larq always
 * builds this table with the MAC columns, whatever `includeMacs` says; so does this function.
 */
export function profileTableRows(profile: ModelProfileData): string[][] {
  const kb = (bits: number): string => (bits === 0 ? "0" : formatFixed(bits / (8 * 1024), 2));
  const header = [
    "Layer",
    "Input prec.\n(bit)",
    "Outputs",
    ...profile.paramBitwidths.map((b) => `# ${b}-bit\nx 1`),
    "Memory\n(kB)",
    ...profile.macPrecisions.map((p) => `${p}-bit MACs`),
  ];
  const rows = profile.layers.map((l) => [
    l.name,
    l.inputPrecision ? String(l.inputPrecision) : "-",
    l.outputShapeStr,
    ...profile.paramBitwidths.map((b) => String(layerWeightCount(l, { bitwidth: b }))),
    kb(l.memoryBits),
    ...profile.macPrecisions.map((p) => {
      const n = layerMacCount(l, p);
      return n === null ? "?" : String(n);
    }),
  ]);
  const total = [
    "Total",
    "",
    "",
    ...profile.paramBitwidths.map((b) => String(modelWeightCount(profile, { bitwidth: b }))),
    kb(profile.totals.memoryBits),
    ...profile.macPrecisions.map((p) => String(modelMacCount(profile, p))),
  ];
  return [header, ...rows, total];
}

/**
 * The summary table as larq builds it: label / formatted value pairs.
 *
 * @remarks The MAC rows appear only with `includeMacs` (default true); the binarized and ternarized ratio rows
 * only when the ratio is above 0.
 */
export function profileSummaryRows(profile: ModelProfileData, options: SummaryOptions = {}): [string, string][] {
  const t = profile.totals;
  const rows: [string, string][] = [
    ["Total params", numberAsReadableStr(t.totalParams)],
    ["Trainable params", numberAsReadableStr(t.trainableParams)],
    ["Non-trainable params", numberAsReadableStr(t.nonTrainableParams)],
    ["Model size", memoryAsReadableStr(t.memoryBits)],
    ["Model size (8-bit FP weights)", memoryAsReadableStr(t.int8FpWeightsBytes * 8)],
    ["Float-32 Equivalent", memoryAsReadableStr(t.float32EquivalentBytes * 8)],
    ["Compression Ratio of Memory", formatFixed(t.compressionRatio, 2)],
  ];
  if (options.includeMacs ?? true) {
    rows.push(["Number of MACs", numberAsReadableStr(t.macs)]);
    if (t.binarizedMacRatio > 0) rows.push(["Ratio of MACs that are binarized", formatFixed(t.binarizedMacRatio, 4)]);
    if (t.ternarizedMacRatio > 0) rows.push(["Ratio of MACs that are ternarized", formatFixed(t.ternarizedMacRatio, 4)]);
  }
  return rows;
}

/**
 * Markdown rendering: a `### <name> stats` table (header cells on one line, numbers right-aligned) and a
 * `### <name> summary` table.
 */
export function profileMarkdown(profile: ModelProfileData, options: SummaryOptions = {}): string {
  const escape = (cell: string): string => cell.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const line = (cells: string[]): string => `| ${cells.map(escape).join(" | ")} |`;
  const [header, ...body] = profileTableRows(profile);
  return [
    `### ${profile.name} stats`,
    "",
    line(header),
    `|${header.map((_, i) => (i === 0 ? ":---" : "---:")).join("|")}|`,
    ...body.map((row, i) => line(i === body.length - 1 ? [`**${row[0]}**`, ...row.slice(1)] : row)),
    "",
    `### ${profile.name} summary`,
    "",
    "| Metric | Value |",
    "|:---|---:|",
    ...profileSummaryRows(profile, options).map((row) => line(row)),
    "",
  ].join("\n");
}
