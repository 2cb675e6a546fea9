// The Chromium flags shared by the browser tests (run.mjs) and the browser benchmark (bench.mjs).

/** Chromium flags: headless, no sandbox (root in CI), and nothing that reaches for the network. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--disable-extensions",
];

/** GPU flags: WebGL and WebGPU on SwiftShader, Chromium's software renderer (no GPU needed). */
export const GPU_ARGS = [
  "--use-angle=swiftshader",
  "--enable-unsafe-swiftshader",
  "--enable-unsafe-webgpu",
  "--enable-features=Vulkan",
  "--use-webgpu-adapter=swiftshader",
];
