#!/usr/bin/env bash
# Install Newsbot with its test tools into .venv, lint and type-check, then run the whole test suite.
# Extra arguments go to pytest (e.g. scripts/test.sh -k cli -x).
#
# The suite runs in two parts: most tests on two workers (pytest-xdist; the end-to-end tests mostly
# wait on bot processes, so two workers take about 0.7 of the time on two cores), then the tests
# marked `serial` on their own. Those are the admin's reindex tests: the bot reindexes at the lowest
# CPU priority, by design, and behind a second worker's tests one took 157 s instead of 50.
# A part that selects no tests (pytest's exit code 5) is fine as long as the other part ran some.
# (A `-m` of your own would replace the split: run .venv/bin/python -m pytest directly for that.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
.venv/bin/ruff check index bot scripts tests
.venv/bin/mypy index bot scripts

set +e
.venv/bin/python -m pytest -n 2 -m "not serial" "$@"
parallel=$?
.venv/bin/python -m pytest -m serial "$@"
serial=$?
set -e

if [ "$parallel" -eq 5 ] && [ "$serial" -eq 5 ]; then
  echo "No tests were selected." >&2
  exit 5
fi
for code in "$parallel" "$serial"; do
  if [ "$code" -ne 0 ] && [ "$code" -ne 5 ]; then
    exit "$code"
  fi
done
