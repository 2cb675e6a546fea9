/**
 * Run-time imports of Node.js built-ins, hidden from browser bundlers.
 *
 * larq-ts reads files only under Node (file:// models, `file:` wasm URLs, zoo weights on disk). A literal
 * `import("node:fs/promises")` makes esbuild and webpack try to bundle the built-in for the browser and fail, so
 * the specifier is passed in a variable and the call is marked for webpack (`webpackIgnore`) and Vite
 * (`@vite-ignore`) to leave alone. In a browser these functions are never reached.
 *
 * @packageDocumentation
 */

/** The Node.js built-ins larq-ts uses, by specifier. */
export interface NodeBuiltins {
  "node:fs/promises": typeof import("node:fs/promises");
  "node:path": typeof import("node:path");
  "node:url": typeof import("node:url");
  "node:worker_threads": typeof import("node:worker_threads");
}

/** Imports a Node.js built-in at run time without exposing the specifier to bundlers. */
export function importNode<K extends keyof NodeBuiltins>(specifier: K): Promise<NodeBuiltins[K]> {
  const name: string = specifier;
  return import(/* webpackIgnore: true */ /* @vite-ignore */ name) as Promise<NodeBuiltins[K]>;
}
