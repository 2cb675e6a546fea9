/**
 * Effect `fileSystemRouter`: under Node.js without tfjs-node, `model.save("file://…")` and
 * `tf.loadLayersModel("file://…")` go through `lq.io.fileSystem`.
 *
 * @remarks
 * tfjs has no way to unregister an IO router, so the first install registers one save and one load router per
 * process; while the effect is off they return `null`, which tfjs skips, so uninstalling restores tfjs's
 * behaviour exactly (its registry keeps the inert routers). Nothing is registered outside Node.js.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";

import { fileSystemRouter, isNode } from "../io/file_system.js";

let registered = false;
let active = false;

/** Routes `file://` URLs to `lq.io.fileSystem` (Node.js only). Idempotent; true if installed now. */
export function installFileSystemRouter(): boolean {
  if (active || !isNode()) return false;
  if (!registered) {
    // tfjs types routers as never returning null, but its registry skips null results (as tfjs-node's router does).
    const router = ((url: string | string[]) => (active ? fileSystemRouter(url) : null)) as (url: string | string[]) => tf.io.IOHandler;
    tf.io.registerSaveRouter(router);
    tf.io.registerLoadRouter(router);
    registered = true;
  }
  active = true;
  return true;
}

/** Stops routing `file://` URLs to `lq.io.fileSystem`. Idempotent; true if it was installed. */
export function uninstallFileSystemRouter(): boolean {
  if (!active) return false;
  active = false;
  return true;
}

/** Whether {@link installFileSystemRouter} is in effect. */
export function fileSystemRouterInstalled(): boolean {
  return active;
}
