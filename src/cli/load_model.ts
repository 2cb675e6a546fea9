/**
 * Model loading shared by the CLI subcommands.
 */
import type { LayersModel } from "@tensorflow/tfjs-layers";

/**
 * Loads a saved tfjs Layers model (a model.json path, a directory or a `file://` URL) on the cpu backend.
 *
 * @remarks
 * Imports the package entry first, which registers every larq-ts layer and quantizer class for
 * deserialization and the `file://` IO handler, then loads with `lq.io.loadLayersModel` (errors naming
 * the file, layer and weight; no leaks; a file without weights is rejected).
 */
export async function loadLayersModelFrom(location: string): Promise<LayersModel> {
  const tf = await import("@tensorflow/tfjs-core");
  await import("@tensorflow/tfjs-backend-cpu");
  await import("../index.js");
  const { loadLayersModel } = await import("../io/index.js");
  const { resolve } = await import("node:path");
  if (tf.getBackend() !== "cpu") await tf.setBackend("cpu");
  await tf.ready();
  const path = location.startsWith("file://") ? location.slice("file://".length) : resolve(location);
  return loadLayersModel(path);
}
