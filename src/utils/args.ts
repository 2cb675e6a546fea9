/**
 * Rejection of unknown constructor arguments, as Keras rejects unknown keyword arguments, with a
 * suggestion of the intended name (snake_case spelling → camelCase, typos → nearest known name).
 */
import { describeValue } from "./errors.js";

/** snake_case (or kebab-case) → camelCase: `kernel_quantizer` → `kernelQuantizer`. */
export function snakeToCamel(name: string): string {
  return name.replace(/[_-]+([A-Za-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Levenshtein edit distance between two strings. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
    }
    previous = current;
  }
  return previous[b.length];
}

function fold(name: string): string {
  return name.replace(/[_-]/g, "").toLowerCase();
}

/**
 * The known name that `name` most likely means, or `undefined` when none is close.
 *
 * @remarks
 * In order: its camelCase form (`pad_values` → `padValues`); a name equal up to case and underscores
 * (`KernelQuantizer`); the nearest name by edit distance on the case-folded spellings, at most
 * max(2, ⌊length/4⌋) edits away (`kernelQuantiser` → `kernelQuantizer`); a unique known name that
 * starts with `name` (`update` → `updateFreq`).
 */
export function suggestName(name: string, known: Iterable<string>): string | undefined {
  const names = [...known];
  const camel = snakeToCamel(name);
  if (camel !== name && names.includes(camel)) return camel;
  const folded = fold(name);
  const same = names.find((n) => fold(n) === folded);
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(folded.length / 4)) + 1;
  for (const candidate of names) {
    const d = editDistance(folded, fold(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best !== undefined) return best;
  if (folded.length >= 3) {
    const prefixed = names.filter((n) => fold(n).startsWith(folded));
    if (prefixed.length === 1) return prefixed[0];
  }
  return undefined;
}

/**
 * The message of an unknown argument `name` (given `value`) of `owner`: names the argument and the value,
 * suggests the intended name and lists the known ones.
 */
export function unknownArgumentMessage(owner: string, name: string, known: Iterable<string>, value?: unknown): string {
  const names = [...known];
  const suggestion = suggestName(name, names);
  const hint = suggestion === undefined ? "" : ` Did you mean "${suggestion}"?`;
  const camel = snakeToCamel(name);
  const style =
    suggestion !== undefined && suggestion === camel && camel !== name
      ? " larq-ts takes camelCase arguments (Python larq's snake_case names are read only from saved configs)."
      : "";
  const received = value === undefined ? "" : ` (received ${describeValue(value)})`;
  return `Invalid ${name}: ${owner} has no argument "${name}"${received}.${hint}${style} Known arguments: ${names.sort().join(", ")}.`;
}

/**
 * Keys that tfjs adds to every config it deserializes (`customObjects`, in `deserializeKerasObject`):
 * accepted by {@link checkArgNames} but never suggested.
 */
export const DESERIALIZATION_KEYS: readonly string[] = Object.freeze(["customObjects"]);

/**
 * Throws when `args` has a key (with a value other than `undefined`) that is not in `known`, as Keras
 * raises `TypeError: Keyword argument not understood`.
 *
 * @param owner - the class or function named in the message (`"QuantDense"`).
 * @param args - the arguments object (not checked when it is not a plain object).
 * @param known - the accepted argument names (camelCase). {@link DESERIALIZATION_KEYS} are accepted too.
 * @throws an `Error` naming the first unknown argument and, where one is close, the intended name.
 *
 * @example
 * ```ts
 * checkArgNames("QuantDense", { units: 2, kernel_quantizer: "ste_sign" }, ["units", "kernelQuantizer"]);
 * // Error: Invalid kernel_quantizer: QuantDense has no argument "kernel_quantizer" (received "ste_sign"). Did you mean "kernelQuantizer"? …
 * ```
 */
export function checkArgNames(owner: string, args: unknown, known: Iterable<string>): void {
  if (args === null || typeof args !== "object" || Array.isArray(args)) return;
  const allowed = known instanceof Set ? (known as Set<string>) : new Set(known);
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined || allowed.has(key) || DESERIALIZATION_KEYS.includes(key)) continue;
    throw new Error(unknownArgumentMessage(owner, key, allowed, value));
  }
}
