/**
 * Finding and compiling the kernel module: SIMD detection, the bundled module's URL, reading bytes from a URL,
 * path or buffer, and a cache of compiled modules by source.
 *
 * @packageDocumentation
 */
import { invalidArgument } from "../utils/errors.js";
import { importNode } from "../utils/node_import.js";

/** Where to load a kernel module from: a URL, a file path or URL string, or the module bytes. */
export type WasmSource = URL | string | Uint8Array | ArrayBuffer;

// A minimal module using v128 and i8x16.popcnt: validates only where SIMD128 is supported.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** Whether this WebAssembly engine supports SIMD128 (checked with `WebAssembly.validate`). */
export function simdSupported(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/**
 * The bundled module's file URL, resolved from this file (build/src/engine/loader.js → src/engine/kernels/):
 * `true` the SIMD128 build, `false` the scalar one, `"threads"` the SIMD128 build on a shared memory (worker
 * threads; package export `larq-ts/lce-mt.wasm`).
 *
 * @remarks
 * The engine loads the embedded copy ({@link embeddedWasm}) by default; this URL is for serving the `.wasm` file
 * itself (pass it as `engineOptions.wasm`). It is right under Node and unbundled ES modules; in a bundle, import the
 * package exports `larq-ts/lce.wasm` / `larq-ts/lce-scalar.wasm` as assets instead. Each file is named by a
 * literal `new URL("…", import.meta.url)`, the pattern Vite and webpack 5 emit as an asset.
 */
export function defaultWasmUrl(simd: boolean | "threads"): URL {
  if (simd === "threads") return new URL("../../../src/engine/kernels/lce-mt.wasm", import.meta.url);
  return simd
    ? new URL("../../../src/engine/kernels/lce.wasm", import.meta.url)
    : new URL("../../../src/engine/kernels/lce-scalar.wasm", import.meta.url);
}

/** Decodes base64 (the embedded kernel modules) with `atob`, which browsers and Node 16+ provide. */
function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * The bundled kernel module's bytes, from the base64 modules generated next to the .wasm files (the default
 * source of {@link loadEngine}; `simd` as in {@link defaultWasmUrl}). A JavaScript module needs no asset handling: Vite (dev server and build), esbuild
 * and webpack bundle it like any other, and the lazy import keeps the unused variant out of split bundles.
 */
export async function embeddedWasm(simd: boolean | "threads"): Promise<Uint8Array> {
  const { base64 } =
    simd === "threads"
      ? await import("./kernels/lce_mt_wasm.js")
      : simd
        ? await import("./kernels/lce_wasm.js")
        : await import("./kernels/lce_scalar_wasm.js");
  return decodeBase64(base64);
}

/** Reads a {@link WasmSource}: bytes as they are, `file:` URLs and paths with Node's fs, other URLs with fetch. */
export async function loadWasmBytes(source: WasmSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  let url: URL | undefined;
  if (source instanceof URL) url = source;
  else if (typeof source === "string" && /^[a-z][a-z0-9+.-]*:\/\//i.test(source)) url = new URL(source);
  else if (typeof source !== "string") invalidArgument("wasm", source, "a URL, a path or the module bytes");
  if (url && url.protocol !== "file:") {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`Cannot load wasm from ${url.href}: HTTP ${response.status}.`);
    return new Uint8Array(await response.arrayBuffer());
  }
  const fs = await importNode("node:fs/promises");
  return new Uint8Array(await fs.readFile(url ?? (source as string)));
}

const moduleCache = new Map<string, Promise<WebAssembly.Module>>();

/** Compiles a module source (undefined: the embedded module) once per URL or path (bytes are compiled every time). @internal */
export function compileModule(source: WasmSource | undefined, simd: boolean | "threads"): Promise<WebAssembly.Module> {
  const key =
    source === undefined
      ? `embedded:${simd === "threads" ? "threads" : simd ? "simd" : "scalar"}`
      : source instanceof URL || typeof source === "string"
        ? String(source)
        : undefined;
  let module = key ? moduleCache.get(key) : undefined;
  if (!module) {
    const bytes = source === undefined ? embeddedWasm(simd) : loadWasmBytes(source);
    module = bytes.then((b) => WebAssembly.compile(b as Uint8Array<ArrayBuffer>));
    if (key) moduleCache.set(key, module);
  }
  return module;
}
