/**
 * Helpers for argument validation with uniform, informative messages.
 */

/** Formats a value for an error message: strings quoted, objects as JSON (truncated). */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return `function ${value.name || "<anonymous>"}`;
  if (value === undefined) return "undefined";
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return String(value);
    return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch {
    return String(value);
  }
}

/**
 * Throws a `ValueError`-style `Error` naming the argument, what was expected and the value received.
 *
 * @example
 * ```ts
 * invalidArgument("clipValue", -1, "a positive number or null");
 * // Error: Invalid clipValue: expected a positive number or null, received -1.
 * ```
 */
export function invalidArgument(name: string, value: unknown, expected: string): never {
  throw new Error(`Invalid ${name}: expected ${expected}, received ${describeValue(value)}.`);
}

/** Checks that `value` is a finite number (or `null` when `allowNull`), else throws naming `name`. */
export function checkNumber(
  name: string,
  value: unknown,
  options: { allowNull?: boolean; min?: number; exclusiveMin?: boolean; integer?: boolean } = {},
): number | null {
  if (value === null && options.allowNull) return null;
  const expected =
    (options.integer ? "an integer" : "a finite number") +
    (options.min !== undefined ? ` ${options.exclusiveMin ? ">" : ">="} ${options.min}` : "") +
    (options.allowNull ? " or null" : "");
  if (typeof value !== "number" || !Number.isFinite(value)) invalidArgument(name, value, expected);
  if (options.integer && !Number.isInteger(value)) invalidArgument(name, value, expected);
  if (options.min !== undefined) {
    if (options.exclusiveMin ? value <= options.min : value < options.min) invalidArgument(name, value, expected);
  }
  return value;
}
