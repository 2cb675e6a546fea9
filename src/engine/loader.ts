/**
 * Finding and compiling the kernel module: SIMD detection, the bundled module's URL, reading bytes from a URL,
 * path or buffer, and a cache of compiled modules by source.
 *
 * @packageDocumentation
 */
import { invalidArgument } from "../utils/errors.js";

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

/** The bundled module's URL, resolved from this file (build/src/engine/loader.js → src/engine/kernels/). */
export function defaultWasmUrl(simd: boolean): URL {
  return new URL(`../../../src/engine/kernels/${simd ? "lce.wasm" : "lce-scalar.wasm"}`, import.meta.url);
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
  const fs = await import("node:fs/promises");
  return new Uint8Array(await fs.readFile(url ?? (source as string)));
}

const moduleCache = new Map<string, Promise<WebAssembly.Module>>();

/** Compiles a module source once per URL or path (bytes are compiled every time). @internal */
export function compileModule(source: WasmSource): Promise<WebAssembly.Module> {
  const key = source instanceof URL || typeof source === "string" ? String(source) : undefined;
  let module = key ? moduleCache.get(key) : undefined;
  if (!module) {
    module = loadWasmBytes(source).then((bytes) => WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>));
    if (key) moduleCache.set(key, module);
  }
  return module;
}
