/**
 * `npm run bench:peers`: the larq-ts engine raced against native peers on the same models and the same input, batch 1.
 *
 * Contestants, per model and thread count (1 and 2):
 * - larq-ts engine from the Keras model: saved by Python, converted by tensorflowjs_converter (layers format), loaded
 *   with `lq.io.loadLayersModel`, then `lq.engine.convert(model, { threads })`;
 * - larq-ts engine from LCE's .tflite: `lq.engine.fromTFLite(bytes, { threads })`;
 * - LCE's interpreter (Python wheel, x86 kernels), `num_threads`;
 * - TFLite's float interpreter (`tf.lite.Interpreter`) on TensorFlow's own conversion of the same Keras model;
 * - ONNX Runtime (CPU) on tf2onnx's conversion of the same Keras model, `intra_op_num_threads`;
 * - tfjs-backend-wasm `model.predict` + `dataSync` on the same tfjs model (one thread in Node).
 * Each engine model gets an engine of its own (`engineOptions: {}`): two models that share the default engine can
 * corrupt each other (a BiRealNet converted from Keras and the same from its .tflite: the second one's `predict`
 * fails with "memory access out of bounds" once the first has run again).
 *
 * python/bench_peers.py builds every artefact once into bench/.cache/peers/ (git-ignored; delete a model's folder to
 * rebuild it) and then serves timing requests over stdin/stdout, so that the rounds alternate between the Node
 * contestants and the Python ones in one invocation. Each round runs every contestant for a batch of calls sized
 * to ~100 ms; the table gives the median and the fastest call over all rounds, and each peer's median divided by the
 * engine's (from the Keras model) at the same thread count: above 1× the engine is faster.
 *
 * Options: --models=TutorialBNN,QuickNet (default all), --rounds=N (default 7), --threads=1,2,
 * --cache=DIR (default bench/.cache/peers). LARQ_TS_PYTHON picks the Python (default: python/setup_venv.sh's venv).
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-wasm";

import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import * as lq from "../src/index.js";
import { median } from "../src/utils/timing.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ALL_MODELS = ["TutorialBNN", "QuickNetSmall", "QuickNet", "BiRealNet", "BinaryResNetE18", "BinaryDenseNet28", "MeliusNet22"];

interface Options {
  models: string[];
  rounds: number;
  threads: number[];
  cache: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { models: ALL_MODELS, rounds: 7, threads: [1, 2], cache: join(REPO, "bench", ".cache", "peers") };
  for (const arg of argv) {
    const [key, value = ""] = arg.split("=", 2);
    if (key === "--models") options.models = value.split(",").filter(Boolean);
    else if (key === "--rounds") options.rounds = Math.max(1, Number(value));
    else if (key === "--threads") options.threads = value.split(",").map(Number);
    else if (key === "--cache") options.cache = resolve(value);
    else throw new Error(`bench:peers: unknown option ${arg} (--models=, --rounds=, --threads=, --cache=)`);
  }
  const unknown = options.models.filter((m) => !ALL_MODELS.includes(m));
  if (unknown.length > 0) throw new Error(`bench:peers: unknown model(s) ${unknown.join(", ")}; expected ${ALL_MODELS.join(", ")}`);
  if (!Number.isInteger(options.rounds)) throw new Error("bench:peers: --rounds must be an integer");
  return options;
}

function pythonPath(): string {
  if (process.env.LARQ_TS_PYTHON) return process.env.LARQ_TS_PYTHON;
  const setup = spawnSync("bash", [join(REPO, "python", "setup_venv.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (setup.status !== 0) throw new Error("bench:peers: python/setup_venv.sh failed (set LARQ_TS_PYTHON to a ready venv's python)");
  return setup.stdout.trim().split("\n").pop()!;
}

/** Relays the Python script's own log lines (not TensorFlow's noise) to stderr. */
function relayLog(stream: NodeJS.ReadableStream): void {
  createInterface({ input: stream }).on("line", (line) => {
    if (line.startsWith("bench_peers.py:") || line.startsWith("Traceback") || /Error/.test(line)) console.error(line);
  });
}

async function prepare(python: string, options: Options): Promise<void> {
  const child = spawn(python, [join(REPO, "python", "bench_peers.py"), "prepare", options.cache, `--models=${options.models.join(",")}`], {
    stdio: ["ignore", "inherit", "pipe"],
  });
  relayLog(child.stderr);
  const code = await new Promise<number | null>((ok) => child.on("close", ok));
  if (code !== 0) throw new Error(`bench:peers: python/bench_peers.py prepare exited with ${code}`);
}

/** The Python side's timing server: one JSON request a line, one JSON answer a line. */
class PythonPeers {
  private readonly answers: ((line: string) => void)[] = [];
  private readonly pending: string[] = [];

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const waiter = this.answers.shift();
      if (waiter) waiter(line);
      else this.pending.push(line);
    });
    relayLog(child.stderr);
  }

  static async start(python: string, cache: string): Promise<{ peers: PythonPeers; versions: Record<string, string | null> }> {
    const child = spawn(python, [join(REPO, "python", "bench_peers.py"), "serve", cache], { stdio: ["pipe", "pipe", "pipe"] });
    const peers = new PythonPeers(child);
    const hello = (await peers.next()) as { versions: Record<string, string | null> };
    return { peers, versions: hello.versions };
  }

  private next(): Promise<Record<string, unknown>> {
    return new Promise((ok, fail) => {
      const onExit = (): void => fail(new Error("bench:peers: the Python server exited"));
      this.child.once("exit", onExit);
      const take = (line: string): void => {
        this.child.off("exit", onExit);
        ok(JSON.parse(line) as Record<string, unknown>);
      };
      const queued = this.pending.shift();
      if (queued !== undefined) take(queued);
      else this.answers.push(take);
    });
  }

  async request(obj: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.child.stdin.write(JSON.stringify(obj) + "\n");
    const answer = await this.next();
    if (typeof answer.error === "string") throw new Error(answer.error);
    return answer;
  }

  async quit(): Promise<void> {
    this.child.stdin.write(JSON.stringify({ cmd: "quit" }) + "\n");
    this.child.stdin.end();
    await new Promise((ok) => this.child.once("close", ok));
  }
}

type Column = "engineKeras" | "engineTflite" | "lce" | "tflite" | "ort" | "tfjs";
const COLUMNS: [Column, string][] = [
  ["engineKeras", "larq-ts engine (Keras → tfjs)"],
  ["engineTflite", "larq-ts engine (LCE .tflite)"],
  ["lce", "LCE interpreter (native)"],
  ["tflite", "TFLite float (native)"],
  ["ort", "ONNX Runtime float (native)"],
  ["tfjs", "tfjs-backend-wasm float"],
];

/** A contestant: times `iters` calls, or a reason it is not in the race. */
interface Contestant {
  run?: (iters: number) => Promise<number[]>;
  skip?: string;
}

interface Cell {
  median?: number;
  fastest?: number;
  skip?: string;
}

function localRunner(fn: () => void): (iters: number) => Promise<number[]> {
  return (iters) => {
    const times: number[] = [];
    for (let i = 0; i < iters; i++) {
      const t0 = performance.now();
      fn();
      times.push(performance.now() - t0);
    }
    return Promise.resolve(times);
  };
}

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ").trim();
}

interface Meta {
  x_shape: number[];
  y_shape: number[];
  tfjs: { file?: string; error?: string };
  lce: { file?: string; error?: string };
  tflite: { file?: string; error?: string };
  ort: { file?: string; error?: string };
}

function readFloats(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Max |a − b| relative to max |b|, and whether the arg-maxes agree. */
function agreement(a: ArrayLike<number>, b: Float32Array): string {
  let diff = 0;
  let scale = 1e-12;
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
    if (a[i] > a[ia]) ia = i;
    if (b[i] > b[ib]) ib = i;
  }
  return `${(diff / scale).toExponential(1)}${ia === ib ? "" : " (top-1 differs)"}`;
}

interface ModelResult {
  name: string;
  rows: Map<number, Map<Column, Cell>>;
  agreement: string[];
}

async function benchModel(name: string, options: Options, peers: PythonPeers): Promise<ModelResult> {
  const folder = join(options.cache, name);
  const meta = JSON.parse(readFileSync(join(folder, "meta.json"), "utf8")) as Meta;
  const input = readFloats(join(folder, "x.bin"));
  const yKeras = readFloats(join(folder, "y_keras.bin"));
  const shape = meta.x_shape;
  const disposers: (() => void)[] = [];
  const outputs: [string, ArrayLike<number>][] = [];
  const contestants = new Map<number, Map<Column, Contestant>>(options.threads.map((t) => [t, new Map()]));
  const setAll = (column: Column, c: Contestant): void => {
    for (const t of options.threads) contestants.get(t)!.set(column, c);
  };

  // The tfjs model and tfjs-backend-wasm.
  let model: tfl.LayersModel | undefined;
  if (meta.tfjs.error) {
    setAll("engineKeras", { skip: `tensorflowjs_converter failed: ${meta.tfjs.error}` });
    setAll("tfjs", { skip: `tensorflowjs_converter failed: ${meta.tfjs.error}` });
  } else {
    try {
      model = await lq.io.loadLayersModel(join(folder, meta.tfjs.file!));
      const m = model;
      disposers.push(() => m.dispose());
    } catch (error) {
      const why = `lq.io.loadLayersModel failed: ${message(error)}`;
      setAll("engineKeras", { skip: why });
      setAll("tfjs", { skip: why });
    }
  }
  if (model) {
    const x = tf.tensor(input, shape);
    disposers.push(() => x.dispose());
    const m = model;
    const predict = (): Float32Array => {
      const y = m.predict(x) as tf.Tensor;
      const data = y.dataSync() as Float32Array;
      y.dispose();
      return data;
    };
    try {
      outputs.push(["tfjs-wasm", predict()]);
      for (const t of options.threads) {
        contestants
          .get(t)!
          .set("tfjs", t === 1 ? { run: localRunner(predict) } : { skip: "n/a (tfjs-backend-wasm runs one thread in Node)" });
      }
    } catch (error) {
      setAll("tfjs", { skip: `tfjs predict failed: ${message(error)}` });
    }
  }

  // The engine, from the Keras model and from LCE's .tflite.
  const engineFrom = async (column: Column, label: string, make: (threads: number) => Promise<lq.engine.EngineModel>): Promise<void> => {
    for (const t of options.threads) {
      try {
        // `threads` is passed as an option; an engine without it (or that falls back to one thread) is reported.
        const em = await make(t);
        disposers.push(() => {
          em.dispose();
          (em.engine as { terminate?: () => void }).terminate?.();
        });
        const actual = (em.engine as { threads?: number }).threads;
        if (t > 1 && actual !== t) {
          const note = (em.engine as { threadsNote?: string }).threadsNote;
          contestants.get(t)!.set(column, { skip: `n/a (engine threads not available${note ? `: ${note}` : ""})` });
          continue;
        }
        const y = em.predict(input, shape);
        if (t === options.threads[0]) outputs.push([label, y]);
        contestants.get(t)!.set(column, { run: localRunner(() => void em.predict(input, shape)) });
      } catch (error) {
        const msg = message(error);
        contestants
          .get(t)!
          .set(column, { skip: /thread/i.test(msg) && t > 1 ? `n/a (engine threads not available: ${msg})` : `fails: ${msg}` });
      }
    }
  };
  if (model) {
    const m = model;
    await engineFrom("engineKeras", "engine (Keras)", (threads) => lq.engine.convert(m, { threads, engineOptions: {} }));
  }
  if (meta.lce.error) setAll("engineTflite", { skip: `LCE conversion failed: ${meta.lce.error}` });
  else {
    const bytes = new Uint8Array(readFileSync(join(folder, meta.lce.file!)));
    await engineFrom("engineTflite", "engine (.tflite)", (threads) => lq.engine.fromTFLite(bytes, { threads, engineOptions: {} }));
  }

  // The Python peers.
  const loaded = (await peers.request({ cmd: "load", model: name, threads: options.threads })) as {
    errors: Record<string, string>;
    outputs: Record<string, number[]>;
  };
  const conversion: Record<string, string> = { lce: "LCE converter", tflite: "TFLiteConverter", ort: "tf2onnx" };
  for (const peer of ["lce", "tflite", "ort"] as const) {
    for (const t of options.threads) {
      const error = loaded.errors[peer] ?? loaded.errors[`${peer}:${t}`];
      if (loaded.errors[peer]) contestants.get(t)!.set(peer, { skip: `${conversion[peer]} failed: ${error}` });
      else if (error) contestants.get(t)!.set(peer, { skip: `fails: ${error}` });
      else {
        contestants.get(t)!.set(peer, {
          run: async (iters) => (await peers.request({ cmd: "time", peer, threads: t, iters })).times as number[],
        });
      }
    }
    if (loaded.outputs[peer]) outputs.push([{ lce: "LCE", tflite: "TFLite", ort: "ONNX Runtime" }[peer], loaded.outputs[peer]]);
  }

  // The race: per thread count, a warm-up call sizes each contestant's batch, then the rounds alternate.
  const rows = new Map<number, Map<Column, Cell>>();
  for (const t of options.threads) {
    const entries = [...contestants.get(t)!.entries()].filter(([, c]) => c.run);
    const iters = new Map<Column, number>();
    const samples = new Map<Column, number[]>();
    for (const [column, c] of entries) {
      try {
        const warm = await c.run!(2);
        iters.set(column, Math.min(50, Math.max(1, Math.ceil(100 / Math.min(...warm)))));
        samples.set(column, []);
      } catch (error) {
        c.skip = `fails: ${message(error)}`;
      }
    }
    for (let r = 0; r < options.rounds; r++) {
      for (let k = 0; k < entries.length; k++) {
        const [column, c] = entries[(k + r) % entries.length];
        if (!samples.has(column)) continue;
        try {
          samples.get(column)!.push(...(await c.run!(iters.get(column)!)));
        } catch (error) {
          c.skip = `fails: ${message(error)}`;
          samples.delete(column);
        }
      }
    }
    const row = new Map<Column, Cell>();
    for (const [column] of COLUMNS) {
      const c = contestants.get(t)!.get(column);
      const s = samples.get(column);
      row.set(column, s ? { median: median(s), fastest: Math.min(...s) } : { skip: c?.skip ?? "n/a" });
    }
    rows.set(t, row);
    process.stderr.write(`bench:peers: ${name} threads=${t} done\n`);
  }
  for (const d of disposers.reverse()) d();
  return { name, rows, agreement: outputs.map(([label, y]) => `${label} ${agreement(y, yKeras)}`) };
}

function formatTable(results: ModelResult[], threads: number[]): string {
  const notes: string[] = [];
  const note = (text: string): string => {
    let i = notes.indexOf(text);
    if (i < 0) i = notes.push(text) - 1;
    return `[${i + 1}]`;
  };
  const lines = [
    `| model | threads | ${COLUMNS.map(([, label]) => label).join(" | ")} |`,
    `| --- | --- | ${COLUMNS.map(() => "---").join(" | ")} |`,
  ];
  for (const r of results) {
    for (const t of threads) {
      const row = r.rows.get(t)!;
      // The baseline: the engine from the Keras model where it runs, else the engine from the .tflite.
      const keras = row.get("engineKeras")!;
      const baseColumn: Column = keras.median !== undefined ? "engineKeras" : "engineTflite";
      const base = row.get(baseColumn)!;
      const cells = COLUMNS.map(([column]) => {
        const c = row.get(column)!;
        if (c.median === undefined) return c.skip!.startsWith("n/a") ? c.skip! : `✗ ${note(c.skip!)}`;
        const time = `${c.median.toFixed(c.median < 10 ? 3 : 1)} (${c.fastest!.toFixed(c.fastest! < 10 ? 3 : 1)}) ms`;
        if (column === baseColumn) return column === "engineKeras" ? time : `${time} (baseline)`;
        return base.median === undefined ? time : `${time}, ${(c.median / base.median).toFixed(2)}×`;
      });
      lines.push(`| ${r.name} | ${t} | ${cells.join(" | ")} |`);
    }
  }
  const agree = results.map((r) => `- ${r.name}: ${r.agreement.join(", ")}`);
  return [
    ...lines,
    "",
    "Cells: median (fastest) ms per call, batch 1; × = that contestant's median / the larq-ts engine's (Keras) median at the " +
      "same thread count (above 1× the engine is faster); where the Keras path fails, the ratios are vs the engine " +
      "from the .tflite, marked (baseline).",
    ...notes.map((n, i) => `[${i + 1}] ${n}`),
    "",
    "Outputs vs Keras (max |Δ| / max |y_keras|, on the benchmark input):",
    ...agree,
  ].join("\n");
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const python = pythonPath();
  await prepare(python, options);
  await tf.setBackend("wasm");
  await tf.ready();
  const { peers, versions } = await PythonPeers.start(python, options.cache);
  const loadStart = loadavg().map((v) => v.toFixed(2));
  const t0 = Date.now();
  const results: ModelResult[] = [];
  try {
    for (const name of options.models) results.push(await benchModel(name, options, peers));
  } finally {
    await peers.quit();
  }
  const loadEnd = loadavg().map((v) => v.toFixed(2));
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string };
  console.log(`bench:peers ${new Date().toISOString()}, ${options.rounds} rounds, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  console.log(
    `CPU: ${cpus()[0]?.model ?? "unknown"} x${cpus().length}; Node ${process.versions.node}; larq-ts ${pkg.version}; tfjs ${tf.version_core} (wasm SIMD ${simd})`,
  );
  console.log(
    `Python: ${Object.entries(versions)
      .map(([k, v]) => `${k} ${v ?? "missing"}`)
      .join(", ")}`,
  );
  console.log(`load average (1/5/15 min) at start: ${loadStart.join(" ")}; at end: ${loadEnd.join(" ")}`);
  console.log("");
  console.log(formatTable(results, options.threads));
}

if (!existsSync(join(REPO, "python", "bench_peers.py"))) throw new Error(`bench:peers: run from the repository (${REPO})`);
await main();
