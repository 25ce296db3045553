"""The developer tools in scripts/dev (tuning, calibration, long benchmarks) still import after code moves.

mypy cannot tell (imports it cannot find are ignored for third-party packages without types), and the
tools are only run by hand, so a moved module would otherwise surface only when someone needs the tool.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

TOOLS = sorted(p.stem for p in (Path(__file__).parents[1] / "scripts" / "dev").glob("*.py") if p.stem != "__init__")


def test_the_tools_are_found() -> None:
    assert "tune_fusion" in TOOLS and "eval_over_time" in TOOLS


@pytest.mark.parametrize("name", TOOLS)
def test_every_developer_tool_imports_and_has_a_main(name: str) -> None:
    module = importlib.import_module(f"scripts.dev.{name}")
    assert callable(getattr(module, "main", None)), f"scripts/dev/{name}.py has no main()"
