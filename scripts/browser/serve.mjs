// A small static file server for the browser tests: serves one folder on 127.0.0.1 with the COOP/COEP headers that
// make pages cross-origin isolated (SharedArrayBuffer, wasm threads), and the right MIME type for .wasm.
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".css": "text/css",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

/** The headers that make a page cross-origin isolated. */
export const ISOLATION_HEADERS = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
  "cross-origin-resource-policy": "same-origin",
};

/** Serves `dir` on a free port of 127.0.0.1; resolves to `{ url, close }`. */
export async function serveStatic(dir, { isolate = true } = {}) {
  const root = resolve(dir);
  const server = createServer((req, res) => {
    let path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    if (path.endsWith("/")) path += "index.html";
    const file = join(root, path);
    let ok = file === root || file.startsWith(root + sep);
    try {
      ok = ok && statSync(file).isFile();
    } catch {
      ok = false;
    }
    const headers = isolate ? { ...ISOLATION_HEADERS } : {};
    if (!ok) {
      res.writeHead(404, { ...headers, "content-type": "text/plain" }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { ...headers, "content-type": MIME[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    createReadStream(file).pipe(res);
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((done) => server.close(done)),
  };
}
