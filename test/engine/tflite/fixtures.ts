import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** LCE fixtures, made by python/generate_lce_fixtures.py (LARQ_TS_LCE_FIXTURES: a regenerated folder). */
export const LCE_FIXTURES =
  process.env.LARQ_TS_LCE_FIXTURES ?? join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "test", "fixtures", "lce");
