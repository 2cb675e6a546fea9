/**
 * Number formatting that reproduces Python's float formatting (`f"{x:.2f}"`, `"{x:.3g}"`,
 * `"{x:.2E}"`, `"{x:,.2f}"`, `repr(x)`), as larq's model summary uses it.
 *
 * @remarks
 * Python rounds the *exact* binary value of a double to the requested number of digits and breaks
 * exact ties to the even digit (round-half-to-even); JavaScript's `toFixed` / `toPrecision` break
 * ties upwards, so `(0.125).toFixed(2)` is `"0.13"` where Python prints `"0.12"`. These helpers
 * work on the exact rational value of the double with `BigInt` arithmetic, so every result matches
 * CPython digit for digit.
 *
 * @packageDocumentation
 */
import { checkNumber } from "../utils/errors.js";

/** The exact value of a finite, non-negative double as `num / den` (den a power of two). */
function exactRational(x: number): { num: bigint; den: bigint } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biasedExponent = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exponent: number;
  if (biasedExponent === 0) {
    exponent = -1074; // subnormal
  } else {
    mantissa |= 1n << 52n;
    exponent = biasedExponent - 1075;
  }
  if (exponent >= 0) return { num: mantissa << BigInt(exponent), den: 1n };
  return { num: mantissa, den: 1n << BigInt(-exponent) };
}

/**
 * |x| · 10^decimals rounded to an integer, ties to even (decimals may be negative).
 *
 * @remarks q = round_half_even(|x| · 10^d), computed exactly on the rational value of the double.
 */
export function roundScaledHalfEven(x: number, decimals: number): bigint {
  let { num, den } = exactRational(Math.abs(x));
  if (decimals >= 0) num *= 10n ** BigInt(decimals);
  else den *= 10n ** BigInt(-decimals);
  let q = num / den;
  const twiceRemainder = (num % den) * 2n;
  if (twiceRemainder > den || (twiceRemainder === den && (q & 1n) === 1n)) q += 1n;
  return q;
}

/** The decimal exponent E of a finite x ≠ 0, with 10^E ≤ |x| < 10^(E+1), computed exactly. */
function decimalExponent(x: number): number {
  const { num, den } = exactRational(Math.abs(x));
  let e = Math.floor(Math.log10(Math.abs(x)));
  // log10 can be off by one near powers of ten: correct against the exact value.
  const atLeast = (k: number): boolean => (k >= 0 ? num >= den * 10n ** BigInt(k) : num * 10n ** BigInt(-k) >= den);
  while (!atLeast(e)) e -= 1;
  while (atLeast(e + 1)) e += 1;
  return e;
}

function nonFinite(x: number): string | null {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  return null;
}

function isNegative(x: number): boolean {
  return x < 0 || Object.is(x, -0);
}

function groupThousands(integerDigits: string): string {
  return integerDigits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * Python's fixed-point format `f"{x:.{decimals}f}"` (with `thousands: true`: `f"{x:,.{decimals}f}"`).
 *
 * @remarks Rounds the exact value of `x` half to even; negative zero keeps its sign as in Python.
 * @example
 * ```ts
 * formatFixed(0.125, 2);                          // "0.12"  (JS toFixed gives "0.13")
 * formatFixed(1048576, 2, { thousands: true });   // "1,048,576.00"
 * ```
 */
export function formatFixed(x: number, decimals: number, options: { thousands?: boolean } = {}): string {
  checkNumber("decimals", decimals, { integer: true, min: 0 });
  const special = nonFinite(x);
  if (special !== null) return special;
  const digits = roundScaledHalfEven(x, decimals)
    .toString()
    .padStart(decimals + 1, "0");
  let integerPart = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals);
  if (options.thousands) integerPart = groupThousands(integerPart);
  return (isNegative(x) ? "-" : "") + integerPart + (decimals > 0 ? `.${fraction}` : "");
}

/** x rounded to `precision` significant digits: digits q (exactly `precision` of them) and exponent E of the first. */
function roundSignificant(x: number, precision: number): { q: bigint; exponent: number } {
  let exponent = decimalExponent(x);
  let q = roundScaledHalfEven(x, precision - 1 - exponent);
  if (q >= 10n ** BigInt(precision)) {
    // Rounding carried into a new digit (9.995 → 10.0): the digits are 10…0.
    exponent += 1;
    q /= 10n;
  }
  return { q, exponent };
}

function exponentSuffix(letter: string, exponent: number): string {
  return `${letter}${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
}

/**
 * Python's scientific format `f"{x:.{decimals}E}"`, e.g. `formatScientific(1e16, 2)` → `"1.00E+16"`.
 *
 * @remarks Mantissa rounded half to even to `decimals + 1` significant digits; exponent with sign
 * and at least two digits.
 */
export function formatScientific(x: number, decimals: number, letter: "E" | "e" = "E"): string {
  checkNumber("decimals", decimals, { integer: true, min: 0 });
  const special = nonFinite(x);
  if (special !== null) return letter === "E" ? special.toUpperCase() : special;
  const sign = isNegative(x) ? "-" : "";
  if (x === 0) return `${sign}0${decimals > 0 ? "." + "0".repeat(decimals) : ""}${exponentSuffix(letter, 0)}`;
  const { q, exponent } = roundSignificant(x, decimals + 1);
  const digits = q.toString();
  const mantissa = decimals > 0 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return sign + mantissa + exponentSuffix(letter, exponent);
}

/**
 * Python's general format `f"{x:.{precision}g}"`: `precision` significant digits, fixed notation
 * when the exponent E satisfies −4 ≤ E < precision, else scientific; trailing zeros removed.
 *
 * @example
 * ```ts
 * formatGeneral(40746, 3);  // "4.07e+04"
 * formatGeneral(1.41, 3);   // "1.41"
 * formatGeneral(1.0, 3);    // "1"
 * ```
 */
export function formatGeneral(x: number, precision: number): string {
  checkNumber("precision", precision, { integer: true, min: 0 });
  const special = nonFinite(x);
  if (special !== null) return special;
  const p = precision === 0 ? 1 : precision;
  const sign = isNegative(x) ? "-" : "";
  if (x === 0) return `${sign}0`;
  const { q, exponent } = roundSignificant(x, p);
  const digits = q.toString();
  const strip = (s: string): string => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  if (exponent >= -4 && exponent < p) {
    const decimals = p - 1 - exponent;
    const padded = digits.padStart(decimals + 1, "0");
    const intPart = padded.slice(0, padded.length - decimals);
    const fixed = decimals > 0 ? `${intPart}.${padded.slice(padded.length - decimals)}` : intPart;
    return sign + strip(fixed);
  }
  const mantissa = digits.length > 1 ? strip(`${digits[0]}.${digits.slice(1)}`) : digits;
  return sign + mantissa + exponentSuffix("e", exponent);
}

/**
 * Python's `repr(x)` / `str(x)` of a float: the shortest digits that round-trip, in fixed notation
 * with at least one decimal (`"885.0"`) for 1e-4 ≤ |x| < 1e16, else scientific (`"1e-05"`, `"1e+16"`).
 */
export function pythonFloatRepr(x: number): string {
  const special = nonFinite(x);
  if (special !== null) return special;
  if (x === 0) return isNegative(x) ? "-0.0" : "0.0";
  const abs = Math.abs(x);
  if (abs >= 1e-4 && abs < 1e16) {
    // Number#toString is fixed-point in this whole range and uses the same shortest digits.
    const text = String(x);
    return text.includes(".") ? text : `${text}.0`;
  }
  const [mantissa, exp] = x.toExponential().split("e");
  const exponent = Number(exp);
  return mantissa + exponentSuffix("e", exponent);
}

/**
 * A count as larq prints it: 3 significant figures with a k / M / B / T suffix
 * (`40746` → `"40.7 k"`, `999500` → `"1 M"`, `885` → `"885"`), scientific from 10^15 on
 * (`1e16` → `"1.00E+16"`).
 *
 * @remarks
 * The number is first rounded to 3 significant figures (so that 999 500 becomes 1 M rather than
 * 1000 k); below 1000 it is printed without trailing zeros; otherwise it is divided by 1000 up to
 * four times and printed with 3 significant figures plus the unit. Rounding is half to even as in
 * Python.
 */
export function numberAsReadableStr(num: number): string {
  checkNumber("num", num);
  let value = Number(formatGeneral(num, 3));
  if (value < 1000) {
    return pythonFloatRepr(value).replace(/0+$/, "").replace(/\.$/, "");
  }
  if (value >= 1e15) return formatScientific(value, 2);
  let magnitude = 0;
  while (Math.abs(value) >= 1000 && magnitude < 4) {
    magnitude += 1;
    value /= 1000;
  }
  return formatGeneral(value, 3).replace(/\.$/, "") + ["", " k", " M", " B", " T"][magnitude];
}

/**
 * A memory size given in bits, in bytes with binary prefixes (B, KiB, MiB, GiB), two decimals and
 * thousands separators: `1` → `"0.12 B"`, `8192` → `"1.00 KiB"`, `2 ** 43` → `"1,024.00 GiB"`.
 *
 * @remarks bytes = bits / 8; the unit is the first of B, KiB, MiB, GiB for which bytes / 1024^i < 1024
 * (GiB when none is). Rounding is half to even as in Python (`0.125` → `"0.12"`).
 */
export function memoryAsReadableStr(numBits: number): string {
  checkNumber("numBits", numBits);
  const suffixes = ["B", "KiB", "MiB", "GiB"];
  const numBytes = numBits / 8;
  let scaled = numBytes;
  let suffix = suffixes[0];
  for (let i = 0; i < suffixes.length; i++) {
    scaled = numBytes / 1024 ** i;
    suffix = suffixes[i];
    if (scaled < 1024) break;
  }
  return `${formatFixed(scaled, 2, { thousands: true })} ${suffix}`;
}
