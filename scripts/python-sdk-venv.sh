#!/usr/bin/env bash
# A Python venv with the official openai SDK (3.x) for test/sdk/openai-python.test.ts.
# Prints the venv's python; the test finds it through SORA_TEST_PYTHON:
#   export SORA_TEST_PYTHON="$(bash scripts/python-sdk-venv.sh)"
# Installs once: a venv that already has openai>=3 is reused. VENV overrides the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${VENV:-.cache/python-sdk}"
python="$venv/bin/python"
has_sdk='import sys, openai; sys.exit(0 if int(openai.__version__.split(".")[0]) >= 3 else 3)'

if ! [ -x "$python" ] || ! "$python" -c "$has_sdk" 2>/dev/null; then
  python3 -m venv "$venv" >&2
  # --retries 1: an index that does not answer costs seconds, not minutes, for each package.
  "$python" -m pip install --quiet --disable-pip-version-check --retries 1 'openai>=3,<4' >&2
  "$python" -c "$has_sdk"
fi
echo "$(cd "$(dirname "$python")" && pwd)/$(basename "$python")"
