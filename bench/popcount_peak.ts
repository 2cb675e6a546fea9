/**
 * The wasm popcount bound, measured in the benchmark's own process: a loop of 64-bit popcounts on registers only
 * (no loads, no stores), the most binary MACs per second any wasm binary kernel can reach on this core.
 *
 * The module is assembled here byte by byte (about 200 bytes), so the bound needs no compiler and does not depend on
 * the engine's build: each step XORs or adds a changing word into four fixed words, popcounts the eight results
 * and accumulates them in four independent 64-bit sums; an iteration is two steps. On x86, V8 lowers `i64.popcnt` to one `popcnt`, which
 * issues on a single port: one popcount, i.e. 64 binary MACs, per cycle is the ceiling, and the loop's other
 * operations (XOR/add, accumulate, the loop counter) fit in the other ALU ports.
 */

/** Steps per loop iteration (each 8 popcounts): two, so that the loop's own overhead is small. */
const STEPS = 2;

/** Binary MACs per loop iteration: 16 64-bit popcounts. */
export const MACS_PER_ITERATION = STEPS * 8 * 64;

const GOLDEN = 0x9e3779b97f4a7c15n;

/** Signed LEB128 of a 64-bit integer (BigInt), as `i64.const` immediates are encoded. */
function sleb128(value: bigint): number[] {
  let v = BigInt.asIntN(64, value);
  const out: number[] = [];
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** Unsigned LEB128 of a small non-negative integer (section and body sizes). */
function uleb128(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb128(body.length), ...body];
}

/** The opcodes the module uses (WebAssembly core specification, binary format). */
const OP = {
  GET: 0x20, // local.get
  SET: 0x21, // local.set
  I64CONST: 0x42,
  I64MUL: 0x7e,
  I64XOR: 0x85,
  I64ADD: 0x7c,
  I64POPCNT: 0x7b,
  I32EQZ: 0x45,
  I32CONST: 0x41,
  I32SUB: 0x6b,
  WRAP: 0xa7, // i32.wrap_i64
  BLOCK: 0x02,
  LOOP: 0x03,
  VOID: 0x40, // empty block type
  BR: 0x0c,
  BR_IF: 0x0d,
  END: 0x0b,
} as const;

/**
 * The bytes of the module: `peak(iterations: i32, w0, w1, w2, w3, x: i64) -> i32`, returning the popcount sum (so
 * nothing is dead code).
 */
export function popcountPeakModule(): Uint8Array<ArrayBuffer> {
  const { GET, SET, I64CONST, I64XOR, I64ADD, I64POPCNT, I32EQZ, I32CONST, I32SUB, WRAP } = OP;
  const { BLOCK, LOOP, VOID, BR, BR_IF, END } = OP;
  // Locals: 0 = iterations (i32), 1..4 = the four fixed words, 5 = the changing word (parameters, so V8 cannot
  // recompute them inside the loop), 6..9 = the four sums.
  const code: number[] = [BLOCK, VOID, LOOP, VOID, GET, 0, I32EQZ, BR_IF, 1];
  for (let step = 0; step < STEPS; step++) {
    for (const op of [I64XOR, I64ADD])
      for (let i = 0; i < 4; i++) code.push(GET, 6 + i, GET, 1 + i, GET, 5, op, I64POPCNT, I64ADD, SET, 6 + i);
    code.push(GET, 5, I64CONST, ...sleb128(GOLDEN), I64ADD, SET, 5);
  }
  code.push(GET, 0, I32CONST, 1, I32SUB, SET, 0, BR, 0, END, END);
  code.push(GET, 6, GET, 7, I64ADD, GET, 8, I64ADD, GET, 9, I64ADD, WRAP, END);
  const body = [1, 4, 0x7e, ...code]; // one group of 4 i64 locals
  const name = [..."peak"].map((c) => c.charCodeAt(0));
  // prettier-ignore
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, [1, 0x60, 6, 0x7f, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 1, 0x7f]), // type: (i32, i64 x 5) -> i32
    ...section(3, [1, 0]), // one function of type 0
    ...section(7, [1, name.length, ...name, 0x00, 0]), // export "peak" = function 0
    ...section(10, [1, ...uleb128(body.length), ...body]),
  ]);
}

/** A compiled popcount loop: `run(iterations)` executes it and returns its popcount sum. */
export interface PopcountPeak {
  run(iterations: number): number;
}

/**
 * Compiles the popcount loop and warms it up (V8 starts wasm in its baseline compiler and tiers up hot functions).
 */
export async function loadPopcountPeak(): Promise<PopcountPeak> {
  const module = await WebAssembly.compile(popcountPeakModule());
  const instance = await WebAssembly.instantiate(module, {});
  const peak = instance.exports.peak as (iterations: number, ...words: bigint[]) => number;
  let seed = 12345n;
  const run = (iterations: number): number => {
    seed++;
    return peak(iterations, seed, seed * 3n, seed * 5n, seed * 7n, seed ^ GOLDEN);
  };
  for (let i = 0; i < 20; i++) run(200_000);
  return { run };
}

/** G binary MAC/s of one call of `iterations` iterations that took `ms` milliseconds. */
export function peakRate(iterations: number, ms: number): number {
  return (iterations * MACS_PER_ITERATION) / ms / 1e6;
}
