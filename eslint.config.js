// ESLint (flat config): typescript-eslint's recommended rules over the sources, tests, examples and benchmarks.
// Generated code (src/engine/tflite/schema) and build output are not linted.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "build/**",
      "node_modules/**",
      "src/engine/tflite/schema/**",
      "examples/**/dist/**",
      "scripts/browser/**/dist/**",
      "examples/bundlers/.pack/**",
      "docs/api/**",
      "scripts/docs/node_modules/**",
      "**/node_modules/**",
      "examples/bundlers/**/node_modules/**",
      "tmp/**",
      "python/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Node scripts in plain JavaScript (TypeScript files get their globals from the type checker).
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: {
      globals: Object.fromEntries(
        ["process", "console", "URL", "setTimeout", "clearTimeout", "TextDecoder", "TextEncoder", "Buffer", "fetch", "performance"].map(
          (g) => [g, "readonly"],
        ),
      ),
    },
  },
  {
    // Pages, workers and page scripts that run in the browser.
    files: [
      "examples/bundlers/**/*.js",
      "examples/web/**/*.js",
      "examples/browser/**/*.js",
      "scripts/browser/**/*.js",
      "scripts/browser/**/*.mjs",
    ],
    languageOptions: {
      globals: Object.fromEntries([
        ["onmessage", "writable"],
        ...[
          "document",
          "window",
          "self",
          "navigator",
          "location",
          "Worker",
          "crossOriginIsolated",
          "postMessage",
          "requestAnimationFrame",
          "performance",
          "indexedDB",
          "Blob",
          "atob",
          "btoa",
        ].map((g) => [g, "readonly"]),
      ]),
    },
  },
  {
    files: ["**/*.ts"],
    rules: { "no-undef": "off" },
  },
  {
    languageOptions: { ecmaVersion: 2022, sourceType: "module" },
    rules: {
      // Keras-style configs and tfjs internals are untyped JSON; `any` is confined to those boundaries.
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
);
