#!/usr/bin/env node
/**
 * Builds the bitpacked engine kernels (src/engine/kernels/*.c) into WebAssembly with the npm package
 * @yowasp/clang (clang and wasm-ld compiled to wasm, pinned in package.json), so no system compiler is needed and
 * the output is byte-identical on every machine.
 *
 * Three modules are produced:
 *   lce.wasm         SIMD128 build (scalar and SIMD GEMM kernels, SIMD sign-packing)
 *   lce-scalar.wasm  the fallback for engines without SIMD128 (scalar kernels only)
 *   lce-mt.wasm      the SIMD128 build on an imported shared memory, for the engine's worker threads
 *
 * Usage: `npm run build:wasm` (writes into src/engine/kernels/), or `node scripts/build-wasm.mjs <outDir>`.
 * The test test/engine/wasm_build.test.ts rebuilds into a temporary folder and compares SHA-256 hashes with the
 * committed files.
 *
 * Compile (-c) and link (wasm-ld) run as separate steps: the clang driver would otherwise run wasm-opt when one is
 * found on PATH, which would make the bytes depend on the machine.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const kernelDir = path.resolve(here, "../src/engine/kernels");

/** Flags shared by every translation unit. */
const COMMON = ["--target=wasm32", "-O3", "-ffreestanding", "-nostdlib", "-fno-builtin", "-Wall", "-Werror", "-c"];
/** The scalar popcount tile must stay scalar: auto-vectorised i64x2 popcounts run about 2x slower in V8. */
const NO_VECTORIZE = ["-fno-vectorize", "-fno-slp-vectorize"];
/**
 * Loop strength reduction turns the tile's pointer walks into pointer + constant adds that the wasm backend cannot
 * fold into load offsets (one extra add per load); without it every load carries its constant offset.
 */
const NO_LSR = ["-mllvm", "-disable-lsr"];
const LINK = ["--no-entry", "--export=__heap_base", "--initial-memory=1114112", "--stack-first", "-z", "stack-size=65536", "--strip-all"];

/** Translation units grouped by the extra flags they get (one clang call per group: each call costs seconds). */
const UNITS = [
  { srcs: ["gemm_scalar.c"], flags: [...NO_VECTORIZE, ...NO_LSR] },
  { srcs: ["gemm_simd.c", "epilogue.c", "ops.c", "float.c"], flags: NO_LSR },
];

/** A single-threaded module owns (and exports) its memory. */
const OWN_MEMORY = ["--export-memory"];
/**
 * The threaded module imports a shared memory (env.memory) that every worker's instance of it uses; the data
 * segments are then initialised once, by the first instance. Each instance has its own `__stack_pointer`, all
 * starting at the same address: the pool points each worker's at a stack of its own, hence the export.
 * The declared maximum is wasm32's 4 GiB; the engine creates the memory with a smaller maximum where it must.
 */
const SHARED_MEMORY = ["--import-memory", "--shared-memory", "--max-memory=4294967296", "--export=__stack_pointer"];

/** The module variants: SIMD128, scalar fallback, and the threaded SIMD128 build (shared memory + atomics). */
export const VARIANTS = [
  { out: "lce.wasm", flags: ["-msimd128"], link: OWN_MEMORY },
  { out: "lce-scalar.wasm", flags: ["-mno-simd128"], link: OWN_MEMORY },
  { out: "lce-mt.wasm", flags: ["-msimd128", "-matomics", "-mbulk-memory", "-mmutable-globals"], link: SHARED_MEMORY },
];

/** Runs a yowasp command, turning a non-zero exit into an Error with the tool's output. */
async function run(command, args, files) {
  const { commands } = await import("@yowasp/clang");
  let log = "";
  const sink = (bytes) => {
    if (bytes) log += new TextDecoder().decode(bytes);
  };
  try {
    return await commands[command](args, files, { stdout: sink, stderr: sink });
  } catch (err) {
    throw new Error(`${command} ${args.join(" ")} failed:\n${log}\n${err}`, { cause: err });
  }
}

/**
 * Builds both variants into `outDir` and returns `{ [fileName]: sha256hex }`.
 * @param {string} outDir
 */
export async function buildWasm(outDir = kernelDir) {
  const sources = {};
  for (const name of await readdir(kernelDir)) {
    if (name.endsWith(".c") || name.endsWith(".h")) sources[name] = await readFile(path.join(kernelDir, name));
  }
  await mkdir(outDir, { recursive: true });
  const hashes = {};
  for (const variant of VARIANTS) {
    const objects = {};
    for (const unit of UNITS) {
      const tree = await run("clang", [...COMMON, ...variant.flags, ...unit.flags, ...unit.srcs], { ...sources });
      for (const src of unit.srcs) {
        const obj = src.replace(/\.c$/, ".o");
        if (!(tree[obj] instanceof Uint8Array)) throw new Error(`clang produced no ${obj}`);
        objects[obj] = tree[obj];
      }
    }
    const tree = await run("wasm-ld", [...LINK, ...variant.link, ...Object.keys(objects), "-o", variant.out], objects);
    const bytes = tree[variant.out];
    await writeFile(path.join(outDir, variant.out), bytes);
    hashes[variant.out] = createHash("sha256").update(bytes).digest("hex");
  }
  return hashes;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] ? path.resolve(process.argv[2]) : kernelDir;
  const hashes = await buildWasm(outDir);
  for (const [name, hash] of Object.entries(hashes)) console.log(`${name}  sha256 ${hash}`);
  // The engine's default source: the same bytes as base64 modules (see scripts/embed-wasm.mjs).
  const { embedWasm } = await import("./embed-wasm.mjs");
  await embedWasm(outDir);
}
