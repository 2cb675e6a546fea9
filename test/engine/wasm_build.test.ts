/**
 * Rebuilds the kernels with the pinned @yowasp/clang into a temporary folder and checks that the committed .wasm
 * files are exactly what the sources produce (~15-30 s).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";

describe("engine wasm build", () => {
  it("rebuilds lce.wasm, lce-scalar.wasm and lce-mt.wasm byte-identically (SHA-256) from the C sources", { timeout: 180_000 }, async () => {
    const script = new URL("../../../scripts/build-wasm.mjs", import.meta.url).href;
    const { buildWasm, kernelDir } = (await import(script)) as {
      buildWasm: (outDir: string) => Promise<Record<string, string>>;
      kernelDir: string;
    };
    const dir = await mkdtemp(path.join(tmpdir(), "larq-ts-wasm-"));
    try {
      const rebuilt = await buildWasm(dir);
      assert.deepEqual(Object.keys(rebuilt).sort(), ["lce-mt.wasm", "lce-scalar.wasm", "lce.wasm"]);
      for (const [name, hash] of Object.entries(rebuilt)) {
        const committed = createHash("sha256")
          .update(await readFile(path.join(kernelDir, name)))
          .digest("hex");
        assert.equal(hash, committed, `${name}: rebuilt ${hash} != committed ${committed}; run npm run build:wasm`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
