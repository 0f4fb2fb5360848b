"""Prefect's temporary API server, started by us ahead of the run.

With no API configured, Prefect starts a temporary server itself at the first flow call:
it imports the whole server application into our process (~80 MiB that stay for the run)
and only then starts the server, after the pipeline's own imports. Started here instead,
by the same command Prefect uses, the server loads in its own process while this one
imports the pipeline and the workers start, and none of its modules enter ours.

The server process watches its stdin, a pipe from us: when it closes (we stopped or were
killed), the server exits, so a killed run leaves no orphaned server behind.

Light to import: no Prefect, pandas or pyarrow. The flow module decides whether the run
uses this server (it does not when Prefect already has an API URL, from the environment
or a profile).
"""

from __future__ import annotations

import http.client
import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time

#: Prefect's own environment for its temporary server: no UI, ephemeral mode.
SERVER_ENV = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
}

#: uvicorn's exit code when the port was taken between our check and its bind.
PORT_IN_USE_EXIT = 3

#: Seconds to wait for /api/health; a fresh PREFECT_HOME (database migrations) takes ~12 s.
STARTUP_TIMEOUT_S = 120.0


class ServerStartError(RuntimeError):
    """The temporary API server exited or did not answer in time."""


def api_url_configured() -> bool:
    """Whether Prefect already has an API to report to, as far as can be told without
    importing it: PREFECT_API_URL in the environment, or set in this process (a test
    harness). A URL in a Prefect profile is found later, by the flow module."""
    if os.environ.get("PREFECT_API_URL"):
        return True
    if "prefect.settings" not in sys.modules:
        return False
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value())


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
        self.port = _free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flows.api_server", str(self.port)],
            env={**os.environ, **SERVER_ENV},
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
        )
        return self

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT_S) -> str:
        """Block until the server answers /api/health; its API URL.

        Raises ServerStartError if it exits (it is restarted once on another port if that
        one was taken) or does not answer within `timeout` seconds."""
        if self.process is None:
            self.start()
        deadline = time.monotonic() + timeout
        restarted = False
        while True:
            assert self.process is not None
            code = self.process.poll()
            if code == PORT_IN_USE_EXIT and not restarted:
                restarted = True
                self.start()
                continue
            if code is not None:
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


def _serve(port: int) -> None:
    """The server process: Prefect's application under uvicorn (as Prefect runs its own
    temporary server) until stopped, or until stdin reaches its end: the run that started
    it closed the pipe or died."""

    def exit_with_parent() -> None:
        sys.stdin.buffer.read()
        os._exit(0)

    threading.Thread(target=exit_with_parent, name="exit-with-parent", daemon=True).start()
    import uvicorn

    uvicorn.run(
        "prefect.server.api.server:create_app",
        factory=True,
        host="127.0.0.1",
        port=port,
        log_level="error",
        lifespan="on",
    )


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
