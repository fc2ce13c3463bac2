"""The four provinces, started once for the system tests and stopped after them; what
they used is printed at the end of the run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.system.delta import Delta, memory_table

_REPORT: list[str] = []


@pytest.fixture(scope="session")
def delta(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Delta]:
    provinces = Delta(tmp_path_factory.mktemp("delta"))
    try:
        provinces.start()
        yield provinces
        _REPORT.append(memory_table(provinces.memory()))
    finally:
        provinces.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for report in _REPORT:
        terminalreporter.section("memory of the four provinces (MiB)")
        terminalreporter.write_line(report)
