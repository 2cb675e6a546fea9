// The dev server may read ../bundlers/shared (the tutorial BNN builder); COOP/COEP make the page cross-origin isolated.
const isolation = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };
export default {
  server: { fs: { allow: [".."] }, headers: isolation },
  preview: { headers: isolation },
  worker: { format: "es" },
};
