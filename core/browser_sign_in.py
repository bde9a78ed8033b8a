"""Signing in through the browser (Bitrix24 OAuth authorization code), for CLI and window.

A person approves the app on the portal's page; the portal sends the browser to our
redirect address with ``?code=...&state=...``. We listen for that on 127.0.0.1 (a random
port) and also accept the code pasted by hand: the whole address the browser ended on, or
the bare code, for portals whose app only redirects to its own handler page.
The code is then exchanged for tokens by ``core.sending.sign_in``.
"""

from __future__ import annotations

import contextlib
import html
import queue
import secrets
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from core.profiles import Profile
from core.secrets import Secrets
from core.systems import get_system
from core.systems.base import InvalidInput, MissingSecret, browser_sign_in
from core.systems.bitrix24 import CLIENT_SECRET  # the one browser flow there is

_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>StatusDesk</title></head>
<body style="font-family:sans-serif;margin:3em"><h1>{title}</h1><p>{text}</p></body></html>"""


_CLOSED = "\x00closed"  # queued by close(): no code will come


class SignInDenied(Exception):
    """The portal reported that the person did not approve the app (or another error)."""


class BrowserSignIn:
    """One sign-in attempt: the page to open, and the code once it arrives.

    Use as a context manager, or call ``close`` to stop listening.
    """

    def __init__(self, profile: Profile, store: Secrets) -> None:
        system = get_system(profile.system)
        if not store.read_all(profile.name, [CLIENT_SECRET.key]):
            raise MissingSecret(profile.name, CLIENT_SECRET.key, CLIENT_SECRET.label)
        self.profile = profile
        self.state = secrets.token_urlsafe(16)
        self._codes: queue.Queue[str | BaseException] = queue.Queue()
        self._closed = threading.Event()
        self._server = _Receiver(("127.0.0.1", 0), _Handler)
        self._server.sign_in = self
        self.redirect_uri = f"http://127.0.0.1:{self._server.server_address[1]}/"
        try:
            browser = browser_sign_in(system, profile)
            url = browser.authorization_url(profile, self.redirect_uri, self.state) \
                if browser is not None else None
            if url is None:
                raise InvalidInput("auth", f"Profile {profile.name!r} does not sign in "
                                   "through a browser.")
        except BaseException:
            self._server.server_close()
            raise
        self.authorization_url = url
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="browser-sign-in", daemon=True)
        self._thread.start()

    def __enter__(self) -> BrowserSignIn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait(self, timeout: float | None = None) -> str | None:
        """The code, once the browser or ``paste`` delivered it; None on timeout or close.

        Raises SignInDenied when the portal reported an error instead of a code.
        """
        try:
            got = self._codes.get(timeout=timeout)
        except queue.Empty:
            return None
        if isinstance(got, BaseException):
            raise got
        if got is _CLOSED:
            self._codes.put(_CLOSED)  # every later wait() ends at once too
            return None
        return got

    def paste(self, text: str) -> str:
        """Take a pasted address (or bare code); raises InvalidInput saying what is wrong."""
        code = code_from_text(text, self.state)
        self._codes.put(code)
        return code

    def close(self) -> None:
        """Stop listening, drop open connections, wake any wait() (within about 50 ms)."""
        self._closed.set()
        self._codes.put(_CLOSED)
        self._server.shutdown()
        self._server.server_close()
        self._server.drop_connections()

    def _received(self, query: dict[str, list[str]]) -> tuple[int, str, str]:
        """(HTTP status, title, text) for the page the browser shows."""
        if self._closed.is_set():
            return 410, "Sign-in over", "StatusDesk stopped waiting. Start Sign in again."
        if query.get("state", [""])[0] != self.state:
            return 400, "Not this sign-in", ("This address belongs to another sign-in attempt. "
                                              "Start Sign in again from StatusDesk.")
        if "error" in query:
            reason = query.get("error_description", query["error"])[0]
            self._codes.put(SignInDenied(f"The portal did not sign you in: {reason}"))
            return 200, "Not signed in", f"The portal answered: {reason}"
        code = query.get("code", [""])[0]
        if not code:
            return 400, "No code", "The address carries no authorization code."
        self._codes.put(code)
        return 200, "Signed in", "StatusDesk got the approval. You can close this tab."


def code_from_text(text: str, state: str = "") -> str:
    """The authorization code in a pasted address, or the pasted code itself."""
    text = text.strip()
    if not text:
        raise InvalidInput("code", "Paste the address the browser ended on, or the code.")
    if "://" in text or text.startswith("?") or "code=" in text:
        query = parse_qs(urlsplit(text).query if "://" in text else text.lstrip("?"))
        if "error" in query:
            raise InvalidInput("code", "The portal did not sign you in: "
                               + query.get("error_description", query["error"])[0])
        code = query.get("code", [""])[0]
        if not code:
            raise InvalidInput("code", "That address carries no code=...: paste the whole "
                               "address the browser ended on after you approved the app.")
        pasted_state = query.get("state", [""])[0]
        if state and pasted_state and pasted_state != state:
            raise InvalidInput("code", "That address belongs to an older sign-in attempt: "
                               "approve the app again and paste the new address.")
        return code
    if any(c.isspace() for c in text) or len(text) > 512:
        raise InvalidInput("code", "That does not look like an authorization code.")
    return text


class _Receiver(ThreadingHTTPServer):
    """The loopback listener; remembers its connections so close() can drop idle ones."""

    daemon_threads = True
    sign_in: BrowserSignIn

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: socket.socket,  # type: ignore[override]
                        client_address: tuple[str, int]) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self._open_lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


class _Handler(BaseHTTPRequestHandler):
    server_version = "StatusDesk"
    timeout = 10  # a browser's idle pre-connection is not kept open for ever

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        sign_in = self.server.sign_in  # type: ignore[attr-defined]
        query = parse_qs(urlsplit(self.path).query)
        if urlsplit(self.path).path != "/" or not query:
            status, title, text = 404, "Not found", "Nothing here."
        else:
            status, title, text = sign_in._received(query)
        body = _PAGE.format(title=html.escape(title), text=html.escape(text)).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return None  # the query holds the code: never print it
