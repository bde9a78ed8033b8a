"""The one place that knows every secret and masks it, in requests, responses and text.

Two nets, so nothing slips through:
- by value: every stored secret of the profile (and its XML-, JSON- and URL-escaped forms)
  is replaced wherever it appears;
- by position: values in places that always hold secrets (Authorization headers, the
  ``auth`` parameter, ``<Ticket>``, ``access_token`` in JSON, the secret part of a webhook
  path, ...) are masked even when the value is unknown, e.g. a token a server sends back.
A masked value reads ``***field***``: valid inside XML text, JSON strings and URLs.

A body cut at the size limit may end inside a secret: there the start of a secret is masked
too (when at least ``cut_prefix_length`` characters of it are left), and so is a value in a
secret's place whose closing quote or tag was cut off.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape

from core.exchange import Exchange, Headers, OutgoingRequest, ReceivedResponse

SECRET_FIELDS = (
    "ticket",
    "app-token",
    "access-token",
    "refresh-token",
    "password",
    "webhook-url",
    "client-secret",
    "system-user-token",
    "private-key",
    "ticket-expires",
)
WEBHOOK_SECRET = "webhook-secret"
MIN_SECRET_LENGTH = 4  # shorter values are masked by position only, not everywhere
MIN_CUT_PREFIX = 6  # the start of a long secret left at a cut is masked from this length


def placeholder(field: str) -> str:
    return f"***{field}***"


_HEADER_FIELDS = {
    "authorization": None,  # keep the scheme word, mask the rest
    "proxy-authorization": None,
    "so-apptoken": "app-token",
    "cookie": "cookie",
    "set-cookie": "cookie",
}
_PARAM_FIELDS = {
    "auth": "access-token",
    "access_token": "access-token",
    "refresh_token": "refresh-token",
    "client_secret": "client-secret",
    "password": "password",
}
_XML_FIELDS = {
    "Ticket": "ticket",
    "ApplicationToken": "app-token",
    "Password": "password",
    "AccessToken": "access-token",
    "Token": "sign-in-token",
    "SignedSystemToken": "system-user-token",
}
_JSON_FIELDS = {
    **_PARAM_FIELDS,
    "ticket": "ticket",
    "applicationtoken": "app-token",
    "token": "sign-in-token",
    "signedsystemtoken": "system-user-token",
}

_PLACEHOLDER = re.compile(r"\*\*\*[\w.#-]+\*\*\*")
_WEBHOOK_PATH = re.compile(r"(/rest/\d+/)([^/?#\s\"'<>]+)")
_QUERY = re.compile(
    r"(?i)([?&](?:" + "|".join(_PARAM_FIELDS) + r")=)([^&#\s\"'<>]*)"
)
# A form field after "&", and the first one (two patterns: a leading literal "&" lets the
# scan skip ahead, where "(^|&)" tried every position).
_FORM = re.compile(r"(?i)(&)(" + "|".join(_PARAM_FIELDS) + r")=([^&]*)")
_FIRST_FORM_FIELD = re.compile(r"(?i)()(" + "|".join(_PARAM_FIELDS) + r")=([^&]*)")
_XML = re.compile(
    r"(<(?:[\w.-]+:)?(" + "|".join(_XML_FIELDS) + r")(?:\s[^>]*)?(?<!/)>)([^<]+)(</)"
)
_JSON = re.compile(
    r'(?i)("(' + "|".join(_JSON_FIELDS) + r')"\s*:\s*")((?:[^"\\]|\\.)*)(")'
)
# The same two, for a value that runs to the end of a cut body (no closing tag or quote).
_XML_AT_CUT = re.compile(
    r"(<(?:[\w.-]+:)?(" + "|".join(_XML_FIELDS) + r")(?:\s[^>]*)?(?<!/)>)([^<]+)()\Z"
)
_JSON_AT_CUT = re.compile(
    r'(?i)("(' + "|".join(_JSON_FIELDS) + r')"\s*:\s*")((?:[^"\\]|\\.)*\\?)()\Z'
)
# Bytes of a character cut in two, as redact_bytes decodes them (surrogateescape).
_CUT_CHARACTER = re.compile("[\udc80-\udcff]{1,3}\\Z")


def _variants(value: str) -> set[str]:
    forms = {
        value,
        escape(value),
        escape(value, {'"': "&quot;", "'": "&apos;"}),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        quote(value, safe=""),
        quote_plus(value),
    }
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


def _known_values(secrets: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """(text to find, placeholder), longest first so a URL is masked before its parts.

    A key may carry a suffix after '#' ("access-token#renewed") to mask several values of
    one field under the field's name.
    """
    pairs: dict[str, str] = {}
    for key, value in secrets.items():
        field = key.split("#", 1)[0]
        if not value:
            continue
        match = _WEBHOOK_PATH.search(value) if field == "webhook-url" else None
        if match:  # the portal and user id may show; the secret path segment never
            value, field = match.group(2), WEBHOOK_SECRET
        for form in _variants(value):
            pairs[form] = placeholder(field)
    return tuple(sorted(pairs.items(), key=lambda item: len(item[0]), reverse=True))


class _Prepared:
    """Secrets with all their escaped forms worked out once, for the many texts of a call."""

    def __init__(self, secrets: Mapping[str, str] | None) -> None:
        self.pairs = _known_values(secrets or {})


Secrets = Mapping[str, str] | _Prepared | None


def _prepare(secrets: Secrets) -> _Prepared:
    return secrets if isinstance(secrets, _Prepared) else _Prepared(secrets)


def cut_prefix_length(secret: str) -> int:
    """How much of a secret's start, at the end of a cut text, is masked as the secret:
    ``MIN_CUT_PREFIX`` characters, half of a shorter secret, never fewer than
    ``MIN_SECRET_LENGTH`` (shorter ends are too likely to be ordinary text)."""
    return max(MIN_SECRET_LENGTH, min(MIN_CUT_PREFIX, len(secret) // 2))


def redact_text(text: str, secrets: Secrets = None, *, cut: bool = False) -> str:
    """Mask secrets in any text: a URL, a header value, a body, an error message.

    ``cut``: the text was cut off (an answer at the size limit): a secret's start at its
    end is masked too, and a value in a secret's place that runs to the end.
    Each positional pattern runs only when the text holds the character it starts from
    ("=" for parameters, "<" for XML, '"' for JSON): most texts of a call hold few of them.
    """
    if not text:
        return text
    prepared = _prepare(secrets)
    for found, mask in prepared.pairs:
        text = text.replace(found, mask)
    if cut:
        text = _mask_cut_end(text, prepared)
    if "/rest/" in text:
        text = _WEBHOOK_PATH.sub(lambda m: m.group(1) + _mask(m.group(2), WEBHOOK_SECRET),
                                 text)
    if "=" in text:
        text = _QUERY.sub(lambda m: m.group(1) + _mask(m.group(2), _param(m.group(1))), text)
        first = _FIRST_FORM_FIELD.match(text)
        if first:
            text = _form_field(first) + text[first.end():]
        text = _FORM.sub(_form_field, text)
    if "<" in text:
        text = _XML.sub(
            lambda m: m.group(1) + _mask(m.group(3), _XML_FIELDS[m.group(2)]) + m.group(4),
            text)
    if '"' in text:
        text = _JSON.sub(
            lambda m: m.group(1) + _mask(m.group(3), _JSON_FIELDS[m.group(2).lower()])
            + m.group(4), text)
    if cut and "<" in text:
        text = _XML_AT_CUT.sub(
            lambda m: m.group(1) + _mask(m.group(3), _XML_FIELDS[m.group(2)]), text)
    if cut and '"' in text:
        text = _JSON_AT_CUT.sub(
            lambda m: m.group(1) + _mask(m.group(3), _JSON_FIELDS[m.group(2).lower()]), text)
    return text


def _mask_cut_end(text: str, prepared: _Prepared) -> str:
    """The longest start of a known secret (any of its forms) that the text ends with,
    masked; a character cut in two after it goes with it."""
    half = _CUT_CHARACTER.search(text[-3:])
    end = len(text) - (len(half.group()) if half else 0)
    best, mask = 0, ""
    for found, placeholder_ in prepared.pairs:
        for size in range(min(len(found) - 1, end), cut_prefix_length(found) - 1, -1):
            if size > best and text.endswith(found[:size], 0, end):
                best, mask = size, placeholder_
                break
    return text[:end - best] + mask if best else text


def redact_bytes(data: bytes, secrets: Secrets = None, *, cut: bool = False) -> bytes:
    text = data.decode("utf-8", errors="surrogateescape")
    return redact_text(text, secrets, cut=cut).encode("utf-8", errors="surrogateescape")


def redact_headers(headers: Headers, secrets: Secrets = None) -> Headers:
    secrets = _prepare(secrets)
    masked = []
    for name, value in headers:
        kind = _HEADER_FIELDS.get(name.lower(), "")
        if kind is None:
            scheme, _, rest = value.partition(" ")
            field = "ticket" if scheme.lower() == "soticket" else "access-token"
            value = f"{scheme} {_mask(rest, field)}" if rest else _mask(value, field)
        elif kind:
            value = _mask(value, kind)
        else:
            value = redact_text(value, secrets)
        masked.append((name, value))
    return tuple(masked)


def redact_request(request: OutgoingRequest, secrets: Secrets = None) -> OutgoingRequest:
    secrets = _prepare(secrets)
    return replace(
        request,
        url=redact_text(request.url, secrets),
        headers=redact_headers(request.headers, secrets),
        body=redact_bytes(request.body, secrets),
    )


def redact_response(response: ReceivedResponse, secrets: Secrets = None) -> ReceivedResponse:
    secrets = _prepare(secrets)
    return replace(
        response,
        headers=redact_headers(response.headers, secrets),
        body=redact_bytes(response.body, secrets, cut=response.truncated),
    )


def redact_exchange(exchange: Exchange, secrets: Secrets = None) -> Exchange:
    secrets = _prepare(secrets)
    outcome = exchange.outcome
    return replace(
        exchange,
        request=redact_request(exchange.request, secrets),
        response=None if exchange.response is None
        else redact_response(exchange.response, secrets),
        outcome=replace(
            outcome,
            summary=redact_text(outcome.summary, secrets),
            detail=redact_text(outcome.detail, secrets),
            advice=redact_text(outcome.advice, secrets),
            moved_to=redact_text(outcome.moved_to, secrets),
        ),
        error=None if exchange.error is None else redact_text(exchange.error, secrets),
        notes=tuple(redact_text(note, secrets) for note in exchange.notes),
    )


def _mask(value: str, field: str) -> str:
    """The placeholder, unless the value is empty or already exactly one placeholder."""
    if not value or _PLACEHOLDER.fullmatch(value):
        return value
    return placeholder(field)


def _form_field(m: re.Match[str]) -> str:
    return f"{m.group(1)}{m.group(2)}=" + _mask(m.group(3), _param(f"&{m.group(2)}="))


def _param(prefix: str) -> str:
    return _PARAM_FIELDS[prefix[1:-1].lower()]
