"""Prefect's temporary API server, started by the CLI ahead of a run in its own process
(and session), and stopped with the run, even a killed one."""

# Why not let Prefect start it: at the first flow call Prefect imports the whole server
# application into our process (~80 MiB, kept for the run) and only then starts the
# server, after the pipeline's imports. Started here first, by the command Prefect uses,
# the server loads on the other core while this process imports the pipeline, and none of
# its modules enter ours. The flow module (the only one that imports Prefect) decides
# whether the run uses it: not when Prefect has an API URL already. The server exits when
# its stdin, a pipe from us, closes; in its own session, a Ctrl-C meant for the run does
# not stop it before the run has reported its end.

from __future__ import annotations

import http.client
import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path
from typing import Any

#: Prefect's own environment for its temporary server: no UI, ephemeral mode.
SERVER_ENV = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
}

#: Seconds to wait for /api/health when Prefect's own setting does not say: a fresh
#: PREFECT_HOME (database migrations) takes ~12 s on a 2-core machine.
STARTUP_TIMEOUT_S = 120.0

#: uvicorn's exit code when the server could not start.
STARTUP_FAILURE_EXIT = 3


class ServerStartError(RuntimeError):
    """The temporary API server exited or did not answer in time."""


def _toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def api_url_configured() -> bool:
    """Whether Prefect has an API URL of its own, as far as its settings sources tell
    without importing it: the environment, the active profile, and prefect.toml,
    pyproject.toml or .env in the working folder. The flow module checks again with
    Prefect itself (and stops a server started for nothing)."""
    if os.environ.get("PREFECT_API_URL"):
        return True
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    profiles = _toml(Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml"))
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active")
    if profiles.get("profiles", {}).get(active, {}).get("PREFECT_API_URL"):
        return True
    if _toml(Path("prefect.toml")).get("api", {}).get("url"):
        return True
    if _toml(Path("pyproject.toml")).get("tool", {}).get("prefect", {}).get("api", {}).get("url"):
        return True
    try:
        dotenv = Path(".env").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(line.strip().startswith("PREFECT_API_URL=") for line in dotenv.splitlines())


def _startup_timeout() -> float:
    value = os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS")
    try:
        return max(float(value), STARTUP_TIMEOUT_S) if value else STARTUP_TIMEOUT_S
    except ValueError:
        return STARTUP_TIMEOUT_S


class ApiServer:
    """A Prefect API server in a subprocess on a free local port, for one run."""

    def __init__(self) -> None:
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> ApiServer:
        """Start the server process and return at once (`wait_ready` waits for it)."""
        if importlib.util.find_spec("prefect") is None:
            raise ServerStartError("prefect is not installed in this environment")
        # -P: the working folder is not put on sys.path (it may hold another `flows`).
        command = [sys.executable, "-P", "-m", "flows.runtime.api_server"]
        options: dict[str, Any] = {}
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
            if os.name == "posix":
                # The server gets the bound socket itself: no other process can take the
                # port between our choice and its start.
                options = {"pass_fds": (sock.fileno(),), "start_new_session": True}
                command += ["--fd", str(sock.fileno())]
            else:
                options = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined]
                command += ["--port", str(self.port)]
                sock.close()
            self.process = subprocess.Popen(
                command,
                env={**os.environ, **SERVER_ENV},
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                **options,
            )
        return self

    def wait_ready(self, timeout: float | None = None) -> str:
        """Block until the server answers /api/health; its API URL. Raises
        ServerStartError (and stops it) if it exits or does not answer in time."""
        if self.process is None:
            self.start()
        timeout = _startup_timeout() if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            assert self.process is not None
            code = self.process.poll()
            if code is not None:
                self.stop()
                raise ServerStartError(
                    f"Prefect's API server exited with code {code} before it was ready "
                    "(its error is printed above); set PREFECT_API_URL to use a running one"
                )
            if self._healthy():
                return self.api_url
            if time.monotonic() > deadline:
                self.stop()
                raise ServerStartError(
                    f"Prefect's API server did not answer within {timeout:.0f} s; set "
                    "PREFECT_API_URL to use a running one"
                )
            time.sleep(0.05)

    def _healthy(self) -> bool:
        # http.client, not urllib: a proxy set in the environment must not see this call.
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/api/health")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def stop(self) -> None:
        """Stop the server (terminate, then kill after 5 s). Safe to call twice."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        if process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _serve(argv: list[str]) -> None:
    """The server process: Prefect's application under uvicorn, as Prefect runs its own
    temporary server, on the socket (--fd) or port (--port) given, until stopped or until
    stdin ends (the run that started it closed the pipe or died)."""

    def exit_with_parent() -> None:
        sys.stdin.buffer.read()
        os._exit(0)

    threading.Thread(target=exit_with_parent, name="exit-with-parent", daemon=True).start()
    import uvicorn

    option, value = argv
    config = uvicorn.Config(
        "prefect.server.api.server:create_app",
        factory=True,
        host="127.0.0.1",
        port=int(value) if option == "--port" else 0,
        log_level="error",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    server.run(sockets=[socket.socket(fileno=int(value))] if option == "--fd" else None)
    if not server.started:
        sys.exit(STARTUP_FAILURE_EXIT)


if __name__ == "__main__":
    _serve(sys.argv[1:])
