from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ksg import Server, server_binary, warmup_fixes  # noqa: E402

#: Sessions the shared server holds: the 64-session isolation test plus room for the others.
SHARED_MAX_SESSIONS = 100


def pytest_configure(config: pytest.Config) -> None:
    try:
        server_binary()
    except FileNotFoundError as e:
        raise pytest.UsageError(str(e))


@pytest.fixture(scope="session")
def server():
    with Server("--max-sessions", str(SHARED_MAX_SESSIONS)) as s:
        yield s


@pytest.fixture(scope="session")
def fix():
    """A warmup incident with one fault, and commands that repair it."""
    fixes = warmup_fixes()
    assert fixes, "no warmup incident with a fault of a known fix among the first 20"
    return fixes[0]
