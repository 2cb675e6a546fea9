#!/usr/bin/env bash
# The Python check of .ci/run (needs `npm ci` and a build first): sets up the pinned venv, regenerates the
# fixtures with real larq and compares them with the committed ones, runs the larq-ts → Python direction,
# the train-at-scale → larq-ts deploy path on a small number of steps, and every LCE-converted model
# (python/generate_lce_fixtures.py, also the ones too large to commit) imported by larq-ts against LCE's interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
python="$(bash python/setup_venv.sh | tail -n 1)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export TF_USE_LEGACY_KERAS=1 TF_CPP_MIN_LOG_LEVEL=3 PYTHONWARNINGS=ignore

echo "== regenerate the real-larq fixtures and compare with test/fixtures/larq"
"$python" python/generate_fixtures.py "$work/fixtures" > "$work/generate.log" 2>&1 || { tail -50 "$work/generate.log"; exit 1; }
"$python" python/compare_fixtures.py test/fixtures/larq "$work/fixtures"

echo "== larq-ts → tensorflowjs_converter → Python larq"
node build/examples/python_interop/export_model.js "$work/reverse"
"$python" python/check_reverse.py "$work/reverse" 2>&1 | grep -E "^(loaded|check_reverse)"

echo "== train at scale in Python (MirroredStrategy), deploy with larq-ts"
"$python" python/train_at_scale.py "$work/scale" --epochs 1 --steps-per-epoch 40 > "$work/scale.log" 2>&1 || { tail -50 "$work/scale.log"; exit 1; }
grep -E "replicas|held-out" "$work/scale.log"
node build/examples/python_interop/deploy.js "$work/scale" | grep -E "^(held-out|engine|larq summary)"
echo "== Larq Compute Engine: convert larq models with LCE's converter, import them with lq.engine.fromTFLite"
"$python" python/generate_lce_fixtures.py "$work/lce" > "$work/lce.log" 2>&1 || { tail -50 "$work/lce.log"; exit 1; }
grep -E "^lce:" "$work/lce.log"
LARQ_TS_LCE_FIXTURES="$work/lce/lce" node --test --test-reporter=dot build/test/engine/tflite/import.test.js
echo "== larq-ts → .tflite with LCE's ops → LCE's interpreter"
node build/examples/lce_interop/export_tflite.js "$work/lce_export" --steps 30
"$python" python/check_lce_export.py "$work/lce_export"
echo "== LCE's .tflite → lq.engine.fromTFLite → lq.engine.exportTFLite → LCE's interpreter"
for f in test/fixtures/lce/*/model.tflite "$work"/lce/lce/*/model.tflite; do
  name="$(basename "$(dirname "$f")")"
  node build/examples/lce_interop/export_tflite.js "$work/reexport/$name" --reexport "$f"
  "$python" python/check_lce_export.py "$work/reexport/$name"
done
echo "python check: passed"
