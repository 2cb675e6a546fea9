/**
 * Runtime loading, allocator and argument checking.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

import { WasmAllocator } from "../../src/engine/allocator.js";
import { packBits, packFilter } from "../../src/engine/bitpacking.js";
import { filterTapSums } from "../../src/engine/ops.js";
import { referenceBConv2D, referenceBMaxPool } from "../../src/engine/reference.js";
import { valuesWithZeros } from "./fixtures.js";
import { defaultWasmUrl, embeddedWasm, Engine, loadEngine, loadWasmBytes, simdSupported } from "../../src/engine/runtime.js";

describe("engine runtime", () => {
  it("finds the committed modules from the build folder and detects SIMD", async () => {
    assert.equal(simdSupported(), true, "Node 20 supports SIMD128");
    const url = defaultWasmUrl(true);
    assert.match(url.pathname, /\/src\/engine\/kernels\/lce\.wasm$/);
    assert.match(defaultWasmUrl(false).pathname, /\/src\/engine\/kernels\/lce-scalar\.wasm$/);
    const bytes = await loadWasmBytes(url);
    assert.deepEqual(Array.from(bytes.subarray(0, 4)), [0, 0x61, 0x73, 0x6d]);
  });

  it("embeds the committed modules byte for byte (the default source, found by every bundler)", async () => {
    for (const simd of [true, false, "threads"] as const) {
      const embedded = await embeddedWasm(simd);
      const file = await readFile(fileURLToPath(defaultWasmUrl(simd)));
      assert.equal(embedded.length, file.length, `simd=${simd}: length`);
      assert.ok(Buffer.from(embedded).equals(file), `simd=${simd}: the base64 module is stale; run node scripts/embed-wasm.mjs`);
    }
    const scalar = await Engine.create({ simd: false });
    assert.equal(scalar.simd, false, "the default scalar source is the scalar build");
  });

  it("loads once when called without options and calibrates the GEMM kernel", async () => {
    const a = await loadEngine();
    const b = await loadEngine();
    assert.equal(a, b);
    assert.ok(a.simd);
    assert.ok(a.calibration.scalarMs > 0 && a.calibration.simdMs > 0);
    const faster = a.calibration.simdMs < a.calibration.scalarMs ? "simd" : "scalar";
    assert.equal(a.gemmKernel, faster);
  });

  it("accepts the module as bytes, a path or a file URL (override option)", async () => {
    const url = defaultWasmUrl(false);
    const path = fileURLToPath(url);
    for (const wasm of [await readFile(path), path, url, url.href]) {
      const e = await Engine.create({ wasm: wasm as Uint8Array | string | URL });
      assert.equal(e.simd, false, `loaded the scalar module from ${typeof wasm}`);
    }
  });

  it("rejects bad options and sources", async () => {
    await assert.rejects(Engine.create({ gemmKernel: "gpu" as never }), /Invalid gemmKernel.*"gpu"/);
    await assert.rejects(Engine.create({ simd: false, gemmKernel: "simd" }), /Invalid gemmKernel.*"simd"/);
    await assert.rejects(Engine.create({ simd: "yes" as never }), /Invalid simd.*"yes"/);
    await assert.rejects(loadWasmBytes(42 as never), /Invalid wasm.*received 42/);
    await assert.rejects(loadWasmBytes("/nonexistent/lce.wasm"), /ENOENT/);
  });

  it("rejects bad op records, tensors and shapes, naming the argument", async () => {
    const e = await loadEngine();
    const before = e.allocatedBytes;
    assert.throws(() => e.createBConv2D({ kernelSize: [3, 3], inChannels: 0, outChannels: 1 }, []), /Invalid inChannels.*received 0/);
    assert.throws(() => e.createBConv2D({ kernelSize: [3, 3], inChannels: 1, outChannels: 1 }, [1]), /filter\.length.*received 1/);
    assert.throws(
      () => e.createBDense({ inChannels: 2, outChannels: 2, transform: { kind: "float", bias: [NaN, 0] } }, [1, 1, 1, 1]),
      /transform\.bias\[0\].*NaN|null/,
    );
    assert.equal(e.allocatedBytes, before, "failed creations allocate nothing");
    const op = e.createBConv2D({ kernelSize: [3, 3], inChannels: 2, outChannels: 3, padding: "valid" }, new Float32Array(54));
    const x = e.tensor([1, 4, 4, 2], "bits");
    const xf = e.tensor([1, 4, 4, 2], "float32");
    const yGood = e.tensor([1, 2, 2, 3], "float32");
    const yBad = e.tensor([1, 2, 3, 3], "float32");
    const yBits = e.tensor([1, 2, 2, 3], "bits");
    assert.throws(() => op.run(xf, yGood), /Invalid input\.dtype.*"float32"/);
    assert.throws(() => op.run(x, yBits), /Invalid output\.dtype.*"bits"/);
    assert.throws(() => op.run(x, yBad), /Invalid output\.shape.*\[1,2,3,3\]/);
    assert.throws(() => op.outputShape([1, 4, 4, 5]), /Invalid inputShape\[3\].*received 5/);
    assert.throws(() => op.outputShape([1, 2, 2, 2]), /Invalid input size.*received 2/);
    assert.throws(() => e.tensor([1, 0], "bits"), /Invalid shape/);
    assert.throws(() => e.tensor([1], "int8" as never), /Invalid dtype.*"int8"/);
    assert.throws(() => e.writeFloat(xf, new Float32Array(3)), /Invalid data\.length.*received 3/);
    assert.throws(() => e.readFloat(xf, new Float32Array(2)), /Invalid out.*received 2/);
    assert.throws(() => e.writeBits(x, packBits([1], [1])), /Invalid data\.length/);
    assert.throws(() => e.signPack(xf, e.tensor([1, 4, 4, 3], "bits")), /Invalid output\.shape/);
    assert.throws(() => e.bmaxpool({ poolSize: [2, 2], padding: "full" as never }, x, x), /Invalid padding.*"full"/);
    x.dispose();
    assert.throws(() => op.run(x, yGood), /Invalid input.*disposed/);
    op.dispose();
    const x2 = e.tensor([1, 4, 4, 2], "bits");
    assert.throws(() => op.run(x2, yGood), /disposed/);
    for (const t of [xf, yGood, yBad, yBits, x2]) t.dispose();
  });

  it("allocates 16-byte aligned blocks, merges freed neighbours and grows the memory", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const alloc = new WasmAllocator(memory, 100);
    const a = alloc.alloc(10);
    const b = alloc.alloc(20);
    const c = alloc.alloc(30);
    assert.deepEqual([a, b, c], [112, 128, 160]);
    alloc.dealloc(a);
    alloc.dealloc(b);
    assert.equal(alloc.alloc(48), 112, "a and b merged into one 48-byte block");
    const big = alloc.alloc(200_000);
    assert.ok(big + 200_000 <= memory.buffer.byteLength, "memory grew");
    assert.equal(memory.buffer.byteLength % 65536, 0);
    assert.equal(alloc.allocatedBytes, 48 + 32 + 200_000);
    assert.throws(() => alloc.dealloc(999), /Invalid ptr.*999/);
    assert.throws(() => alloc.alloc(0), /Invalid bytes.*received 0/);
  });

  it("chains binary layers in wasm memory: conv (bits out) -> bmaxpool -> conv (float out) equals the reference chain", async () => {
    const e = await loadEngine();
    const before = e.allocatedBytes;
    const shape = [1, 9, 7, 40];
    const x = valuesWithZeros(9 * 7 * 40, 11);
    const f1 = valuesWithZeros(9 * 40 * 70, 12);
    const f2 = valuesWithZeros(4 * 70 * 3, 13);
    const p1 = {
      kernelSize: [3, 3] as [number, number],
      inChannels: 40,
      outChannels: 70,
      padding: "same" as const,
      transform: { kind: "bits" as const, multiplier: Array.from({ length: 70 }, (_, i) => (i % 3) - 1), bias: 0.5 },
    };
    const pool = { poolSize: [2, 2] as [number, number], padding: "same" as const };
    const p2 = { kernelSize: [2, 2] as [number, number], inChannels: 70, outChannels: 3, padValue: -1 as const, padding: "same" as const };
    // Reference chain on packed arrays.
    const r1 = referenceBConv2D(packBits(x, shape), shape, packFilter(f1, [3, 3, 40, 70]), p1);
    const r2 = referenceBMaxPool(r1.data as Uint32Array, r1.shape, pool);
    const r3 = referenceBConv2D(r2.data as Uint32Array, r2.shape, packFilter(f2, [2, 2, 70, 3]), p2);
    // Engine chain: only the float input and the float output cross into JS.
    const conv1 = e.createBConv2D(p1, f1);
    const conv2 = e.createBConv2D(p2, f2);
    const xf = e.tensor(shape, "float32");
    const xb = e.tensor(shape, "bits");
    const y1 = e.tensor(conv1.outputShape(shape), "bits");
    const y2 = e.tensor(e.bmaxpoolShape(pool, y1.shape), "bits");
    const y3 = e.tensor(conv2.outputShape(y2.shape), "float32");
    e.writeFloat(xf, x);
    e.signPack(xf, xb);
    conv1.run(xb, y1);
    e.bmaxpool(pool, y1, y2);
    conv2.run(y2, y3);
    const out = e.readFloat(y3, new Float32Array(r3.data.length));
    assert.deepEqual(y3.shape, r3.shape);
    assert.deepEqual(Array.from(out), Array.from(r3.data));
    for (const t of [xf, xb, y1, y2, y3]) t.dispose();
    conv1.dispose();
    conv2.dispose();
    assert.equal(e.allocatedBytes, before);
  });

  it("sums filter taps for the border correction", () => {
    // cout = 2, one tap of 3 channels: n0 = (+1, -1, -1) -> -1, n1 = (+1, +1, 0 -> +1) -> 3.
    const packed = packFilter([1, 1, -1, 1, -1, 0], [1, 1, 3, 2]);
    assert.deepEqual(Array.from(filterTapSums(packed, 1, 3, 2)), [-1, 3]);
  });
});
