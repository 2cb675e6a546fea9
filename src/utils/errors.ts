/**
 * Helpers for argument validation with uniform, informative messages.
 */

const MAX_LENGTH = 200;

function isTensorLike(value: object): value is { shape: number[]; dtype: string; rank?: number } {
  const record = value as { shape?: unknown; dtype?: unknown; dataId?: unknown };
  return Array.isArray(record.shape) && typeof record.dtype === "string" && record.dataId !== undefined;
}

function className(value: object): string | undefined {
  const ctor = (value as { constructor?: { name?: unknown; className?: unknown } }).constructor;
  if (ctor === undefined || ctor === Object) return undefined;
  if (typeof ctor.className === "string") return ctor.className;
  return typeof ctor.name === "string" && ctor.name !== "" ? ctor.name : undefined;
}

/** Writes `value` as JSON-like text, keeping what JSON would lose (NaN, ±Infinity, undefined, functions, tensors). */
function render(value: unknown, seen: Set<object>): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Object.is(value, -0) ? "-0" : String(value); // NaN, Infinity, -Infinity as such
    case "bigint":
      return `${value}n`;
    case "boolean":
      return String(value);
    case "undefined":
      return "undefined";
    case "symbol":
      return value.toString();
    case "function":
      return `function ${value.name || "<anonymous>"}`;
  }
  if (value === null) return "null";
  const object = value as object;
  if (seen.has(object)) return "<circular>";
  if (isTensorLike(object)) return `Tensor(shape [${object.shape.join(", ")}], dtype ${object.dtype})`;
  if (ArrayBuffer.isView(object) && !(object instanceof DataView)) {
    const typed = object as unknown as ArrayLike<number>;
    return `${className(object) ?? "TypedArray"}(${typed.length})`;
  }
  if (object instanceof ArrayBuffer) return `ArrayBuffer(${object.byteLength} bytes)`;
  if (object instanceof Error) return `${object.name}: ${object.message}`;
  seen.add(object);
  try {
    if (Array.isArray(object)) return `[${object.map((v) => render(v, seen)).join(",")}]`;
    const name = className(object);
    const entries = Object.entries(object).map(([k, v]) => `${JSON.stringify(k)}:${render(v, seen)}`);
    const body = `{${entries.join(",")}}`;
    // A class instance (a layer, an optimizer, …) is named by its class; its fields would be noise.
    if (name !== undefined && typeof (object as { getClassName?: unknown }).getClassName === "function") {
      return `${name} instance`;
    }
    return name !== undefined && entries.length === 0 ? `${name} instance` : body;
  } finally {
    seen.delete(object);
  }
}

/**
 * Formats a value for an error message.
 *
 * @remarks
 * Strings are quoted; numbers print as JavaScript writes them, so `NaN`, `Infinity` and `-Infinity` stay
 * visible (JSON would print `null`); `undefined` prints as `undefined`, a function as `function <name>`, a
 * tensor as `Tensor(shape [2, 3], dtype float32)`, a typed array by its type and length, an instance of a
 * class with `getClassName` (layers, optimizers) by its class; objects and arrays as compact JSON-like text.
 * The result is cut at 200 characters.
 *
 * @example
 * ```ts
 * describeValue(NaN); // "NaN"
 * describeValue({ clipValue: Infinity }); // '{"clipValue":Infinity}'
 * ```
 */
export function describeValue(value: unknown): string {
  let text: string;
  try {
    text = render(value, new Set());
  } catch {
    text = String(value);
  }
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH)}…` : text;
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
