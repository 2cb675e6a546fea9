/**
 * Test helper (not a test file): small tmpfs mounts for full-disk tests, and an `ENOSPC` error for the
 * fault-injection fallback where mounting is not permitted.
 *
 * Set `LARQ_TS_TEST_NO_TMPFS=1` to take the fallback path even where mounting works (to check it).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, statfs, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A mounted tmpfs. */
export interface Tmpfs {
  /** The mount point. */
  readonly dir: string;
  /** Free bytes for an unprivileged writer (`statfs`). */
  free(): Promise<number>;
  /** Writes `name` with enough bytes that only `leave` bytes stay free (a multiple of the 4 KiB page). */
  fill(name: string, leave?: number): Promise<void>;
  /** Unmounts and removes the mount point. */
  unmount(): Promise<void>;
}

/**
 * Mounts a tmpfs of `size` bytes on a fresh temporary folder, or returns `null` when that is not
 * possible (not Linux, not root, no `CAP_SYS_ADMIN`, or `LARQ_TS_TEST_NO_TMPFS=1`).
 */
export async function mountTmpfs(size: number): Promise<Tmpfs | null> {
  if (process.platform !== "linux" || process.env.LARQ_TS_TEST_NO_TMPFS === "1") return null;
  const dir = await mkdtemp(join(tmpdir(), "larq-ts-tmpfs-"));
  try {
    await run("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  } catch {
    await rm(dir, { recursive: true, force: true });
    return null;
  }
  const free = async () => {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  };
  return {
    dir,
    free,
    async fill(name, leave = 0) {
      await writeFile(join(dir, name), new Uint8Array(Math.max(0, (await free()) - leave)));
    },
    async unmount() {
      await run("umount", [dir]).catch(() => run("umount", ["-l", dir]));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** An error like the one Node.js gives for a write to a full disk. */
export function enospc(syscall = "write"): Error {
  return Object.assign(new Error(`ENOSPC: no space left on device, ${syscall}`), { code: "ENOSPC", errno: -28, syscall });
}
