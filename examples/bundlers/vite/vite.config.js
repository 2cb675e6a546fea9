// Not needed by larq-ts: the dev server only serves files inside this folder by default, and this example shares
// its check with the other bundler apps from ../shared. The COOP/COEP headers make the page cross-origin isolated.
const isolation = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };
export default {
  server: { fs: { allow: [".."] }, headers: isolation },
  preview: { headers: isolation },
};
