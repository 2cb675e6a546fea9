/**
 * TwinPolicy: predicts run on the threads where they are measured faster and on the single-thread twin where they
 * are not (or only marginally) faster, follow a change of load both ways, and ignore the warm-up.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { TWIN_MARGIN, TWIN_WARMUP, TwinPolicy } from "../../../src/engine/threads/twin.js";

/**
 * Runs `n` predicts: the twin takes `twin(i)` ms, the threads `threads(i)` ms. Returns which variant ran each
 * predict (1 = threads).
 */
function drive(p: TwinPolicy, n: number, twin: (i: number) => number, threads: (i: number) => number): number[] {
  const ran: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = p.choose();
    ran.push(v);
    p.record(v, v === 1 ? threads(i) : twin(i));
  }
  return ran;
}

const share = (ran: number[], from = 0, to = ran.length): number => ran.slice(from, to).reduce((a, b) => a + b, 0) / (to - from);

/** The share of predicts on the threads after the first 20, over 500 at constant times (twin 10 ms). */
const steadyShare = (threadsMs: number): number =>
  share(
    drive(
      new TwinPolicy(),
      500,
      () => 10,
      () => threadsMs,
    ),
    20,
  );

describe("TwinPolicy", () => {
  it("runs on the threads where they are faster, trying the twin only now and then", () => {
    const s = steadyShare(6);
    assert.ok(s > 0.95 && s < 1, `threads share ${s}`);
  });

  it("runs on the twin where the threads are slower (a busy machine)", () => {
    // within 25% of each other: the threads are tried every 16th predict (6.25%); further apart, every 32nd
    const near = steadyShare(12);
    assert.ok(near > 0 && near < 0.07, `threads share ${near}`);
    const far = steadyShare(15);
    assert.ok(far > 0 && far < 0.035, `threads share ${far}`);
  });

  it("prefers the twin where the threads gain less than the margin", () => {
    const notEnough = steadyShare(10 * ((TWIN_MARGIN + 1) / 2)); // faster, but not by the margin
    assert.ok(notEnough < 0.1, `threads share ${notEnough}`);
    const enough = steadyShare(10 * (TWIN_MARGIN - 0.02));
    assert.ok(enough > 0.9, `threads share ${enough}`);
  });

  it("follows a change of the machine's load both ways within a hundred predicts", () => {
    // quiet (threads 0.6 of the twin), busy from predict 300 (threads 1.3), quiet again from 600
    const threads = (i: number) => (i >= 300 && i < 600 ? 13 : 6);
    const ran = drive(new TwinPolicy(), 900, () => 10, threads);
    assert.ok(share(ran, 305, 600) < 0.05, `busy: threads share ${share(ran, 305, 600)}`);
    assert.ok(share(ran, 700, 900) > 0.95, `quiet again: threads share ${share(ran, 700, 900)}`);
    // how long each switch took
    const toTwin = ran.slice(300).findIndex((v, k) => v === 0 && ran[301 + k] === 0 && ran[302 + k] === 0);
    assert.ok(toTwin >= 0 && toTwin <= 5, `switched to the twin ${toTwin} predicts after the load came`);
    const back = ran.slice(600).findIndex((v, k) => v === 1 && ran[601 + k] === 1 && ran[602 + k] === 1);
    assert.ok(back >= 0 && back <= 100, `back on the threads ${back} predicts after the load went`);
  });

  it("does not score each variant's first predicts, nor let one slow predict decide", () => {
    let threadRuns = 0;
    const p = new TwinPolicy();
    const ran = drive(
      p,
      300,
      () => 10,
      () => {
        threadRuns++;
        // the first predicts on the threads are 100× slower (compilation, first touch), then every 7th is 5× slower
        return threadRuns <= TWIN_WARMUP ? 600 : threadRuns % 7 === 0 ? 30 : 6;
      },
    );
    assert.ok(share(ran, 30) > 0.95, `threads share ${share(ran, 30)}`);
    const [twin, threads] = p.medians();
    assert.equal(twin, 10);
    assert.equal(threads, 6);
  });

  it("alternates until both variants are measured", () => {
    const p = new TwinPolicy();
    assert.deepEqual(p.medians(), [NaN, NaN]);
    const ran = drive(
      p,
      4,
      () => 10,
      () => 6,
    );
    assert.deepEqual(ran, [0, 1, 0, 1]);
  });
});
