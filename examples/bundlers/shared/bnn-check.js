// The check every bundler app runs (examples/bundlers/<name>/): build larq's MNIST tutorial BNN with larq-ts layers,
// train it for 3 steps on random data on the tfjs wasm backend, convert it with lq.engine.convert and compare the
// engine's predictions with tfjs's, then the engine on 2 threads (cross-origin isolated pages) with one thread's. The modules come in as arguments so that this file has no bare imports: each
// app resolves "larq-ts" and "@tensorflow/*" from its own node_modules (the packed tarball and tfjs 4.22).

/** larq's MNIST tutorial BNN (as in examples/tutorial_bnn.ts), from the given tfjs-layers and larq-ts modules. */
export function buildTutorialBnn(tfl, lq) {
  const kernel = { kernelQuantizer: "ste_sign", kernelConstraint: "weight_clip", useBias: false };
  const input = { inputQuantizer: "ste_sign" };
  const bn = () => tfl.layers.batchNormalization({ scale: false });
  return tfl.sequential({
    layers: [
      lq.layers.quantConv2d({ filters: 32, kernelSize: 3, inputShape: [28, 28, 1], ...kernel }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      bn(),
      lq.layers.quantConv2d({ filters: 64, kernelSize: 3, ...input, ...kernel }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      bn(),
      lq.layers.quantConv2d({ filters: 64, kernelSize: 3, ...input, ...kernel }),
      bn(),
      tfl.layers.flatten(),
      lq.layers.quantDense({ units: 64, ...input, ...kernel }),
      bn(),
      lq.layers.quantDense({ units: 10, ...input, ...kernel }),
      bn(),
      tfl.layers.activation({ activation: "softmax" }),
    ],
  });
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Runs the check and returns its figures; `ok` is true when the engine agrees with tfjs (argmax on every row but
 * near ties, probabilities within 1e-3) and no tensor leaked.
 */
export async function runBnnCheck({
  tf,
  tfl,
  lq,
  tfWasm,
  engineOptions,
  log = () => {},
  steps = 3,
  batch = 16,
  nTest = 64,
  timingRuns = 50,
}) {
  if (!(await tf.setBackend("wasm"))) throw new Error("the tfjs wasm backend did not initialize");
  await tf.ready();
  const wasmThreads = tfWasm ? tfWasm.getThreadsCount() : undefined;
  const wasmThreaded = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
  log(
    `larq-ts ${lq.version}, tfjs ${tf.version_core} on ${tf.getBackend()} (${wasmThreaded ? "threaded" : "single-threaded"} build, ${wasmThreads ?? "?"} threads), crossOriginIsolated=${globalThis.crossOriginIsolated}`,
  );
  const tensorsAtStart = tf.memory().numTensors;

  const model = buildTutorialBnn(tfl, lq);
  const optimizer = tf.train.adam(0.01);
  model.compile({ optimizer, loss: "categoricalCrossentropy" });
  const losses = [];
  for (let step = 0; step < steps; step++) {
    const xb = tf.randomUniform([batch, 28, 28, 1], 0, 1, "float32", 100 + step);
    const yb = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, 10, "int32", 200 + step), 10));
    losses.push(Number(await model.trainOnBatch(xb, yb)));
    tf.dispose([xb, yb]);
  }
  log(`trained ${steps} steps: loss ${losses.map((l) => l.toFixed(4)).join(" ")}`);

  const em = await lq.engine.convert(model, engineOptions ? { engineOptions } : {});
  const x = tf.randomUniform([nTest, 28, 28, 1], 0, 1, "float32", 300);
  const expectedT = model.predict(x);
  const actualT = em.predict(x);
  const expected = await expectedT.data();
  const actual = await actualT.data();
  let agree = 0,
    hardMismatch = 0,
    maxDiff = 0;
  const argmax = (v) => v.reduce((best, val, i) => (val > v[best] ? i : best), 0);
  for (let r = 0; r < nTest; r++) {
    const e = expected.subarray(r * 10, r * 10 + 10),
      a = actual.subarray(r * 10, r * 10 + 10);
    for (let i = 0; i < 10; i++) maxDiff = Math.max(maxDiff, Math.abs(e[i] - a[i]));
    const ie = argmax(e),
      ia = argmax(a);
    if (ie === ia) agree++;
    else if (Math.abs(e[ie] - e[ia]) > 1e-4) hardMismatch++;
  }
  log(`engine vs tfjs on ${nTest} digits: argmax ${agree}/${nTest}, max |prob diff| ${maxDiff.toExponential(2)}`);

  // One-digit latency, warm: median of `timingRuns` calls each, reading the result back (what an app waits for).
  const one = tf.slice(x, [0, 0, 0, 0], [1, 28, 28, 1]);
  const time = async (predict) => {
    for (let i = 0; i < 5; i++) tf.dispose(await predict());
    const ms = [];
    for (let i = 0; i < timingRuns; i++) {
      const t0 = performance.now();
      tf.dispose(await predict());
      ms.push(performance.now() - t0);
    }
    return median(ms);
  };
  const readBack = async (t) => {
    await t.data();
    return t;
  };
  const tfjsMs = await time(() => readBack(model.predict(one)));
  const engineMs = await time(() => readBack(em.predict(one)));
  log(
    `one digit (median of ${timingRuns}): tfjs wasm ${tfjsMs.toFixed(3)} ms, lq.engine ${engineMs.toFixed(3)} ms (simd=${em.engine.simd}, gemm=${em.engine.gemmKernel})`,
  );

  // Engine threads (a cross-origin isolated page has SharedArrayBuffer): 2 threads, every kernel call split into
  // chunks however small, must give exactly the single-threaded engine's outputs.
  const threads = { isolated: globalThis.crossOriginIsolated === true, count: 1, equal: false, note: undefined };
  {
    const em2 = await lq.engine.convert(model, { threads: 2 });
    threads.count = em2.engine.threads;
    threads.note = em2.engine.threadsNote;
    if (em2.engine.kernels) em2.engine.kernels.minSplitNs = 0;
    const y2T = em2.predict(x);
    const y2 = await y2T.data();
    threads.equal = y2.length === actual.length && y2.every((v, i) => Object.is(v, actual[i]));
    const threadMs = await time(() => readBack(em2.predict(one)));
    log(
      `engine threads: ${threads.count} (crossOriginIsolated=${threads.isolated}${threads.note ? `; ${threads.note}` : ""}), ` +
        `outputs ${threads.equal ? "identical to" : "DIFFERENT from"} one thread's, one digit ${threadMs.toFixed(3)} ms`,
    );
    tf.dispose(y2T);
    em2.dispose();
  }
  const threadsOk = threads.isolated ? threads.count === 2 && threads.equal : threads.count === 1 && threads.equal;

  tf.dispose([x, one, expectedT, actualT]);
  em.dispose();
  model.dispose();
  optimizer.dispose();
  const leaked = tf.memory().numTensors - tensorsAtStart;
  const ok = hardMismatch === 0 && agree >= nTest - 2 && maxDiff < 1e-3 && leaked === 0 && losses.every(Number.isFinite) && threadsOk;
  return {
    ok,
    agree,
    nTest,
    hardMismatch,
    maxDiff,
    leaked,
    losses,
    tfjsMs,
    engineMs,
    simd: em.engine.simd,
    gemmKernel: em.engine.gemmKernel,
    backend: tf.getBackend(),
    wasmThreads,
    wasmThreaded,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    threads,
  };
}

/** Runs the check on a page: writes the log into #log, sets document.title to "OK …" or "FAIL …" and window.__larqCheck. */
export async function runOnPage(modules) {
  const logEl = document.getElementById("log");
  const log = (line) => {
    logEl.textContent += line + "\n";
    console.log(line);
  };
  try {
    const result = await runBnnCheck({ ...modules, log });
    window.__larqCheck = result;
    document.title = `${result.ok ? "OK" : "FAIL"} argmax ${result.agree}/${result.nTest}, max diff ${result.maxDiff.toExponential(2)}`;
  } catch (err) {
    log(`ERROR: ${err && err.stack ? err.stack : err}`);
    window.__larqCheck = { ok: false, error: String(err && err.message ? err.message : err) };
    document.title = `FAIL ${window.__larqCheck.error}`;
  }
}
