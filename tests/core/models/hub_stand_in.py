"""A stand-in for the Hugging Face Hub on 127.0.0.1: real HTTP, Range, redirects, LFS headers.

``HEAD/GET /{repo}/resolve/main/{file}`` answers like the Hub: a 302 to ``/cdn/{file}`` that
carries ``X-Linked-Etag`` (the sha256) and ``X-Linked-Size``. ``/cdn/{file}`` serves the bytes
with Range support. Switches let a test cut the connection at a byte, ignore Range, publish a
wrong hash, or refuse (401) as for a gated model.
"""

from __future__ import annotations

import hashlib
import http.server
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote


@dataclass
class HubFile:
    path: Path
    sha256: str = ""
    size: int = 0

    def __post_init__(self) -> None:
        digest = hashlib.sha256()
        with self.path.open("rb") as handle:
            while block := handle.read(8 << 20):
                digest.update(block)
        self.sha256 = digest.hexdigest()
        self.size = self.path.stat().st_size


@dataclass
class HubStandIn:
    files: dict[str, HubFile] = field(default_factory=dict)  # "repo/file" -> file
    cut_at: int | None = None  # drop the connection once this many bytes of the file were sent (once)
    ignore_range: bool = False
    advertised_sha256: str | None = None  # publish this instead of the real hash
    refuse_status: int | None = None  # e.g. 401 for a gated model
    ranges_seen: list[str] = field(default_factory=list)
    base: str = ""
    _server: http.server.ThreadingHTTPServer | None = None

    def start(self) -> "HubStandIn":
        stand_in = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def do_HEAD(self) -> None:
                stand_in.answer(self, body=False)

            def do_GET(self) -> None:
                stand_in.answer(self, body=True)

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _find(self, path: str) -> tuple[str, HubFile] | None:
        for key, hub_file in self.files.items():
            repo, name = key.rsplit("/", 1)
            if path in (f"/{repo}/resolve/main/{name}", f"/cdn/{name}"):
                return name, hub_file
        return None

    def answer(self, handler: http.server.BaseHTTPRequestHandler, *, body: bool) -> None:
        path = unquote(handler.path.split("?")[0])
        found = self._find(path)
        if self.refuse_status and "/resolve/" in path:
            return self._status(handler, self.refuse_status)
        if found is None:
            return self._status(handler, 404)
        name, hub_file = found
        if "/resolve/" in path:
            handler.send_response(302)
            handler.send_header("Location", f"/cdn/{name}")
            handler.send_header("X-Linked-Etag", f'"{self.advertised_sha256 or hub_file.sha256}"')
            handler.send_header("X-Linked-Size", str(hub_file.size))
            handler.send_header("ETag", f'"{self.advertised_sha256 or hub_file.sha256}"')
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return None
        start = 0
        asked = handler.headers.get("Range")
        if asked:
            self.ranges_seen.append(asked)
        if asked and not self.ignore_range:
            start = int(asked.removeprefix("bytes=").split("-")[0])
            if start >= hub_file.size:
                handler.send_response(416)
                handler.send_header("Content-Range", f"bytes */{hub_file.size}")
                handler.send_header("Content-Length", "0")
                handler.end_headers()
                return None
            handler.send_response(206)
            handler.send_header("Content-Range", f"bytes {start}-{hub_file.size - 1}/{hub_file.size}")
        else:
            handler.send_response(200)
            handler.send_header("Accept-Ranges", "bytes")
        handler.send_header("Content-Length", str(hub_file.size - start))
        handler.send_header("Content-Type", "application/octet-stream")
        handler.end_headers()
        if not body:
            return None
        sent = start
        with hub_file.path.open("rb") as handle:
            handle.seek(start)
            while block := handle.read(256 * 1024):
                if self.cut_at is not None and sent + len(block) > self.cut_at:
                    handler.wfile.write(block[: max(self.cut_at - sent, 0)])
                    handler.wfile.flush()
                    self.cut_at = None  # once: the next request gets the rest
                    handler.close_connection = True
                    handler.connection.shutdown(2)  # drop the connection mid-body
                    return None
                try:
                    handler.wfile.write(block)
                except (BrokenPipeError, ConnectionResetError):
                    return None  # the client went away (a cancel)
                sent += len(block)
        return None

    @staticmethod
    def _status(handler: http.server.BaseHTTPRequestHandler, status: int) -> None:
        handler.send_response(status)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
