/** `lq.models`: larq's bit-aware model summary and the profile behind it. */
export { LayerProfile, ModelProfile, profile, statsTable, summary, summaryTable } from "../models/index.js";
export type * from "../models/index.js";
