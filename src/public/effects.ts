/** `lq.effects`: what importing larq-ts changes in tfjs, each effect switchable and reversible. */
export { EFFECT_NAMES, install, installed, uninstall } from "../effects/index.js";
export type * from "../effects/index.js";
