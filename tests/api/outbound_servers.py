"""Small real servers on 127.0.0.1 that receive outbound notices in tests: an SMTP server
(the commands `smtplib` sends, no extensions) and an HTTP server recording webhook requests."""

from __future__ import annotations

import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    refuse: int = 0
    """Answer the next `refuse` MAIL commands with 451 (a temporary failure)."""


class _SmtpHandler(socketserver.StreamRequestHandler):
    server: _SmtpServer

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode("ascii"))
        self.wfile.flush()

    def handle(self) -> None:
        box = self.server.box
        self.reply("220 test ESMTP")
        to: list[str] = []
        while line := self.rfile.readline():
            verb = line.decode("ascii", "replace").strip().split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 test")
            elif verb == "MAIL":
                if box.refuse:
                    box.refuse -= 1
                    self.reply("451 try again later")
                else:
                    to = []
                    self.reply("250 OK")
            elif verb == "RCPT":
                to.append(line.decode("ascii").split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 go on")
                self._data(box, to)
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:  # RSET, NOOP
                self.reply("250 OK")

    def _data(self, box: Mailbox, to: list[str]) -> None:
        lines: list[bytes] = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        message = message_from_bytes(b"".join(lines), policy=policy.default)
        assert isinstance(message, EmailMessage)
        box.messages.append(message)
        box.recipients.append(list(to))
        self.reply("250 queued")


class _SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    box: Mailbox


@contextmanager
def smtp_server() -> Iterator[tuple[int, Mailbox]]:
    server = _SmtpServer(("127.0.0.1", 0), _SmtpHandler)
    server.box = Mailbox()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], server.box
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Hook:
    requests: list[dict[str, Any]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    """Statuses for the next requests (then 204); 302 redirects to /elsewhere."""
    delay: float = 0
    """Seconds to wait before answering (a receiver slower than the timeout)."""


class _HookHandler(BaseHTTPRequestHandler):
    server: _HookServer

    def do_POST(self) -> None:
        hook = self.server.hook
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        hook.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        if hook.delay:
            time.sleep(hook.delay)
        status = hook.answers.pop(0) if hook.answers else 204
        self.send_response(status)
        if status == 302:
            self.send_header("Location", "/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        return None


class _HookServer(ThreadingHTTPServer):
    daemon_threads = True
    hook: Hook


@contextmanager
def webhook_server() -> Iterator[tuple[int, Hook]]:
    server = _HookServer(("127.0.0.1", 0), _HookHandler)
    server.hook = Hook()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], server.hook
    finally:
        server.shutdown()
        server.server_close()
