#!/usr/bin/env bash
# Create .venv in the repository root and install Newsbot into it.
#   scripts/install.sh          the application
#   scripts/install.sh --test   the application and the test tools
# torch==2.13.0 goes first: it is the CPU build on these machines' disk, and any
# other version would make pip fetch a multi-GB CUDA build. Running this again
# is quick and changes nothing unless pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
if [ "${1:-}" = "--test" ]; then extras="[test]"; fi

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null 2>&1 || python=python3
if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "Newsbot needs Python 3.11 ($python is $("$python" --version 2>&1))." >&2
  exit 2
fi

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi

stamp=".venv/.newsbot-install${extras}"
want="$(cat pyproject.toml scripts/install.sh | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi

export PIP_DISABLE_PIP_VERSION_CHECK=1
.venv/bin/python -m pip install --quiet torch==2.13.0
.venv/bin/python -m pip install --quiet -e ".${extras}"
echo "$want" > "$stamp"
