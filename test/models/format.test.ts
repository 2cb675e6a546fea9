/**
 * Number formatting against larq's own test cases and against values printed by CPython
 * (written down here as literals; Python rounds exact ties half to even).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  formatFixed,
  formatGeneral,
  formatScientific,
  memoryAsReadableStr,
  numberAsReadableStr,
  pythonFloatRepr,
  roundScaledHalfEven,
} from "../../src/models/index.js";

describe("memoryAsReadableStr", () => {
  it("matches larq's test_memory_as_readable_str for 2^i bits, i = 0..43", () => {
    const expected = [
      "0.12 B",
      "0.25 B",
      "0.50 B",
      "1.00 B",
      "2.00 B",
      "4.00 B",
      "8.00 B",
      "16.00 B",
      "32.00 B",
      "64.00 B",
      "128.00 B",
      "256.00 B",
      "512.00 B",
      "1.00 KiB",
      "2.00 KiB",
      "4.00 KiB",
      "8.00 KiB",
      "16.00 KiB",
      "32.00 KiB",
      "64.00 KiB",
      "128.00 KiB",
      "256.00 KiB",
      "512.00 KiB",
      "1.00 MiB",
      "2.00 MiB",
      "4.00 MiB",
      "8.00 MiB",
      "16.00 MiB",
      "32.00 MiB",
      "64.00 MiB",
      "128.00 MiB",
      "256.00 MiB",
      "512.00 MiB",
      "1.00 GiB",
      "2.00 GiB",
      "4.00 GiB",
      "8.00 GiB",
      "16.00 GiB",
      "32.00 GiB",
      "64.00 GiB",
      "128.00 GiB",
      "256.00 GiB",
      "512.00 GiB",
      "1,024.00 GiB",
    ];
    assert.equal(expected.length, 44);
    expected.forEach((text, i) => assert.equal(memoryAsReadableStr(2 ** i), text, `2^${i} bits`));
  });

  it("prints the summary sizes of larq's snapshots", () => {
    assert.equal(memoryAsReadableStr(1245600), "152.05 KiB");
    assert.equal(memoryAsReadableStr(0), "0.00 B");
    assert.equal(memoryAsReadableStr(3760), "470.00 B");
    assert.equal(memoryAsReadableStr(2 ** 53), "1,048,576.00 GiB");
  });

  it("rejects non-numbers naming the argument", () => {
    assert.throws(() => memoryAsReadableStr("8" as unknown as number), /numBits.*"8"/);
  });
});

describe("numberAsReadableStr", () => {
  it("matches larq's cases", () => {
    assert.equal(numberAsReadableStr(1e16), "1.00E+16");
    assert.equal(numberAsReadableStr(999500), "1 M");
    assert.equal(numberAsReadableStr(40746), "40.7 k");
    assert.equal(numberAsReadableStr(1952), "1.95 k");
    assert.equal(numberAsReadableStr(38794), "38.8 k");
    assert.equal(numberAsReadableStr(1411968), "1.41 M");
    assert.equal(numberAsReadableStr(884736), "885 k");
    assert.equal(numberAsReadableStr(896), "896");
    assert.equal(numberAsReadableStr(0), "0");
  });

  it("rounds 3-significant-figure ties half to even like Python", () => {
    // CPython: f"{998500:.3g}" == "9.98e+05" and f"{1225:.3g}" == "1.22e+03"
    assert.equal(numberAsReadableStr(998500), "998 k");
    assert.equal(numberAsReadableStr(1225), "1.22 k");
    assert.equal(numberAsReadableStr(1235), "1.24 k");
    assert.equal(numberAsReadableStr(2.5e12), "2.5 T");
    assert.equal(numberAsReadableStr(5e14), "500 T");
    assert.equal(numberAsReadableStr(999.5), "1 k"); // f"{999.5:.3g}" == "1e+03"
    assert.equal(numberAsReadableStr(12.5), "12.5");
    assert.equal(numberAsReadableStr(1e15), "1.00E+15");
  });
});

describe("Python float formats", () => {
  it("formatFixed rounds exact ties to even and keeps binary inexact values as Python does", () => {
    const cases: [number, number, string][] = [
      [0.125, 2, "0.12"],
      [0.375, 2, "0.38"],
      [2.5, 0, "2"],
      [3.5, 0, "4"],
      [1.005, 2, "1.00"], // 1.005 is 1.00499999999999989… in binary
      [2.675, 2, "2.67"],
      [0.95526276977533, 2, "0.96"],
      [0.11243, 4, "0.1124"],
      [-0.0, 2, "-0.00"],
      [-1.25, 1, "-1.2"],
      [12345.675, 2, "12345.67"],
    ];
    for (const [x, d, text] of cases) assert.equal(formatFixed(x, d), text, `${x} with ${d} decimals`);
    assert.equal(formatFixed(1234567.125, 2, { thousands: true }), "1,234,567.12");
    assert.equal(formatFixed(999.999, 2, { thousands: true }), "1,000.00");
    assert.equal(formatFixed(NaN, 2), "nan");
    assert.throws(() => formatFixed(1, -1), /decimals.*-1/);
  });

  it("formatGeneral follows %g: switch to exponent notation, strip zeros", () => {
    const cases: [number, number, string][] = [
      [40746, 3, "4.07e+04"],
      [885, 3, "885"],
      [1, 3, "1"],
      [1.41, 3, "1.41"],
      [0.0001234, 3, "0.000123"],
      [0.00001234, 3, "1.23e-05"],
      [999.5, 3, "1e+03"],
      [9.995, 3, "9.99"], // 9.9949999… in binary
      [100, 3, "100"],
      [0, 3, "0"],
      [123456, 1, "1e+05"],
    ];
    for (const [x, p, text] of cases) assert.equal(formatGeneral(x, p), text, `${x} .${p}g`);
  });

  it("formatScientific and pythonFloatRepr", () => {
    assert.equal(formatScientific(1e16, 2), "1.00E+16");
    assert.equal(formatScientific(0, 2), "0.00E+00");
    assert.equal(formatScientific(1.235e-7, 2), "1.23E-07");
    assert.equal(formatScientific(1.25e-7, 1), "1.2E-07");
    assert.equal(formatScientific(1e23, 2), "1.00E+23");
    assert.equal(pythonFloatRepr(885), "885.0");
    assert.equal(pythonFloatRepr(0.5), "0.5");
    assert.equal(pythonFloatRepr(1e-5), "1e-05");
    assert.equal(pythonFloatRepr(1e16), "1e+16");
    assert.equal(pythonFloatRepr(1.5e300), "1.5e+300");
  });

  it("roundScaledHalfEven works on the exact binary value", () => {
    assert.equal(roundScaledHalfEven(0.5, 0), 0n);
    assert.equal(roundScaledHalfEven(1.5, 0), 2n);
    assert.equal(roundScaledHalfEven(0.1, 1), 1n);
    assert.equal(roundScaledHalfEven(1250, -2), 12n);
    assert.equal(roundScaledHalfEven(1350, -2), 14n);
    assert.equal(roundScaledHalfEven(5e-324, 324), 5n); // 4.94…e-324
  });
});
