// Gives seedrandom's UMD file (loaded next by seedrandom-shim.js) a CommonJS-style `module` to export into.
globalThis.module = { exports: {} };
