"""The API server the CLI starts ahead of a run: used when Prefect has no API, left unused
when it has one, stopped in every case, and never loaded into the pipeline's process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.pipeline import run_flow
from flows.runtime.api_server import ApiServer, ServerStartError, api_url_configured
from flows.settings import Settings
from tests.conftest import SOURCES

pytestmark = pytest.mark.e2e


def test_a_server_that_does_not_answer_in_time_is_stopped():
    server = ApiServer().start()
    process = server.process
    assert process is not None
    with pytest.raises(ServerStartError, match="did not answer within 0 s"):
        server.wait_ready(timeout=0.0)
    assert server.process is None
    assert process.poll() is not None  # terminated and reaped, not left running


def test_a_configured_api_wins_and_the_started_server_is_stopped(prefect_harness, tmp_path):
    server = ApiServer().start()  # as the CLI would, not knowing of the harness
    process = server.process
    assert process is not None
    summary = run_flow(
        Settings(sources=SOURCES, output=tmp_path / "output", workers=1), server=server
    )
    assert summary.status == "completed"
    assert server.process is None
    assert process.poll() is not None


_START_AND_WAIT = """
import sys, time
from flows.runtime.api_server import ApiServer
server = ApiServer().start()
print(server.process.pid, flush=True)
time.sleep(600)
"""


def _state(pid: int) -> str:
    """The process's state letter from /proc (Z: exited, not yet reaped), or "gone"."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_the_server_exits_when_the_run_that_started_it_is_killed():
    parent = subprocess.Popen(
        [sys.executable, "-c", _START_AND_WAIT], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    server_pid = int(parent.stdout.readline())
    assert _state(server_pid) not in ("Z", "gone")
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 30
    while _state(server_pid) not in ("Z", "gone") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _state(server_pid) in ("Z", "gone")


_CLI_RUN = """
import json, os, sys
from flows.cli import app
try:
    app(["run", "--sources", sys.argv[1], "--output", sys.argv[2], "--workers", "1"],
        prog_name="policy-etl")
except SystemExit as exc:
    code = exc.code
servers = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        with open(f"/proc/{pid}/stat") as stat, open(f"/proc/{pid}/cmdline", "rb") as cmd:
            parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            if parent == os.getpid() and b"flows.runtime.api_server" in cmd.read():
                servers.append(int(pid))
    except OSError:
        continue
print(json.dumps({
    "code": code,
    "server_modules": sorted(m for m in sys.modules if m.startswith("prefect.server")),
    "servers_left": servers,
}))
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_cli_run_reports_to_its_own_server_and_stops_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    env["PREFECT_LOGGING_LEVEL"] = "INFO"
    done = subprocess.run(
        [sys.executable, "-c", _CLI_RUN, str(SOURCES), str(tmp_path / "output")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] in (0, None), done.stderr
    assert result["server_modules"] == []
    assert result["servers_left"] == []
    # The flow ran against the server, and every log reached it before it stopped.
    assert "Finished in state Completed()" in done.stderr
    assert "Starting temporary server" not in done.stderr
    assert "Error logging to API" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert (tmp_path / "output" / "documents" / "_delta_log").is_dir()


@pytest.mark.parametrize(
    ("where", "text"),
    [
        (None, None),
        ("profiles", 'active = "work"\n[profiles.work]\nPREFECT_API_URL = "http://x:4200/api"\n'),
        ("prefect.toml", '[api]\nurl = "http://x:4200/api"\n'),
        ("pyproject.toml", '[tool.prefect.api]\nurl = "http://x:4200/api"\n'),
        (".env", "OTHER=1\nPREFECT_API_URL=http://x:4200/api\n"),
    ],
)
def test_an_api_url_in_any_prefect_settings_source_is_seen(tmp_path, monkeypatch, where, text):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("PREFECT_PROFILE", raising=False)
    monkeypatch.delenv("PREFECT_PROFILES_PATH", raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "home").mkdir()
    # A profile that is not the active one does not count.
    (tmp_path / "home" / "profiles.toml").write_text(
        '[profiles.other]\nPREFECT_API_URL = "http://y:4200/api"\n', encoding="utf-8"
    )
    if where is not None:
        path = tmp_path / "home" / "profiles.toml" if where == "profiles" else tmp_path / where
        path.write_text(text, encoding="utf-8")
    assert api_url_configured() is (where is not None)
    monkeypatch.setenv("PREFECT_API_URL", "http://z:4200/api")
    assert api_url_configured()
