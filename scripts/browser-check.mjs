// Headless browser check of larq-ts (issue 6): serves the repository root on 127.0.0.1, opens
// examples/browser/index.html in headless chromium with --dump-dom and exits 0 only if the page's title says OK.
//
// Run: npx tsc -p . && node scripts/browser-check.mjs
// Needs a chromium binary (Debian: apt-get install chromium); override with CHROMIUM=/path/to/chrome.
// Not part of CI. Options: BROWSER_CHECK_TIMEOUT_MS (default 120000).
import { spawn } from "node:child_process";
import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const chromium = process.env.CHROMIUM ?? "chromium";
const timeoutMs = Number(process.env.BROWSER_CHECK_TIMEOUT_MS ?? 120000);
const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".css": "text/css",
};

// The page holds its load event on /__browser-check/hold until it POSTs /__browser-check/done, so that --dump-dom
// sees the finished page while timings stay real (no --virtual-time-budget, which would freeze performance.now()).
const held = [];
const release = () => held.splice(0).forEach((res) => res.writeHead(404).end());
const server = createServer((req, res) => {
  if (req.url === "/__browser-check/hold") {
    held.push(res);
    return;
  }
  if (req.url === "/__browser-check/done") {
    res.writeHead(204).end();
    setTimeout(release, 50);
    return;
  }
  const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
  const file = join(root, path);
  let ok = file.startsWith(root + sep);
  try {
    ok = ok && statSync(file).isFile();
  } catch {
    ok = false;
  }
  if (!ok) {
    res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${path}`);
    return;
  }
  res.writeHead(200, { "content-type": MIME[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
  createReadStream(file).pipe(res);
});
await new Promise((done) => server.listen(0, "127.0.0.1", done));
const url = `http://127.0.0.1:${server.address().port}/examples/browser/index.html`;
const profile = mkdtempSync(join(tmpdir(), "larq-ts-chromium-"));

const args = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  `--user-data-dir=${profile}`,
  "--dump-dom",
  url,
];
console.log(`serving ${root} at ${url}`);
const started = Date.now();
const child = spawn(chromium, args, { stdio: ["ignore", "pipe", "pipe"] });
let dom = "",
  errors = "";
child.stdout.on("data", (d) => (dom += d));
child.stderr.on("data", (d) => (errors += d));
const holdTimer = setTimeout(release, timeoutMs);
const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs + 30000);
const code = await new Promise((done) => child.on("close", done));
clearTimeout(killer);
clearTimeout(holdTimer);
release();
server.close();
rmSync(profile, { recursive: true, force: true });

const title = /<title>([\s\S]*?)<\/title>/.exec(dom)?.[1]?.trim() ?? "(no title)";
const logText = /<pre id="log">([\s\S]*?)<\/pre>/.exec(dom)?.[1] ?? "";
console.log(`chromium exited with ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(logText.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&").trimEnd());
console.log(`title: ${title}`);
if (!title.startsWith("OK")) {
  if (!dom) console.log(`chromium stderr:\n${errors.slice(-4000)}`);
  process.exit(1);
}
