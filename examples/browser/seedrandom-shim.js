// ESM face for the one seedrandom generator tfjs-backend-cpu's ESM bundle uses (`seedrandom.alea`).
// Static imports run in order: the prelude defines `module`, then the UMD file assigns `module.exports`.
import "./seedrandom-prelude.js";
import "/node_modules/seedrandom/lib/alea.js";

export const alea = globalThis.module.exports;
delete globalThis.module;
export default { alea };
