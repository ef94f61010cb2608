"""The reliability suite prints the figures measured so far (the report file) after a run."""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from reliability import reliability_table, report_path  # noqa: E402


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    path = report_path()
    if not path.exists():
        return
    try:
        data = json.loads(path.read_text())
    except ValueError:
        return
    terminalreporter.write_sep("-", f"reliability figures ({path})")
    terminalreporter.write_line(reliability_table(data))
