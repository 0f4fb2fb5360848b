"""Shared fixtures: one Prefect test harness per session, the --update-golden flag, and
builders for temporary sources folders."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Prefect reads these at import: a private home (fresh SQLite) and no analytics (network).
_PREFECT_HOME = tempfile.mkdtemp(prefix="policy-etl-prefect-")
atexit.register(shutil.rmtree, _PREFECT_HOME, ignore_errors=True)
os.environ.setdefault("PREFECT_HOME", _PREFECT_HOME)
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

REPO = Path(__file__).resolve().parent.parent
SOURCES = REPO / "sources"
SEED = REPO.parent / "shared" / "seeds" / "000_cd0088245f7f7ca7.txt"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden records.json snapshots from the current extractor output "
        "(expected.json files are written by hand and never rewritten)",
    )


@pytest.fixture(autouse=True)
def _cli_environment():
    """The CLI's root callback sets variables for its own process (flows/cli/app.py); a test
    that invokes it in this process must not hand them to the tests after it."""
    before = os.environ.get("ARROW_DEFAULT_MEMORY_POOL")
    yield
    if before is None:
        os.environ.pop("ARROW_DEFAULT_MEMORY_POOL", None)
    else:
        os.environ["ARROW_DEFAULT_MEMORY_POOL"] = before


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def prefect_harness():
    """The real Prefect API (temporary, local) for the whole session (~8 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip("../shared/seeds is not beside the project")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def sources_dir(tmp_path: Path) -> Path:
    root = tmp_path / "sources"
    (root / "code_reports").mkdir(parents=True)
    (root / "payer_policies").mkdir(parents=True)
    return root


def copy_samples(dest: Path, pattern: str = "**/*") -> list[Path]:
    """Copy bundled sample files matching `pattern` (relative to sources/) into `dest`."""
    copied = []
    for path in sorted(SOURCES.glob(pattern)):
        if path.is_file() and path.name != "README.md":
            target = dest / path.relative_to(SOURCES)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            copied.append(target)
    return copied
