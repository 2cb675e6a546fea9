#!/usr/bin/env bash
# Creates (or reuses) the Python reference venv from python/requirements.txt.
# Usage: bash python/setup_venv.sh [VENV_DIR]   (default python/.venv; LARQ_TS_VENV also sets it)
# Prints the venv's python path on its last line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${1:-${LARQ_TS_VENV:-$here/.venv}}"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null 2>&1 || python=python3
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
  echo "setup_venv.sh: Python 3.11 is required (found $("$python" --version 2>&1))" >&2
  exit 1
fi
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet -r "$here/requirements.txt"
  echo "$want" > "$stamp"
fi
echo "$venv/bin/python"
