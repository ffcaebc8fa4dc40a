"""A small OpenAI-compatible server on 127.0.0.1 for the Settings page's "Test connection".

Real HTTP (the backend's own openai client talks to it): ``GET /v1/models`` lists one model,
``POST /v1/chat/completions`` and ``/v1/completions`` stream a short reply. It records the
Authorization headers it saw, so a test can tell which API key was sent; ``delay_s`` slows each
answer (a screenshot of a test in progress, a bench of a slow server).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "gemma-3-4b-it"


@dataclass
class OpenAIStandIn:
    model: str = MODEL
    reply: str = "hi"
    delay_s: float = 0.0
    required_key: str | None = None  # answer 401 to any other key
    authorizations: list[str] = field(default_factory=list)
    url: str = ""
    _server: ThreadingHTTPServer | None = None

    def start(self) -> "OpenAIStandIn":
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                if stand_in.refused(self):
                    return
                stand_in.send_json(
                    self,
                    {"object": "list", "data": [{"id": stand_in.model, "object": "model", "owned_by": "me"}]},
                )

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if stand_in.refused(self):
                    return
                time.sleep(stand_in.delay_s)
                stand_in.stream(self, chat=self.path.rstrip("/").endswith("chat/completions"))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def refused(self, handler: BaseHTTPRequestHandler) -> bool:
        auth = handler.headers.get("Authorization", "")
        self.authorizations.append(auth)
        if self.required_key is None or auth == f"Bearer {self.required_key}":
            return False
        self.send_json(
            handler, {"error": {"message": "Invalid API key", "type": "invalid_request_error"}}, 401
        )
        return True

    @staticmethod
    def send_json(handler: BaseHTTPRequestHandler, data: dict, status: int = 200) -> None:
        body = json.dumps(data).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def stream(self, handler: BaseHTTPRequestHandler, *, chat: bool) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True
        if chat:
            choice = {
                "index": 0,
                "delta": {"role": "assistant", "content": self.reply},
                "finish_reason": "stop",
            }
            chunk = {
                "id": "c",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": self.model,
                "choices": [choice],
            }
        else:
            choice = {"index": 0, "text": self.reply, "finish_reason": "stop", "logprobs": None}
            chunk = {
                "id": "c",
                "object": "text_completion",
                "created": 0,
                "model": self.model,
                "choices": [choice],
            }
        handler.wfile.write(f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode())
        handler.wfile.flush()
