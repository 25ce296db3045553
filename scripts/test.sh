#!/usr/bin/env bash
# Install Newsbot with its test tools into .venv, lint and type-check, then run the whole test suite.
# Extra arguments go to pytest (e.g. scripts/test.sh -k cli -x).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
.venv/bin/ruff check index bot scripts tests
.venv/bin/mypy index bot scripts
exec .venv/bin/python -m pytest "$@"
