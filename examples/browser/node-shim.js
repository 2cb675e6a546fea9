// Stand-in for the Node built-ins (fs, path, os, perf_hooks, worker_threads) that tfjs-backend-wasm's ESM bundle
// imports statically. Its Emscripten loader only touches them under Node, so an empty object is enough here.
export default {};
