"""HTTP for one profile: one httpx.Client, timeouts, TLS on, size-limited answers.

``Connection.perform`` puts an OutgoingRequest on the wire and returns what came back,
exactly: the request headers as httpx sent them (Host, Content-Length, User-Agent...),
the response's status line, headers and body bytes (never decompressed: we ask for
``identity`` so the body on screen is the body on the wire), plus timings. Failures
below HTTP become a plain-words Outcome instead of an exception.

``Connection.abort`` (and ``close``), from any thread, ends the calls in flight at once
(how: core.cancelling); a cut call comes back as a "cancelled" Delivery, which says
whether its request had started out.

The profile's timeout bounds the whole call, from connecting to the last body byte: httpx's
time-outs are per read (a server sending one byte a second never trips them), so a watchdog
cuts a call still running just past it, and the outcome says the server was too slow.
"""

from __future__ import annotations

import io
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from core import __version__
from core.cancelling import Call, CallsInFlight, cancelled
from core.exchange import Outcome, OutcomeKind, OutgoingRequest, ReceivedResponse, Timings
from core.hints import RAISE_SIZE_LIMIT
from core.html_page import html_title
from core.profiles import BYTES_PER_MB, Profile
from core.proxy import check_proxy, with_password
from core.tls import trust_context

USER_AGENT = f"StatusDesk/{__version__}"
CONNECT_TIMEOUT_MAX = 15.0  # seconds: a connection that takes longer is not coming
# Seconds past the timeout at which the watchdog cuts a call: first a silent server's own
# read time-out says "no answer", and a trickling body's check says "still arriving".
DEADLINE_GRACE = 0.25


@dataclass(frozen=True)
class Delivery:
    """What happened to one request: what was sent, and the response or the failure."""

    request: OutgoingRequest
    response: ReceivedResponse | None
    timings: Timings
    failure: Outcome | None = None
    error: str | None = None


class Connection:
    """One client per profile, reused across calls (connection pooling, one TLS setup).

    Safe to share between threads; ``abort`` and ``close`` may come from any thread.
    """

    def __init__(self, profile: Profile, *, max_response_bytes: int | None = None):
        self.profile = profile
        self.max_response_bytes = max_response_bytes or profile.max_response_bytes
        self._in_flight = CallsInFlight()
        proxy = None
        if profile.proxy:  # the password joins the address here, in memory only
            proxy = with_password(check_proxy(profile.proxy), profile.proxy_password)
        self._client = httpx.Client(
            timeout=httpx.Timeout(profile.timeout,
                                  connect=min(profile.timeout, CONNECT_TIMEOUT_MAX)),
            verify=self._in_flight.watch_tls(_tls_context(profile)),
            proxy=proxy,
            follow_redirects=False,  # a redirected POST is reported, never replayed blindly
            trust_env=False,  # the profile says which proxy and CA; nothing implicit
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
        )

    def abort(self) -> None:
        """End every call in flight on this connection now (see core.cancelling); each
        returns a "cancelled" Delivery. Later calls work as usual."""
        self._in_flight.cut()

    def close(self) -> None:
        """Close the client. Calls in flight in other threads are aborted first, and calls
        made afterwards end as "cancelled before anything was sent" (the window closes a
        connection when the user cancels: nothing more may go out on it)."""
        self._in_flight.cut(closing=True)
        self._client.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def prepare(self, request: OutgoingRequest) -> OutgoingRequest:
        """The request as it will go out, with the headers httpx adds (Host, Length...)."""
        return _as_sent(self._build(request), request.body)

    def _build(self, request: OutgoingRequest, call: Call | None = None) -> httpx.Request:
        return self._client.build_request(
            request.method, request.url, headers=list(request.headers), content=request.body,
            extensions={"trace": self._in_flight.trace(call)} if call is not None else None,
        )

    def perform(self, request: OutgoingRequest) -> Delivery:
        started = datetime.now(UTC).isoformat(timespec="milliseconds")
        clock = time.perf_counter()
        call = self._in_flight.begin(self.profile.timeout + DEADLINE_GRACE)
        if call is None:
            sent = _as_sent(self._build(request), request.body)
            return _cancelled(sent, False, started, clock, None,
                              "the connection was closed before the call started")
        try:
            built = self._build(request, call)
            sent = _as_sent(built, request.body)
            return self._perform(request, call, built, sent, started, clock)
        finally:
            self._in_flight.end(call)

    def _perform(self, request: OutgoingRequest, call: Call, built: httpx.Request,
                 sent: OutgoingRequest, started: str, clock: float) -> Delivery:
        response_ms = None
        try:
            answer = self._client.send(built, stream=True)
            try:
                response_ms = (time.perf_counter() - clock) * 1000
                body, truncated = self._read_limited(answer, clock + self.profile.timeout,
                                                     call)
            finally:
                answer.close()
            received = ReceivedResponse(
                status_code=answer.status_code,
                reason=answer.reason_phrase,
                http_version=answer.http_version,
                headers=tuple(
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in answer.headers.raw
                ),
                body=body,
                truncated=truncated,
                received=len(body),
            )
        except Exception as exc:
            if call.aborted:  # whatever the cut socket made httpx raise
                return _cancelled(sent, self._in_flight.went_out(call), started, clock,
                                  response_ms, f"{type(exc).__name__}: {exc}")
            if call.timed_out or isinstance(exc, _PastDeadline):  # the watchdog's cut, or
                return self._too_slow(sent, call, started, clock, response_ms,  # a late chunk
                                      exc if isinstance(exc, _PastDeadline) else None)
            if not isinstance(exc, httpx.HTTPError):
                raise
            timings = Timings(started, (time.perf_counter() - clock) * 1000, response_ms)
            failure = describe_failure(exc, request.url, self.profile.proxy,
                                       timeout=self.profile.timeout)
            return Delivery(sent, None, timings, failure=failure,
                            error=f"{type(exc).__name__}: {exc}")
        if call.aborted:  # an answer read up to a cut: it may be incomplete
            return _cancelled(sent, self._in_flight.went_out(call), started, clock,
                              response_ms, f"HTTP {received.status_code}, "
                              f"{len(received.body)} body bytes read before the cut")
        if call.timed_out:  # a body without a length "ends" when the watchdog cuts it
            return self._too_slow(sent, call, started, clock, response_ms,
                                  _PastDeadline(len(received.body)))
        timings = Timings(started, (time.perf_counter() - clock) * 1000, response_ms)
        if truncated:
            return Delivery(sent, received, timings, failure=too_large(self.max_response_bytes))
        proxy_failure = _proxy_gateway_failure(received, request.url, self.profile.proxy)
        return Delivery(sent, received, timings, failure=proxy_failure)

    def _too_slow(self, sent: OutgoingRequest, call: Call, started: str, clock: float,
                  response_ms: float | None, late: _PastDeadline | None) -> Delivery:
        timeout = self.profile.timeout
        phase = "answer" if response_ms is not None else "headers" if call.waiting \
            else "request" if call.sending else "connection"
        failure = too_slow(sent.url, timeout, phase)
        what = {
            "connection": "no connection",
            "request": "the request was still going out",
            "headers": "the status line and headers were still arriving",
            "answer": "the answer was still arriving",
        }[phase]
        so_far = f" ({late.size} bytes so far)" if late is not None else ""
        timings = Timings(started, (time.perf_counter() - clock) * 1000, response_ms)
        return Delivery(sent, None, timings, failure=failure,
                        error=f"{failure.code}: {what} after {timeout:g} s in total{so_far}")

    def _read_limited(self, answer: httpx.Response, deadline: float,
                      call: Call) -> tuple[bytes, bool]:
        """The body, cut at the size limit; a body still trickling in at the deadline (the
        profile's timeout, counted from the start of the call) is too slow, not a wait for
        ever: each chunk is checked, and the watchdog cuts a read blocked past it.

        Chunks go straight into one BytesIO, whose getvalue() hands over its buffer without
        a copy: memory stays near the limit, not twice it.
        """
        body = io.BytesIO()
        size = 0
        for chunk in answer.iter_raw():
            if time.perf_counter() > deadline or call.timed_out:
                raise _PastDeadline(size)
            size += len(chunk)
            if size > self.max_response_bytes:
                body.write(chunk[:len(chunk) - (size - self.max_response_bytes)])
                return body.getvalue(), True
            body.write(chunk)
        return body.getvalue(), False


class _PastDeadline(Exception):
    """The answer was still arriving at the deadline; ``size`` body bytes had come."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def _as_sent(built: httpx.Request, body: bytes) -> OutgoingRequest:
    return OutgoingRequest(
        method=built.method,
        url=str(built.url),
        headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in built.headers.raw),
        body=body,
    )


def _cancelled(sent: OutgoingRequest, went_out: bool, started: str, clock: float,
               response_ms: float | None, what: str) -> Delivery:
    timings = Timings(started, (time.perf_counter() - clock) * 1000, response_ms)
    return Delivery(sent, None, timings, failure=cancelled(_target(sent.url), sent=went_out),
                    error=f"Cancelled ({what})")


def _target(url: str) -> str:
    parsed = httpx.URL(url)
    return f"{parsed.host}:{parsed.port}" if parsed.port else parsed.host or url


def _tls_context(profile: Profile) -> ssl.SSLContext:
    """The OS certificate store, plus the profile's CA bundle when it has one (checked
    when saved; it may have gone or changed since)."""
    return trust_context(profile.ca_bundle)


def too_large(limit: int) -> Outcome:
    """Plain words for an answer cut off at the profile's size limit."""
    size = f"{limit / BYTES_PER_MB:.4g} MB"  # 0.1, not the 0.0999994 of whole bytes
    return Outcome(
        OutcomeKind.TRANSPORT,
        f"The answer was larger than {size}; StatusDesk kept the first {size} and stopped "
        "reading. Raise the profile's size limit if this is expected.",
        code="answer too large",
        advice="A status update's answer is small: a much larger one is usually a wrong "
               "address (a download, a log) or a proxy's page. If it is expected, raise the "
               "profile's size limit.",
        hint=RAISE_SIZE_LIMIT,
        detail=f"Size limit: {limit} bytes.",
    )


def too_slow(url: str, timeout: float, phase: str) -> Outcome:
    """Plain words for a call still running at the profile's timeout, which bounds the
    whole call. ``phase``: how far it got, "connection", "request" (going out), "headers"
    or "answer" (the body)."""
    target = _target(url)
    total = f"after {timeout:g} s in total"
    summary = {
        "connection": f"{target} answered too slowly: the connection (its TLS handshake "
                      f"included) was not set up {total}; StatusDesk stopped waiting.",
        "request": f"{target} took the request too slowly: it was still going out {total}; "
                   "StatusDesk stopped.",
        "headers": f"{target} answered too slowly: its status line and headers had not all "
                   f"come {total}; StatusDesk stopped waiting.",
        "answer": f"{target} answered too slowly: it was still sending its answer {total}; "
                  "StatusDesk stopped waiting.",
    }[phase]
    if phase == "connection":
        advice = ("Nothing was sent. Check the address, the network and the profile's proxy, "
                  "or raise the profile's timeout, then send again.")
    else:
        advice = ("The call may or may not have been applied. Raise the profile's timeout or "
                  "send again (a repeated status update is harmless).")
    return Outcome(
        OutcomeKind.TRANSPORT, summary,
        code={"connection": "ConnectTimeout", "request": "WriteTimeout"}.get(phase,
                                                                            "ReadTimeout"),
        advice=advice,
        detail=f"The profile's timeout ({timeout:g} s) bounds the whole call: connecting, "
               "sending the request, and the whole answer, status line and headers included.",
    )


_UNKNOWN_HOST = "Name or service not known", "nodename nor servname", "getaddrinfo", \
    "Temporary failure in name resolution", "No address associated"


def describe_failure(exc: httpx.HTTPError, url: str, proxy: str | None = None, *,
                     timeout: float | None = None) -> Outcome:
    """Plain words for a failure below HTTP, with what to do about it.

    ``proxy`` is the profile's proxy: a connection goes to it first, so when there is one,
    failing to connect is failing to reach the proxy, and the words say so.
    """
    text = str(exc)
    lowered = text.lower()
    parsed = httpx.URL(url)
    host = parsed.host or url
    target = f"{host}:{parsed.port}" if parsed.port else host
    hop = f"the proxy {_where(proxy)}" if proxy else target
    check_proxy = (f"the profile's proxy ({_where(proxy)})" if proxy
                   else "whether this network needs a proxy (the profile has none)")
    waited = f" within {min(timeout, CONNECT_TIMEOUT_MAX):g} s" if timeout else ""
    if isinstance(exc, httpx.ConnectTimeout):
        summary = f"No answer from {hop} while connecting: timed out{waited}."
        advice = (f"Check the address (host and port), that {hop} can be reached from this "
                  f"network (a firewall may drop the connection), and {check_proxy}.")
    elif isinstance(exc, httpx.TimeoutException):
        summary = f"{target} did not answer in time{f' (within {timeout:g} s)' if timeout else ''}."
        advice = ("The call may or may not have been applied. Raise the profile's timeout or "
                  "send again (a repeated status update is harmless).")
    elif isinstance(exc, httpx.ProxyError):
        summary = (f"The proxy {_where(proxy)} refused or failed the connection to {target}"
                   f"{f' ({text})' if text else ''}.")
        advice = (f"Check the profile's proxy ({_where(proxy)}), whether it needs "
                  f"authentication, and that it can reach {target}.")
    elif "CERTIFICATE_VERIFY_FAILED" in text or "certificate" in lowered:
        why = ""
        if "certificate verify failed:" in text:
            why = f" ({text.split('certificate verify failed:', 1)[1].split('(')[0].strip()})"
        summary = f"The TLS certificate of {target} could not be verified{why}."
        advice = ("If the customer uses an internal CA or a self-signed certificate, set the "
                  "profile's CA bundle to its certificate (--ca-bundle PATH). Verification is "
                  "never switched off.")
    elif isinstance(exc, httpx.ConnectError) and any(m.lower() in lowered for m in _UNKNOWN_HOST):
        name = (httpx.URL(proxy).host if proxy else host) or hop
        summary = f"Could not connect to {hop}: the host name {name} is unknown."
        where = "the profile's proxy" if proxy else "the profile's address"
        advice = (f"Check the host name in {where} for typing errors, and that this "
                  "computer's network and DNS work (e.g. open another site).")
    elif isinstance(exc, httpx.ConnectError):
        why = "connection refused" if "refused" in lowered else text or "unknown error"
        summary = f"Could not connect to {hop}: {why}."
        advice = (f"Check the profile's proxy address ({_where(proxy)}) and that the proxy "
                  "is up."
                  if proxy else "Check the address (host and port) and that the service is "
                  f"up; check {check_proxy}.")
    elif isinstance(exc, httpx.RemoteProtocolError) and "complete message body" in text:
        got = ""
        if "received" in text and "expected" in text:
            got = " (" + text.rsplit("(", 1)[-1].rstrip(")") + ")"
        summary = f"{target} closed the connection in the middle of its answer{got}."
        advice = ("The call may or may not have been applied: send again (a repeated status "
                  "update is harmless). If it keeps happening, check the network and "
                  f"{check_proxy}.")
    elif isinstance(exc, httpx.RemoteProtocolError):
        summary = f"{target} broke off or answered with something that is not HTTP."
        advice = f"Check the address and port (https:// or http://?) and {check_proxy}."
    else:
        summary = f"The call to {target} failed: {text or 'unknown error'}."
        advice = f"Check the network and {check_proxy}, then try again."
    code = "TLS certificate" if "certificate" in summary else type(exc).__name__
    return Outcome(OutcomeKind.TRANSPORT, summary, code=code, advice=advice, detail=text)


def _where(proxy: str | None) -> str:
    """A proxy's host:port, without any user name or password it carries."""
    if not proxy:
        return ""
    try:
        parsed = httpx.URL(proxy)
    except httpx.InvalidURL:
        return "(unreadable address)"
    return f"{parsed.host}:{parsed.port}" if parsed.port else parsed.host or "(no host)"


def _proxy_gateway_failure(
    response: ReceivedResponse, url: str, proxy: str | None
) -> Outcome | None:
    """A gateway error page (HTTP 502/504) that came back through the profile's proxy.

    Without a proxy the systems read the page themselves (see base.html_page_outcome).
    """
    if not proxy or response.status_code not in (502, 504):
        return None
    title = html_title(response)
    if title is None and response.body.strip():
        return None  # the service's own answer, passed on: the system reads it
    parsed = httpx.URL(url)
    target = f"{parsed.host}:{parsed.port}" if parsed.port else parsed.host or url
    page = "an empty answer" if title is None else \
        f'an HTML page ("{title}")' if title else "an HTML page (no title)"
    failed = "could not reach" if response.status_code == 502 else "got no answer in time from"
    return Outcome(
        OutcomeKind.TRANSPORT,
        f"The proxy {_where(proxy)} answered HTTP {response.status_code} with {page} instead "
        f"of passing on {target}'s answer: it (or a gateway behind it) {failed} {target}.",
        code=f"HTTP {response.status_code}",
        advice=(f"Check the profile's proxy ({_where(proxy)}): is it the right one, and can "
                f"it reach {target}? Check the profile's address too, then send again (a "
                "repeated status update is harmless)."),
        detail=f"Content-Type: {response.header('content-type') or '(none)'}",
    )
