/**
 * `lq.models.summary`: larq's bit-aware model summary, printed as two ASCII tables.
 *
 * @packageDocumentation
 */
import { checkModel, ModelProfile } from "./profile.js";
import { renderAsciiTable } from "./table.js";
import { invalidArgument } from "../utils/errors.js";

/** Options of {@link summary}. */
export interface ModelSummaryOptions {
  /**
   * Called once with each table (stats, then summary), without a trailing newline.
   * Default `console.log`.
   */
  printFn?: (text: string) => void;
  /** Include the MAC count and MAC ratios in the summary table. Default `true`. */
  includeMacs?: boolean;
}

/** The `<name> stats` table of a profile, as larq prints it. */
export function statsTable(modelProfile: ModelProfile): string {
  const rows = modelProfile.tableRows();
  const justifyColumns: Record<number, "left" | "right"> = {};
  for (let i = 0; i < rows[0].length; i++) justifyColumns[i] = i === 0 ? "left" : "right";
  return renderAsciiTable(rows, {
    title: `${modelProfile.name} stats`,
    innerColumnBorder: false,
    innerHeadingRowBorder: true,
    innerFootingRowBorder: true,
    justifyColumns,
  });
}

/** The `<name> summary` table of a profile, as larq prints it. */
export function summaryTable(modelProfile: ModelProfile, options: { includeMacs?: boolean } = {}): string {
  return renderAsciiTable(modelProfile.summaryRows(options), {
    title: `${modelProfile.name} summary`,
    innerColumnBorder: false,
    innerHeadingRowBorder: false,
  });
}

/**
 * Prints larq's summary of a model: a per-layer table and a table of totals.
 *
 * @remarks
 * The `<name> stats` table lists per layer the input precision (bits of the input quantizer, `-`
 * without one), the output shape (`multiple` when unknown), the weight count per bit width, the
 * memory in kB (8·1024 bits = 1 kB) and the MACs per precision (`?` for layer types whose MACs
 * larq does not count). A MAC's precision is max(input precision, weight bit width), where a
 * missing input quantizer counts as 32 bits; MACs per weight = weight count · output pixels.
 * The `<name> summary` table gives the total, trainable and non-trainable weight counts
 * (3 significant figures with k/M/B/T), the model size with quantized weights, with float weights
 * stored in 8 bits, and with all weights in float32 (B/KiB/MiB/GiB), the compression ratio, the
 * number of MACs and the ratios of 1-bit (binarized) and 2-bit (ternarized) MACs. A model used as a
 * layer is one row that sums the weights, memory and MACs of its layers, with the input precision of
 * its first layer and the output shape of its last (larq ≥ 0.12.2). The output is
 * character for character that of larq 0.13 (`larq.models.summary`), including its quirk that the
 * stats table keeps its MAC columns when `includeMacs` is false.
 *
 * @param model - a built `tf.LayersModel` / `tf.Sequential`, or any object with `name`, `layers`
 *   and `built` (see `ModelLike`).
 * @returns the printed text: both tables joined by a newline.
 * @throws larq's "This model has not yet been built…" error for an unbuilt model.
 *
 * @example
 * ```ts
 * lq.models.summary(model);                                  // prints to the console
 * const lines: string[] = [];
 * lq.models.summary(model, { printFn: (t) => lines.push(t), includeMacs: false });
 * ```
 */
export function summary(model: unknown, options: ModelSummaryOptions = {}): string {
  const checked = checkModel(model);
  const printFn = options.printFn ?? ((text: string) => console.log(text));
  if (typeof printFn !== "function") invalidArgument("printFn", printFn, "a function (text: string) => void");
  const modelProfile = new ModelProfile(checked);
  const stats = statsTable(modelProfile);
  const totals = summaryTable(modelProfile, { includeMacs: options.includeMacs ?? true });
  printFn(stats);
  printFn(totals);
  return `${stats}\n${totals}`;
}
