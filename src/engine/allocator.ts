/**
 * A small first-fit allocator for the engine's wasm memory (weights, activations and scratch buffers).
 *
 * @packageDocumentation
 */
import { invalidArgument } from "../utils/errors.js";

/** Alignment of every block: 16 bytes, so v128 loads of packed rows are aligned. */
export const ALLOC_ALIGN = 16;
const PAGE = 65536;

/**
 * First-fit allocator over `[base, memory end)` of a `WebAssembly.Memory`, growing the memory when no free block
 * fits. Freed neighbours are merged.
 *
 * @remarks Growing the memory detaches every typed-array view of its old buffer: take views after allocating.
 */
export class WasmAllocator {
  private readonly free: { start: number; size: number }[] = [];
  private readonly used = new Map<number, number>();
  private end: number;

  /**
   * @param memory - the module's memory.
   * @param base - first usable byte (the module's `__heap_base`).
   */
  constructor(
    private readonly memory: WebAssembly.Memory,
    base: number,
  ) {
    const start = align(base);
    this.end = memory.buffer.byteLength;
    if (start < this.end) this.free.push({ start, size: this.end - start });
  }

  /** Bytes currently allocated. */
  get allocatedBytes(): number {
    let total = 0;
    for (const size of this.used.values()) total += size;
    return total;
  }

  /** Allocates `bytes` (≥ 1; rounded up to 16) and returns the byte address. */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 1) invalidArgument("bytes", bytes, "a positive integer");
    const size = align(bytes);
    let i = this.free.findIndex((b) => b.size >= size);
    if (i < 0) {
      const last = this.free[this.free.length - 1];
      const tailFree = last && last.start + last.size === this.end ? last.size : 0;
      const pages = Math.ceil((size - tailFree) / PAGE);
      this.memory.grow(pages);
      const grownStart = this.end;
      this.end = this.memory.buffer.byteLength;
      this.release(grownStart, this.end - grownStart);
      i = this.free.findIndex((b) => b.size >= size);
    }
    const block = this.free[i];
    const ptr = block.start;
    if (block.size === size) this.free.splice(i, 1);
    else {
      block.start += size;
      block.size -= size;
    }
    this.used.set(ptr, size);
    return ptr;
  }

  /** Frees a block returned by {@link WasmAllocator.alloc}. */
  dealloc(ptr: number): void {
    const size = this.used.get(ptr);
    if (size === undefined) invalidArgument("ptr", ptr, "an address returned by alloc and not yet freed");
    this.used.delete(ptr);
    this.release(ptr, size);
  }

  private release(start: number, size: number): void {
    insertFree(this.free, start, size);
  }
}

/**
 * First-fit placement of blocks inside one arena that grows at its end: the node buffers of a model's plan, laid
 * out before the arena itself is allocated, so that a buffer freed after its last use is reused by the model's
 * later nodes only — never by another model or op sharing the engine's memory.
 */
export class ArenaPlanner {
  private readonly free: { start: number; size: number }[] = [];
  private readonly used = new Map<number, number>();
  /** Bytes the arena needs (the highest end of any block placed so far). */
  size = 0;

  /** Places a block of `bytes` (rounded up to 16) and returns its offset in the arena. */
  alloc(bytes: number): number {
    const size = align(Math.max(bytes, 1));
    let i = this.free.findIndex((b) => b.size >= size);
    if (i < 0) {
      const last = this.free[this.free.length - 1];
      if (last && last.start + last.size === this.size) {
        this.size += size - last.size;
        last.size = size;
        i = this.free.length - 1;
      } else {
        this.free.push({ start: this.size, size });
        this.size += size;
        i = this.free.length - 1;
      }
    }
    const block = this.free[i];
    const offset = block.start;
    if (block.size === size) this.free.splice(i, 1);
    else {
      block.start += size;
      block.size -= size;
    }
    this.used.set(offset, size);
    return offset;
  }

  /** Frees a block placed by {@link ArenaPlanner.alloc}. */
  dealloc(offset: number): void {
    const size = this.used.get(offset);
    if (size === undefined) invalidArgument("offset", offset, "an offset returned by alloc and not yet freed");
    this.used.delete(offset);
    insertFree(this.free, offset, size);
  }
}

/** Inserts a free block into an address-sorted free list, merging it with adjacent free neighbours. */
function insertFree(free: { start: number; size: number }[], start: number, size: number): void {
  let i = 0;
  while (i < free.length && free[i].start < start) i++;
  free.splice(i, 0, { start, size });
  const next = free[i + 1];
  if (next && start + size === next.start) {
    free[i].size += next.size;
    free.splice(i + 1, 1);
  }
  const prev = free[i - 1];
  if (prev && prev.start + prev.size === start) {
    prev.size += free[i].size;
    free.splice(i, 1);
  }
}

function align(n: number): number {
  return Math.ceil(n / ALLOC_ALIGN) * ALLOC_ALIGN;
}
