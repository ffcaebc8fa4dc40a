"""llama-cpp-python's own OpenAI-compatible server, started on loopback for the server-backend tests.

Shared by the backend tests, the CLI's server tests and the bench. Started with
``--interrupt_requests False`` unless a test asks otherwise: by default that server cuts a
streamed reply when another request arrives, and the batch sends several at once.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ALIAS = "understudy-gemma"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LlamaServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        """Stop it at once, as a crash or a pulled cable would."""
        self.process.kill()
        self.process.wait()


@contextlib.contextmanager
def llama_server(
    model: Path,
    log_dir: Path,
    *extra: str,
    api_key: str | None = None,
    interrupt: bool = False,
    threads: int = 2,
) -> Iterator[LlamaServer]:
    """Run ``python -m llama_cpp.server`` on a free loopback port until the block ends."""
    port = free_port()
    log_path = log_dir / f"server-{port}.log"
    args = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model),
        "--model_alias",
        ALIAS,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_threads",
        str(threads),
        "--n_ctx",
        "2048",
        "--verbose",
        "False",
        "--interrupt_requests",
        str(interrupt),
        *extra,
    ]
    if api_key:
        args += ["--api_key", api_key]
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    with log_path.open("wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/v1"
        try:
            deadline = time.monotonic() + 90
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"llama_cpp.server exited early; see {log_path}")
                with contextlib.suppress(OSError):
                    request = urllib.request.Request(f"{url}/models", headers=headers)
                    with urllib.request.urlopen(request, timeout=2) as response:
                        if response.status == 200:
                            break
                if time.monotonic() > deadline:
                    raise RuntimeError("llama_cpp.server did not start in 90 s")
                time.sleep(0.3)
            yield LlamaServer(url, process, log_path)
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
