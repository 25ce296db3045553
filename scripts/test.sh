#!/usr/bin/env bash
# Install Newsbot with its test tools into .venv, then run the whole test suite.
# Extra arguments go to pytest (e.g. scripts/test.sh -k cli -x).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
exec .venv/bin/python -m pytest "$@"
