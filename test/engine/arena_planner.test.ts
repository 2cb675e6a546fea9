/** ArenaPlanner: first-fit placement inside one growing arena (the node buffers of an EngineModel's plan). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ArenaPlanner } from "../../src/engine/allocator.js";

describe("ArenaPlanner", () => {
  it("places 16-byte aligned blocks, reuses freed space first-fit and merges neighbours", () => {
    const a = new ArenaPlanner();
    const x = a.alloc(10); // 16
    const y = a.alloc(40); // 48
    const z = a.alloc(16);
    assert.deepEqual([x, y, z, a.size], [0, 16, 64, 80]);
    a.dealloc(x);
    a.dealloc(y); // merges with x: 64 free bytes at 0
    assert.equal(a.alloc(64), 0, "the merged hole takes a 64-byte block");
    assert.equal(a.size, 80);
    a.dealloc(z); // the tail is free: a larger block extends it instead of starting after it
    assert.equal(a.alloc(48), 64);
    assert.equal(a.size, 112);
    assert.throws(() => a.dealloc(8), /offset/);
  });
});
