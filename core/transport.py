"""HTTP for one profile: one httpx.Client, timeouts, TLS on, size-limited answers.

``Connection.perform`` puts an OutgoingRequest on the wire and returns what came back,
exactly: the request headers as httpx sent them (Host, Content-Length, User-Agent...),
the response's status line, headers and body bytes (never decompressed: we ask for
``identity`` so the body on screen is the body on the wire), plus timings. Failures
below HTTP become a plain-words Outcome instead of an exception.
"""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from core import __version__
from core.exchange import Outcome, OutcomeKind, OutgoingRequest, ReceivedResponse, Timings
from core.profiles import Profile

MAX_RESPONSE_BYTES = 4 * 1024 * 1024
USER_AGENT = f"StatusDesk/{__version__}"


@dataclass(frozen=True)
class Delivery:
    """What happened to one request: what was sent, and the response or the failure."""

    request: OutgoingRequest
    response: ReceivedResponse | None
    timings: Timings
    failure: Outcome | None = None
    error: str | None = None


class Connection:
    """One client per profile, reused across calls (connection pooling, one TLS setup)."""

    def __init__(self, profile: Profile, *, max_response_bytes: int = MAX_RESPONSE_BYTES):
        self.profile = profile
        self.max_response_bytes = max_response_bytes
        self._client = httpx.Client(
            timeout=httpx.Timeout(profile.timeout, connect=min(profile.timeout, 15.0)),
            verify=_verify(profile),
            proxy=profile.proxy or None,
            follow_redirects=False,  # a redirected POST is reported, never replayed blindly
            trust_env=False,  # the profile says which proxy and CA; nothing implicit
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def prepare(self, request: OutgoingRequest) -> OutgoingRequest:
        """The request as it will go out, with the headers httpx adds (Host, Length...)."""
        return _as_sent(self._build(request), request.body)

    def _build(self, request: OutgoingRequest) -> httpx.Request:
        return self._client.build_request(
            request.method, request.url, headers=list(request.headers), content=request.body
        )

    def perform(self, request: OutgoingRequest) -> Delivery:
        started = datetime.now(UTC).isoformat(timespec="milliseconds")
        clock = time.perf_counter()
        built = self._build(request)
        sent = _as_sent(built, request.body)
        response_ms = None
        try:
            answer = self._client.send(built, stream=True)
            try:
                response_ms = (time.perf_counter() - clock) * 1000
                body, truncated = self._read_limited(answer, clock + self.profile.timeout)
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
            )
        except httpx.HTTPError as exc:
            timings = Timings(started, (time.perf_counter() - clock) * 1000, response_ms)
            return Delivery(sent, None, timings, failure=describe_failure(exc, request.url),
                            error=f"{type(exc).__name__}: {exc}")
        timings = Timings(started, (time.perf_counter() - clock) * 1000, response_ms)
        return Delivery(sent, received, timings)

    def _read_limited(self, answer: httpx.Response, deadline: float) -> tuple[bytes, bool]:
        """The body, cut at the size limit; a body still trickling in at the deadline (the
        profile's timeout, counted from sending) is a read time-out, not a wait for ever."""
        chunks: list[bytes] = []
        size = 0
        for chunk in answer.iter_raw():
            if time.perf_counter() > deadline:
                raise httpx.ReadTimeout(
                    f"the answer was still arriving after {self.profile.timeout:g} s "
                    f"({size} bytes so far)", request=answer.request)
            size += len(chunk)
            if size > self.max_response_bytes:
                keep = len(chunk) - (size - self.max_response_bytes)
                chunks.append(chunk[:keep])
                return b"".join(chunks), True
            chunks.append(chunk)
        return b"".join(chunks), False


def _as_sent(built: httpx.Request, body: bytes) -> OutgoingRequest:
    return OutgoingRequest(
        method=built.method,
        url=str(built.url),
        headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in built.headers.raw),
        body=body,
    )


def _verify(profile: Profile) -> ssl.SSLContext | bool:
    if profile.ca_bundle:
        return ssl.create_default_context(cafile=profile.ca_bundle)
    return True


def describe_failure(exc: httpx.HTTPError, url: str) -> Outcome:
    """Plain words for a failure below HTTP, with what to do about it."""
    text = str(exc)
    target = httpx.URL(url).host or url
    if isinstance(exc, httpx.ConnectTimeout):
        summary = f"No answer from {target} while connecting (timed out)."
        advice = "Check the address, the network and the proxy setting."
    elif isinstance(exc, httpx.TimeoutException):
        summary = f"{target} did not answer in time."
        advice = ("The call may or may not have been applied. Raise the profile's timeout or "
                  "send again (a repeated status update is harmless).")
    elif isinstance(exc, httpx.ProxyError):
        summary = f"The proxy refused or failed the connection to {target}."
        advice = "Check the profile's proxy address and whether it needs authentication."
    elif "CERTIFICATE_VERIFY_FAILED" in text or "certificate" in text.lower():
        summary = f"The TLS certificate of {target} could not be verified."
        advice = ("If the customer uses an internal CA, set the profile's CA bundle "
                  "(--ca-bundle PATH). Verification is never switched off.")
    elif isinstance(exc, httpx.ConnectError):
        summary = f"Could not connect to {target}: {_reason(text)}."
        advice = "Check the address (host and port), that the service is up, and the proxy."
    elif isinstance(exc, httpx.RemoteProtocolError):
        summary = f"{target} broke off or answered with something that is not HTTP."
        advice = "Check the address and port; try again."
    else:
        summary = f"The call to {target} failed: {_reason(text)}."
        advice = "Check the network and try again."
    code = "TLS certificate" if "certificate" in summary else type(exc).__name__
    return Outcome(OutcomeKind.TRANSPORT, summary, code=code, advice=advice, detail=text)


def _reason(text: str) -> str:
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused"
    if "name or service not known" in lowered or "nodename nor servname" in lowered \
            or "getaddrinfo" in lowered:
        return "the host name is unknown"
    return text or "unknown error"
