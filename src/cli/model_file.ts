/**
 * Model files the CLI reads, recognised by their first bytes: larq-ts engine files, Larq Compute Engine / TFLite
 * flatbuffers, and foreign formats named with what to do (`summary`, `run` and `bench` share it).
 */

/** The larq-ts engine magic (`lq.engine.ENGINE_MAGIC`; kept here so the CLI starts without the engine). */
const ENGINE_MAGIC = "LQTE";

/** A binary model file recognised by its first bytes. */
export interface RecognisedFile {
  /** `"engine"` for a larq-ts engine file, `"tflite"` for a TFLite flatbuffer, else the foreign format's short name. */
  kind: "engine" | "tflite" | "hdf5" | "zip" | "protobuf-or-binary";
  /** A sentence saying what the file is and what to do with it. */
  description: string;
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

/**
 * Recognises a model file by its magic bytes; `null` for what may be JSON (a `model.json`), an empty file and
 * text.
 *
 * @param bytes - the file, or at least its first 64 bytes (8 are needed for every format to be recognised).
 */
export function recogniseModelFile(bytes: Uint8Array): RecognisedFile | null {
  const head = bytes.subarray(0, 64);
  if (head.length >= 4 && ascii(head, 0, 4) === ENGINE_MAGIC) {
    return { kind: "engine", description: "a larq-ts engine file (lq.engine.load / larq-ts run and bench run it)" };
  }
  if (head.length >= 8 && ascii(head, 4, 4) === "TFL3") {
    return {
      kind: "tflite",
      description: "a TensorFlow Lite flatbuffer (.tflite): larq-ts run and bench run it (lq.engine.fromTFLite)",
    };
  }
  if (head.length >= 8 && head[0] === 0x89 && ascii(head, 1, 3) === "HDF") {
    return {
      kind: "hdf5",
      description:
        "a Keras HDF5 file (.h5), not a tfjs model.json: convert it with tensorflowjs_converter " +
        "--input_format keras, then use the model.json it writes",
    };
  }
  if (head.length >= 4 && ascii(head, 0, 4) === "PK\u0003\u0004") {
    return {
      kind: "zip",
      description: "a zip archive (a Keras 3 .keras file?), not a tfjs model.json: save the model in the tfjs layers format",
    };
  }
  // JSON never holds control bytes other than whitespace, so such bytes mean binary even after a "{" or "[" (a
  // weights file whose first float happens to start with 0x5b).
  const binary = head.some((b) => b === 0 || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d));
  if (!binary) return null;
  return {
    kind: "protobuf-or-binary",
    description: "a binary file (a weights .bin, a SavedModel .pb?), not a tfjs model.json",
  };
}

/** A model location as the CLI takes it: its file's bytes and what they are (`bytes` empty for a directory). */
export interface ModelFile {
  /** The location with a `file://` prefix removed. */
  path: string;
  /** The file's bytes; empty when the location is not a file (a directory, or missing: the model loader reports it). */
  bytes: Uint8Array;
  /** What {@link recogniseModelFile} says of the bytes. */
  recognised: RecognisedFile | null;
}

/** Reads a model location (a path or `file://` URL) and recognises the file. */
export async function readModelFile(location: string): Promise<ModelFile> {
  const { readFile, stat } = await import("node:fs/promises");
  const path = location.startsWith("file://") ? location.slice("file://".length) : location;
  const info = await stat(path).catch(() => undefined);
  const bytes = info?.isFile() ? new Uint8Array(await readFile(path)) : new Uint8Array(0);
  return { path, bytes, recognised: recogniseModelFile(bytes) };
}

/**
 * The engine model of a model file: an engine file is loaded, a .tflite imported, anything else that is not
 * JSON rejected naming its format; `undefined` for a model.json (or a directory), which the caller converts.
 */
export async function engineModelOf(
  location: string,
  file: ModelFile,
  options: { threads?: number } = {},
): Promise<import("../engine/model.js").EngineModel | undefined> {
  const kind = file.recognised?.kind;
  if (kind === undefined) return undefined;
  const engine = await import("../engine/index.js");
  if (kind === "engine") return engine.load(file.bytes, options);
  if (kind === "tflite") return engine.fromTFLite(file.bytes, options);
  throw new Error(`${location} is ${file.recognised!.description}.`);
}
