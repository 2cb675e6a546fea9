/**
 * Plain-ASCII table rendering with the layout rules of the Python `terminaltables` package
 * (`AsciiTable`), which larq's summary prints with.
 *
 * @packageDocumentation
 */

/** Column justification. */
export type Justify = "left" | "right" | "center";

/** Layout options of {@link renderAsciiTable}; the defaults are those of `terminaltables.AsciiTable`. */
export interface AsciiTableOptions {
  /** Text embedded at the left of the top border (`+title-----+`); dropped when wider than the table. Default none. */
  title?: string | null;
  /** Draw `|` between columns. Default `true`. */
  innerColumnBorder?: boolean;
  /** Draw a rule below the first row. Default `true`. */
  innerHeadingRowBorder?: boolean;
  /** Draw a rule above the last row. Default `false`. */
  innerFootingRowBorder?: boolean;
  /** Draw a rule between all rows. Default `false`. */
  innerRowBorder?: boolean;
  /** Draw the outer frame. Default `true`. */
  outerBorder?: boolean;
  /** Justification per column index. Default `"left"` for every column. */
  justifyColumns?: Record<number, Justify>;
  /** Spaces left of each cell. Default 1. */
  paddingLeft?: number;
  /** Spaces right of each cell. Default 1. */
  paddingRight?: number;
}

/** True for code points that terminals draw two columns wide (East Asian Wide and Fullwidth). */
function isWide(codePoint: number): boolean {
  return (
    (codePoint >= 0x1100 && codePoint <= 0x115f) ||
    (codePoint >= 0x2e80 && codePoint <= 0x303e) ||
    (codePoint >= 0x3041 && codePoint <= 0x33ff) ||
    (codePoint >= 0x3400 && codePoint <= 0x4dbf) ||
    (codePoint >= 0x4e00 && codePoint <= 0x9fff) ||
    (codePoint >= 0xa000 && codePoint <= 0xa4cf) ||
    (codePoint >= 0xac00 && codePoint <= 0xd7a3) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) ||
    (codePoint >= 0xfe30 && codePoint <= 0xfe4f) ||
    (codePoint >= 0xff00 && codePoint <= 0xff60) ||
    (codePoint >= 0xffe0 && codePoint <= 0xffe6) ||
    (codePoint >= 0x1f300 && codePoint <= 0x1f64f) ||
    (codePoint >= 0x20000 && codePoint <= 0x3fffd)
  );
}

/** Display width of a string: wide characters count 2, everything else 1. */
export function stringWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += isWide(ch.codePointAt(0) ?? 0) ? 2 : 1;
  return width;
}

/** Python's `str.splitlines()` for `\n`, `\r\n` and `\r`: no trailing empty line, `[]` for "". */
function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r\n|\n|\r/);
  if (/(\r\n|\n|\r)$/.test(text)) lines.pop();
  return lines;
}

/** The lines of a cell as terminaltables splits them: at least one, plus an empty one after a trailing newline. */
function cellLines(cell: string): string[] {
  const lines = splitLines(cell);
  if (lines.length === 0) lines.push("");
  if (cell.endsWith("\n")) lines.push("");
  return lines;
}

function justifyLine(line: string, align: Justify, width: number): string {
  const pad = width - stringWidth(line);
  if (pad <= 0) return line;
  if (align === "right") return " ".repeat(pad) + line;
  if (align === "center") {
    // Python's str.center puts the odd extra space on the left only when the target width is odd.
    const total = line.length + pad;
    const left = Math.floor(pad / 2) + (pad & total & 1);
    return " ".repeat(left) + line + " ".repeat(pad - left);
  }
  return line + " ".repeat(pad);
}

function alignAndPadCell(cell: string, align: Justify, width: number, height: number, left: number, right: number): string {
  const aligned = cellLines(cell)
    .map((line) => justifyLine(line, align, width))
    .join("\n");
  const alignedLines = splitLines(aligned);
  if (alignedLines.length === 0) alignedLines.push("");
  let padded = alignedLines.map((line) => " ".repeat(left) + line + " ".repeat(right)).join("\n");
  const extra = height - 1 - (padded.match(/\n/g)?.length ?? 0);
  for (let i = 0; i < extra; i++) padded += `\n${" ".repeat(width + left + right)}`;
  return padded;
}

function joinRow(row: string[], left: string, middle: string, right: string): string {
  if (row.length === 0) return left + right;
  if (!row.some((cell) => cell.includes("\n"))) return left + row.join(middle) + right;
  const split = row.map(cellLines);
  const out: string[] = [];
  for (let r = 0; r < split[0].length; r++) out.push(left + split.map((lines) => lines[r]).join(middle) + right);
  return out.join("\n");
}

/**
 * Renders rows of string cells as an ASCII table (`+`, `-`, `|`), multi-line cells allowed.
 *
 * @remarks
 * Each column is as wide as its widest line plus the padding; cells are justified per column;
 * a multi-line cell makes its whole row that many lines high; the title, when it fits, replaces the
 * start of the top border. Output has no trailing newline.
 *
 * @example
 * ```ts
 * renderAsciiTable([["a", "b"], ["1", "22"]], { title: "t" });
 * // +t--+----+
 * // | a | b  |
 * // +---+----+
 * // | 1 | 22 |
 * // +---+----+
 * ```
 */
export function renderAsciiTable(rows: string[][], options: AsciiTableOptions = {}): string {
  const innerColumnBorder = options.innerColumnBorder ?? true;
  const innerHeadingRowBorder = options.innerHeadingRowBorder ?? true;
  const innerFootingRowBorder = options.innerFootingRowBorder ?? false;
  const innerRowBorder = options.innerRowBorder ?? false;
  const outerBorder = options.outerBorder ?? true;
  const paddingLeft = options.paddingLeft ?? 1;
  const paddingRight = options.paddingRight ?? 1;
  const justify = options.justifyColumns ?? {};
  const title = options.title ?? null;

  const columns = rows.length === 0 ? 0 : Math.max(...rows.map((r) => r.length));
  const data = rows.map((r) => [...r, ...Array<string>(columns - r.length).fill("")]);
  const contentWidths = Array<number>(columns).fill(0);
  for (const row of data) {
    row.forEach((cell, i) => {
      if (!cell) return;
      // terminaltables measures the longest line (by character count) of each cell.
      const longest = splitLines(cell).reduce((a, b) => (b.length > a.length ? b : a), "");
      contentWidths[i] = Math.max(contentWidths[i], stringWidth(longest));
    });
  }
  const padded = data.map((row) => {
    const height = Math.max(0, ...row.map((cell) => cell.match(/\n/g)?.length ?? 0)) + 1;
    return row.map((cell, i) => alignAndPadCell(cell, justify[i] ?? "left", contentWidths[i], height, paddingLeft, paddingRight));
  });
  const widths = contentWidths.map((w) => w + paddingLeft + paddingRight);
  const rule = (left: string, middle: string, right: string): string =>
    joinRow(
      widths.map((w) => "-".repeat(w)),
      left,
      middle,
      right,
    );

  const lines: string[] = [];
  const maxTitle = widths.reduce((a, b) => a + b, 0) + (innerColumnBorder ? Math.max(0, widths.length - 1) : 0);
  if (outerBorder && title && stringWidth(title) <= maxTitle) {
    const top = rule("+", innerColumnBorder ? "+" : "", "+");
    lines.push(top.slice(0, 1) + title + top.slice(1 + stringWidth(title)));
  } else if (outerBorder) {
    lines.push(rule("+", innerColumnBorder ? "+" : "", "+"));
  }
  const vertical = outerBorder ? "|" : "";
  const separator = innerColumnBorder ? "|" : "";
  const last = padded.length - 1;
  padded.forEach((row, i) => {
    lines.push(joinRow(row, vertical, separator, vertical));
    if (i === last) return;
    const edge = outerBorder ? "+" : "";
    const cross = innerColumnBorder ? "+" : "";
    if (innerRowBorder || (innerHeadingRowBorder && i === 0)) lines.push(rule(edge, cross, edge));
    if (i === last - 1 && innerFootingRowBorder) lines.push(rule(edge, cross, edge));
  });
  if (outerBorder) lines.push(rule("+", innerColumnBorder ? "+" : "", "+"));
  return lines.join("\n");
}
