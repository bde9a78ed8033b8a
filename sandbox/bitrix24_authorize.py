"""Simulated Bitrix24 authorize step: where the OAuth authorization-code flow starts.

``GET {portal}/oauth/authorize/?client_id=...&state=...&redirect_uri=...`` stands for "the
user signed in to the portal and approved the app", so there is no login form. The answer
is a 302 to ``redirect_uri`` carrying ``code``, ``state`` (as sent), ``domain``,
``member_id``, ``scope`` and ``server_domain``, the parameters Bitrix24 adds. The sandbox
redirects only to a loopback address (``http://127.0.0.1:PORT/...`` or
``http://localhost:PORT/...``), where a desktop app listens. Without ``redirect_uri`` it
goes to a page standing for the app's configured handler, which shows the code so a user
can copy it by hand. The code itself is exchanged at the OAuth server (bitrix24_oauth.py).
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode, urlsplit, urlunsplit

from sandbox.bitrix24_oauth import CODE_LIFETIME, SCOPE, Endpoints, OAuthServer
from sandbox.wire import Incoming, Reply

AUTHORIZE_PATH = "/oauth/authorize"
HANDLER_PATH = "/handler"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
NO_STORE = ("Cache-Control", "no-store")


def handle_authorize(oauth: OAuthServer, req: Incoming, *, user_id: int, endpoints: Endpoints,
                     handler_url: str) -> Reply:
    """Approve the app for ``user_id`` and send the browser on with a fresh code."""
    if req.method != "GET":
        return _page(405, "Method not allowed", "Open this address in a browser (GET).",
                     [("Allow", "GET")])
    params = req.query_params()
    client_id = params.get("client_id", "")
    if client_id != oauth.client_id:
        return _page(400, "Unknown application",
                     f"No application with client_id '{escape(client_id)}' is installed on "
                     "this portal.")
    redirect_uri = params.get("redirect_uri")
    if redirect_uri:
        problem = loopback_problem(redirect_uri)
        if problem is not None:
            return _page(400, "Redirect address refused",
                         f"redirect_uri '{escape(redirect_uri)}' {escape(problem)}. The sandbox "
                         "only redirects to http://127.0.0.1:PORT/... or "
                         "http://localhost:PORT/... (a loopback address).")
    code = oauth.issue_code(user_id)
    answer = {"code": code.value}
    if "state" in params:
        answer["state"] = params["state"]
    answer.update(domain=endpoints.domain, member_id=oauth.member_id, scope=SCOPE,
                  server_domain=endpoints.server_domain)
    location = _with_query(redirect_uri or handler_url, answer)
    return Reply.text(302, f"Redirecting to {location}", [("Location", location), NO_STORE])


def loopback_problem(uri: str) -> str | None:
    """Why ``uri`` is not an acceptable loopback redirect address, or None."""
    if any(ch.isspace() or ord(ch) < 32 or ch == "\\" for ch in uri):
        return "holds spaces, control characters or backslashes"
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme != "http":
        return "must use http:// (a loopback listener has no certificate)"
    if parts.username is not None or parts.password is not None:
        return "must not carry a user name or password"
    if parts.hostname not in LOOPBACK_HOSTS:
        return "is not on this computer"
    if port is None:
        return "needs an explicit port"
    if parts.fragment:
        return "must not have a #fragment"
    return None


def app_handler_page(req: Incoming) -> Reply:
    """The app's handler page: shows the code it was sent, for copying into the app."""
    if req.path.rstrip("/") != HANDLER_PATH:
        return Reply.text(404, f"Not found on the sandbox app: {req.path}")
    params = req.query_params()
    if "code" not in params:
        return _page(400, "No authorization code", "This page expects ?code=... from the "
                     "portal's authorize step.")
    rows = "".join(f"<tr><th>{escape(name)}</th><td><code>{escape(value)}</code></td></tr>"
                   for name, value in params.items())
    return _page(200, "StatusDesk sandbox app: authorization code",
                 "Copy the code into StatusDesk. It works once, within "
                 f"{CODE_LIFETIME} seconds (sandbox clock).</p>"
                 f"<p><input readonly size=80 value=\"{escape(params['code'])}\"></p>"
                 f"<table>{rows}</table><p>SANDBOX-ONLY: valid against this simulator only.",
                 [NO_STORE, ("Referrer-Policy", "no-referrer")])


def _with_query(uri: str, extra: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = "&".join(q for q in (parts.query, urlencode(extra)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def _page(status: int, title: str, text_html: str,
          headers: list[tuple[str, str]] | None = None) -> Reply:
    """A small HTML page; ``text_html`` is already escaped."""
    return Reply.html(status, "<!doctype html><html><head><meta charset=\"utf-8\">"
                              f"<title>{escape(title)}</title></head><body>"
                              f"<h1>{escape(title)}</h1><p>{text_html}</p></body></html>",
                      headers)
