/**
 * Crash-safe writes for Node.js: a file is replaced whole or not at all, and a model folder
 * (`model.json` + its weights file) always holds one consistent model, the previous one or the new one.
 *
 * @remarks
 * **One file** ({@link writeFileAtomic}): the data goes to a temporary file in the target's folder
 * (`.<name>.<pid>.<random>.tmp`, created exclusively), which is flushed to disk (`fsync`), closed and
 * renamed over the target; the folder is then synced so that the rename survives a power cut. A rename
 * within one file system is atomic, so readers and a later crash see either the old file or the new
 * one, never a truncated or partial file. On any failure (full disk, permissions, …) the temporary is
 * removed, the target is left as it was, and an {@link AtomicWriteError} names the target and the cause.
 *
 * **A model folder** ({@link writeModelFolder}): replacing `weights.bin` and then `model.json` in place
 * is not enough even with atomic renames: between the two renames the folder would hold the *old*
 * `model.json` with the *new* `weights.bin` (same byte count for the same architecture, so nothing
 * would even notice). The save therefore goes through a uniquely named weights file:
 *
 * 1. the weights are written (atomically) as `weights.<sha256 prefix>.bin`, a name the old
 *    `model.json` does not reference; the old model stays intact;
 * 2. a `model.json` referencing that file replaces the old one: **the commit point**; from here the
 *    folder holds the new model;
 * 3. `weights.bin` is replaced by a hard link to the new weights file (no data is copied), and a
 *    `model.json` referencing `weights.bin` replaces the one of step 2; both renames keep the folder
 *    consistent because each `model.json` references a file that holds its weights;
 * 4. the weights files of this scheme that the new `model.json` does not reference (`weights.<hex>.bin`,
 *    and `weights.bin` when step 3 could not complete) are removed.
 *
 * So after a successful save the folder holds the usual `model.json` + `weights.bin` (the names
 * tfjs-node writes; `tensorflowjs_converter` and every tfjs loader read any name the manifest gives).
 * A failure in steps 1–2 rejects and leaves the previous model untouched (the new weights file is
 * removed). Steps 3–4 only tidy up after the commit: if they fail (a file system without hard links,
 * a full disk) the save still succeeds and the folder keeps the new model under
 * `weights.<hex>.bin`, referenced by its `model.json`.
 *
 * A process killed mid-save leaves the folder loadable (old or new model) plus, at most, a temporary
 * file, an unreferenced `weights.<hex>.bin` or an unreferenced `weights.bin`. The next save into the
 * folder removes them: before writing, the temporaries whose process id no longer runs on this machine
 * (so writers still running are left alone) and the `weights.<hex>.bin` files the current `model.json`
 * does not reference; after its commit, every weights file of this scheme its new `model.json` does not
 * reference. Files outside the scheme (converter shards, the user's own files) are never touched.
 *
 * Not supported: several processes saving into one folder at the same time (there is no lock; the last
 * one to commit wins, and the tidying of one may remove the uncommitted weights of another).
 *
 * Node modules are loaded lazily so that importing larq-ts in a browser does not pull in `node:fs`.
 *
 * @packageDocumentation
 */

type NodeFs = typeof import("node:fs/promises");
type NodePath = typeof import("node:path");
type NodeCrypto = typeof import("node:crypto");
type FileHandle = import("node:fs/promises").FileHandle;

// Module names in variables so that browser bundlers do not try to resolve Node built-ins.
const FS_MODULE = "node:fs/promises";
const PATH_MODULE = "node:path";
const CRYPTO_MODULE = "node:crypto";

interface NodeModules {
  fs: NodeFs;
  path: NodePath;
  crypto: NodeCrypto;
}

let nodeModules: Promise<NodeModules> | undefined;

function node(): Promise<NodeModules> {
  nodeModules ??= Promise.all([
    import(FS_MODULE) as Promise<NodeFs>,
    import(PATH_MODULE) as Promise<NodePath>,
    import(CRYPTO_MODULE) as Promise<NodeCrypto>,
  ]).then(([fs, path, crypto]) => ({ fs, path, crypto }));
  return nodeModules;
}

/** Name of the topology file of a model folder. */
export const MODEL_JSON_NAME = "model.json";
/** Name of the weights file of a model folder after a successful save. */
export const WEIGHTS_BIN_NAME = "weights.bin";

/** Bytes per `write` call, so that a failure can happen part-way through a large file (and the fault hook can say where). */
const CHUNK_BYTES = 1 << 20;
/** `.<target name>.<pid>.<12 hex digits>.tmp`: the temporaries {@link writeFileAtomic} creates. */
const TEMPORARY_PATTERN = /^\.(.+)\.(\d+)\.([0-9a-f]{12})\.tmp$/;
/** `weights.<16 hex digits>.bin`: the staged weights files {@link writeModelFolder} creates. */
const STAGED_WEIGHTS_PATTERN = /^weights\.[0-9a-f]{16}\.bin$/;

/**
 * A failed crash-safe write: {@link AtomicWriteError.path} is the file (or model folder) that was to be
 * written, `cause` the underlying error. The target was left as it was before the write.
 */
export class AtomicWriteError extends Error {
  /** The file or folder that was to be written (absolute). */
  readonly path: string;
  /** The `code` of the underlying Node.js error (`"ENOSPC"`, `"EACCES"`, …), when it has one. */
  readonly code: string | undefined;

  /**
   * @param path - the target file or folder.
   * @param cause - the underlying error.
   * @param message - the full message; by default `cannot write <path>: <cause>; <path> is unchanged`.
   */
  constructor(path: string, cause: unknown, message?: string) {
    super(message ?? `cannot write ${path}: ${describeCause(cause)}; ${path} is unchanged`, { cause });
    this.name = "AtomicWriteError";
    this.path = path;
    this.code = errnoCode(cause);
  }
}

function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}

/** A step of a crash-safe write, as reported to an {@link AtomicWriteFaultHook}. */
export type AtomicWriteStep = "open" | "write" | "sync" | "close" | "link" | "rename";

/** What an {@link AtomicWriteFaultHook} is told before each file system operation of a crash-safe write. */
export interface AtomicWriteEvent {
  /** The operation about to run. */
  readonly step: AtomicWriteStep;
  /** The file being replaced (absolute). */
  readonly target: string;
  /** The temporary file the step works on (absolute). */
  readonly temporary: string;
  /** For `"write"`: the byte offset of the chunk about to be written; otherwise the bytes written so far. */
  readonly offset: number;
}

/**
 * A function called before every file system operation of {@link writeFileAtomic} and the hard-link
 * step of {@link writeModelFolder}; throwing from it makes that operation fail with the thrown error.
 */
export type AtomicWriteFaultHook = (event: AtomicWriteEvent) => void;

let faultHook: AtomicWriteFaultHook | null = null;

/**
 * Internal, for tests: installs a fault-injection hook (or removes it with `null`) and returns the
 * previous one. Tests use it to make a write fail at a chosen step (an `ENOSPC` error at the second
 * chunk, say) where a real full disk cannot be arranged. Not exported from `lq.io`; not for production use.
 *
 * @internal
 */
export function setAtomicWriteFaultHook(hook: AtomicWriteFaultHook | null): AtomicWriteFaultHook | null {
  const previous = faultHook;
  faultHook = hook;
  return previous;
}

function checkpoint(step: AtomicWriteStep, target: string, temporary: string, offset: number): void {
  if (faultHook !== null) faultHook({ step, target, temporary, offset });
}

function temporaryPath(path: NodePath, crypto: NodeCrypto, target: string): string {
  const name = `.${path.basename(target)}.${process.pid}.${crypto.randomBytes(6).toString("hex")}.tmp`;
  return path.join(path.dirname(target), name);
}

/** Flushes a folder's entries (the renames) to disk; best effort (Windows cannot open folders). */
async function syncFolder(fs: NodeFs, dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(dir, "r");
    await handle.sync();
  } catch {
    // Not supported on this platform or file system: the rename itself has happened.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Writes `data` to `target` crash-safely: a temporary file in the same folder is written, flushed to
 * disk and renamed over `target`, so `target` is always either its old content or all of `data`.
 *
 * @remarks
 * The folder must exist. An existing target's permission bits are kept. On failure the temporary is
 * removed and the target is unchanged. See the module documentation for the details.
 *
 * @param target - the file to create or replace.
 * @param data - the bytes, or a string written as UTF-8.
 * @throws AtomicWriteError naming `target` and the cause (e.g. `ENOSPC: no space left on device, write`).
 * @example
 * ```ts
 * await writeFileAtomic("out/model.lce", bytes);
 * ```
 */
export async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  const { fs, path, crypto } = await node();
  const file = path.resolve(target);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const temporary = temporaryPath(path, crypto, file);
  let mode = 0o666;
  try {
    mode = (await fs.stat(file)).mode & 0o7777;
  } catch {
    // No previous file (or not readable): the default mode, less the umask.
  }
  let handle: FileHandle | undefined;
  let offset = 0;
  try {
    checkpoint("open", file, temporary, 0);
    handle = await fs.open(temporary, "wx", mode);
    while (offset < bytes.byteLength) {
      checkpoint("write", file, temporary, offset);
      const length = Math.min(CHUNK_BYTES, bytes.byteLength - offset);
      const { bytesWritten } = await handle.write(bytes, offset, length, offset);
      offset += bytesWritten;
    }
    checkpoint("sync", file, temporary, offset);
    await handle.sync();
    checkpoint("close", file, temporary, offset);
    const open = handle;
    handle = undefined;
    await open.close();
    checkpoint("rename", file, temporary, offset);
    await fs.rename(temporary, file);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await fs.rm(temporary, { force: true }).catch(() => undefined);
    throw new AtomicWriteError(file, error);
  }
  await syncFolder(fs, path.dirname(file));
}

/**
 * Makes `target` a hard link to `existing` crash-safely: the link is created under a temporary name and
 * renamed over `target`, so `target` is always either its old content or `existing`'s.
 *
 * @throws AtomicWriteError naming `target` and the cause (`EPERM`/`ENOTSUP` where hard links are not supported).
 */
export async function linkFileAtomic(existing: string, target: string): Promise<void> {
  const { fs, path, crypto } = await node();
  const file = path.resolve(target);
  const temporary = temporaryPath(path, crypto, file);
  try {
    checkpoint("link", file, temporary, 0);
    await fs.link(path.resolve(existing), temporary);
    checkpoint("rename", file, temporary, 0);
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true }).catch(() => undefined);
    throw new AtomicWriteError(file, error);
  }
  await syncFolder(fs, path.dirname(file));
}

function processRuns(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return errnoCode(error) === "EPERM";
  }
}

/**
 * Removes the temporaries that {@link writeFileAtomic} left in `dir` when its process was killed:
 * files named `.<name>.<pid>.<random>.tmp` whose process id does not run on this machine.
 *
 * @remarks
 * Temporaries of running processes (including this one) are kept: they may belong to a write in
 * progress. Called by {@link writeModelFolder} before each save. Errors (an unreadable folder, a file
 * removed meanwhile) are ignored.
 *
 * @returns the names of the removed files.
 */
export async function removeStaleTemporaries(dir: string): Promise<string[]> {
  const { fs, path } = await node();
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMPORARY_PATTERN.exec(name);
    if (match === null || processRuns(Number(match[2]))) continue;
    try {
      await fs.rm(path.join(dir, name), { force: true });
      removed.push(name);
    } catch {
      // Left for the next save.
    }
  }
  return removed;
}

/** The weight files a model.json references (`null` when it is missing or unreadable). */
async function referencedFiles(fs: NodeFs, modelJson: string): Promise<Set<string> | null> {
  try {
    const json = JSON.parse(await fs.readFile(modelJson, "utf8")) as { weightsManifest?: Array<{ paths?: unknown }> };
    const files = new Set<string>();
    for (const group of Array.isArray(json.weightsManifest) ? json.weightsManifest : []) {
      if (Array.isArray(group?.paths)) for (const p of group.paths) if (typeof p === "string") files.add(p);
    }
    return files;
  } catch {
    return null;
  }
}

/**
 * Removes the weights files of this scheme in `folder` that are not in `keep`: staged
 * `weights.<hex>.bin` files, and `weights.bin` too when `includeWeightsBin`.
 */
async function removeUnreferencedWeights(
  fs: NodeFs,
  path: NodePath,
  folder: string,
  keep: Set<string>,
  includeWeightsBin: boolean,
): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(folder);
  } catch {
    return;
  }
  for (const name of names) {
    if (keep.has(name)) continue;
    if (STAGED_WEIGHTS_PATTERN.test(name) || (includeWeightsBin && name === WEIGHTS_BIN_NAME)) {
      await fs.rm(path.join(folder, name), { force: true }).catch(() => undefined);
    }
  }
}

/** What {@link writeModelFolder} wrote. */
export interface ModelFolderResult {
  /** The weights file `model.json` references, relative to the folder: `"weights.bin"`, or `"weights.<hex>.bin"` (see {@link writeModelFolder}). */
  readonly weightsPath: string;
  /** Hex SHA-256 of the weight data. */
  readonly sha256: string;
  /**
   * Why the weights kept their staged name (`weightsPath` is `weights.<hex>.bin`): the error of the hard
   * link or of the second `model.json` (no hard links on this file system, a full disk). `null` when the
   * folder holds `weights.bin`. The save itself succeeded either way.
   */
  readonly stagedNameReason: AtomicWriteError | null;
}

/**
 * Saves a model folder crash-safely: the weight data as one weights file and `model.json` (built by
 * `modelJson` for the weights file name it is given), so that at every instant the folder holds either
 * its previous model or the new one.
 *
 * @remarks
 * The folder must exist. Design (staged `weights.<sha256 prefix>.bin`, commit by the rename of
 * `model.json`, then `weights.bin` by hard link), failure behaviour and the cleanup of files left by
 * killed saves are described in the module documentation.
 *
 * @param dir - the model folder.
 * @param weightData - all weights, concatenated in manifest order.
 * @param modelJson - returns the `model.json` content (an object, serialized with `JSON.stringify`)
 *   whose `weightsManifest` references `weightsPath`; called once or twice.
 * @throws AtomicWriteError naming the folder, the file that failed and the cause, when the new model
 *   could not be committed; the folder then still holds its previous model.
 * @example
 * ```ts
 * await writeModelFolder("./my-model", bytes, (weightsPath) => ({
 *   modelTopology, format: "layers-model", weightsManifest: [{ paths: [weightsPath], weights: specs }],
 * }));
 * ```
 */
export async function writeModelFolder(
  dir: string,
  weightData: Uint8Array,
  modelJson: (weightsPath: string) => unknown,
): Promise<ModelFolderResult> {
  const { fs, path, crypto } = await node();
  const folder = path.resolve(dir);
  const modelFile = path.join(folder, MODEL_JSON_NAME);
  const sha256 = crypto.createHash("sha256").update(weightData).digest("hex");
  const staged = `weights.${sha256.slice(0, 16)}.bin`;
  const referenced = await referencedFiles(fs, modelFile);
  const previous = referenced ?? new Set<string>();
  // What killed saves left: their temporaries, and staged weights the current model.json does not
  // reference (only when it could be read: an unreadable one says nothing about which files are live).
  await removeStaleTemporaries(folder);
  if (referenced !== null) await removeUnreferencedWeights(fs, path, folder, previous, false);

  // Steps 1–2: staged weights, then the commit (the rename of model.json).
  try {
    await writeFileAtomic(path.join(folder, staged), weightData);
    await writeFileAtomic(modelFile, JSON.stringify(modelJson(staged)));
  } catch (error) {
    // The previous model.json may reference the same staged name (identical weights saved without hard links).
    if (!previous.has(staged)) await fs.rm(path.join(folder, staged), { force: true }).catch(() => undefined);
    const message = `cannot save the model in ${folder}: ${describeCause(error)}; the folder keeps its previous model, if it had one`;
    throw new AtomicWriteError(folder, error, message);
  }

  // Step 3: the standard name. Best effort: the new model is already committed.
  let weightsPath = staged;
  let stagedNameReason: AtomicWriteError | null = null;
  try {
    await linkFileAtomic(path.join(folder, staged), path.join(folder, WEIGHTS_BIN_NAME));
    await writeFileAtomic(modelFile, JSON.stringify(modelJson(WEIGHTS_BIN_NAME)));
    weightsPath = WEIGHTS_BIN_NAME;
  } catch (error) {
    // Hard links unsupported, or the disk filled up: model.json keeps referencing the staged file.
    stagedNameReason = error instanceof AtomicWriteError ? error : new AtomicWriteError(path.join(folder, WEIGHTS_BIN_NAME), error);
  }

  // Step 4: weights files of this scheme that the new model.json does not reference.
  await removeUnreferencedWeights(fs, path, folder, new Set([weightsPath]), true);
  await syncFolder(fs, folder);
  return { weightsPath, sha256, stagedNameReason };
}
