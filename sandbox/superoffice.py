"""Simulated SuperOffice NetServer (Online tenant Cust12345): Messaging over SOAP and REST.

Behaviour follows /work/shared/spec/superoffice.md and the Services86 WSDL: SOAP 1.1
only, headers and body validated against the WSDL's schema, authentication by ticket plus
application token, results and failures in the WSDL's response headers. Tickets handed
out by a sign-in (SoPrincipal password, or PartnerSystemUser on the Online login service)
live 6 hours on the sandbox clock, as the spec says; the fixed demo ticket never expires.
Well-formed, authenticated SetDeliveryStatus calls (SOAP or REST) then meet the one-shot
injected fault and the fault schedules (sandbox/faults.py).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from lxml import etree

from sandbox import soap
from sandbox import superoffice_versions as versions
from sandbox.checks import check_count
from sandbox.faults import FaultControls
from sandbox.soap import S86_NS, ExceptionInfo, SoapRejected, s86
from sandbox.superoffice_login import handle_principal
from sandbox.superoffice_rest import handle_rest_set_status
from sandbox.wire import Incoming, Reply, SandboxClock
from sandbox.wsdl_schema import DEFAULT_WSDL, SOAP11_ENV_NS, default_schema, validate_element

MESSAGING_PATH = "/remote/services86/messaging.svc"
PRINCIPAL_PATH = "/remote/services86/soprincipal.svc"
REST_SET_STATUS_PATH = "/api/v1/agents/messaging/setdeliverystatus"

ACTION_BASE = "http://www.superoffice.net/ws/crm/NetServer/Services86/Messaging/"
MESSAGING_ACTIONS = {ACTION_BASE + op: op
                     for op in ("SetDeliveryStatus", "GetDeliveryStatus", "GetPlugins")}
KNOWN_REQUEST_HEADERS = {s86("ApplicationToken"), s86("Credentials"), s86("TimeZone")}

BAD_TICKET_STYLES = ("succeeded_false", "fault")
SIGN_IN_KINDS = ("password", "system-user")
TICKET_LIFETIME = 6 * 3600
BULK_PREFIX = "SO-B-"
BULK_MESSAGING_ID_BASE = 100000

SANDBOX_STACK = ("   at SuperOffice.CRM.Services.Implementation.MessagingAgent.{op}(...)\n"
                 "   at StatusDesk.Sandbox (simulated stack trace)")


@dataclass
class SoMessage:
    """An outgoing message as the Messaging plugin knows it."""

    plugin: str
    external_id: str
    messaging_id: int
    status: int = 0
    description: str = ""
    stored: bool = False
    updates: int = 0  # SetDeliveryStatus calls applied (a repeat of the same status counts)


@dataclass(frozen=True)
class SoPlugin:
    name: str
    formats: tuple[str, ...]


class SignIn(NamedTuple):
    """One successful sign-in: ``kind`` is "password" or "system-user", ``at`` sandbox time."""

    kind: str
    at: float


@dataclass(frozen=True)
class InjectedFault:
    message: str
    style: str


def check_style(style: object, name: str = "style") -> str:
    """How a failure is answered: "succeeded_false" (HTTP 200) or "fault" (HTTP 500)."""
    if not isinstance(style, str) or style not in BAD_TICKET_STYLES:
        raise ValueError(f"{name} must be one of {BAD_TICKET_STYLES}, not {style!r}")
    return style


class SuperOfficeSandbox(FaultControls[InjectedFault, InjectedFault]):
    """State and request handling of the simulated tenant. Thread-safe (one lock).

    Its fault controls (sandbox/faults.py): a fail and the one-shot both answer an
    InjectedFault; fails are counted in ``faults_dealt`` as "fail".
    """

    def __init__(self, clock: SandboxClock, *, ticket: str, app_token: str, username: str,
                 password: str, plugin: str, external_ids: tuple[str, ...]) -> None:
        self.clock = clock
        self.ticket = ticket
        self.app_token = app_token
        self.username = username
        self.password = password
        self.plugin = plugin
        self._seed_ids = external_ids
        self.netserver_base = ""  # the address /api names (set by the Sandbox)
        self.services: tuple[str, ...] = versions.SERVED  # Services versions served
        super().__init__()
        self.bad_ticket_style = "succeeded_false"
        self.reset()

    # ----------------------------------------------------------------- public controls
    @property
    def bad_ticket_style(self) -> str:
        """How a bad ticket is reported: "succeeded_false" (HTTP 200) or "fault" (HTTP 500)."""
        return self._bad_ticket_style

    @bad_ticket_style.setter
    def bad_ticket_style(self, style: str) -> None:
        self._bad_ticket_style = check_style(style, "bad_ticket_style")

    def reset(self) -> None:
        """Back to the seeded messages, no issued tickets or sign-ins, no injected fault."""
        with self._lock:
            self.plugins = [SoPlugin(self.plugin, ("SMS",)), SoPlugin("sms-demo-gateway", ("SMS",))]
            self.messages: dict[tuple[str, str], SoMessage] = {}
            seeds = [(self.plugin, external_id, number)
                     for number, external_id in enumerate(self._seed_ids, start=501)]
            seeds.append(("sms-demo-gateway", "GW-2001", 601))
            for plugin, external_id, number in seeds:
                self.messages[(plugin, external_id)] = SoMessage(plugin, external_id, number)
            self.issued_tickets: dict[str, float] = {}  # ticket -> expiry, sandbox clock
            self.sign_ins: list[SignIn] = []
            self._reset_faults()
            self._bad_ticket_style = "succeeded_false"
            self.services = versions.SERVED

    def seed_messages(self, n: int, *, start: int = 1, plugin: str | None = None) -> list[str]:
        """Add messages ``start`` .. ``start + n - 1``; their external ids in order.

        External ids are "SO-B-000001" and on (the number zero-padded to six digits),
        messaging ids 100000 + the number; the plugin is the sandbox's
        (``credentials.so_plugin``) unless ``plugin`` names another installed one.
        Seeding a message again keeps its status and count. ``reset`` removes them.
        """
        n, start = check_count(n, "n", 0), check_count(start, "start", 1)
        plugin = plugin or self.plugin
        ids = [f"{BULK_PREFIX}{number:06d}" for number in range(start, start + n)]
        with self._lock:
            if plugin not in {p.name for p in self.plugins}:
                raise ValueError(f"no plugin named {plugin!r} is installed")
            for number, external_id in enumerate(ids, start=start):
                if (plugin, external_id) not in self.messages:
                    self.messages[(plugin, external_id)] = SoMessage(
                        plugin, external_id, BULK_MESSAGING_ID_BASE + number)
        return ids

    def updates_of(self, external_id: str, plugin: str | None = None) -> int:
        """How many SetDeliveryStatus calls were applied to a message; KeyError if unknown."""
        with self._lock:
            return self.messages[(plugin or self.plugin, external_id)].updates

    def update_counts(self, plugin: str | None = None) -> dict[str, int]:
        """External id -> applied SetDeliveryStatus calls, for every message of the plugin."""
        plugin = plugin or self.plugin
        with self._lock:
            return {eid: m.updates for (p, eid), m in self.messages.items() if p == plugin}

    def statuses(self, plugin: str | None = None) -> dict[str, tuple[int, str] | None]:
        """External id -> (Status, StatusDescription) last stored, None if never."""
        plugin = plugin or self.plugin
        with self._lock:
            return {eid: (m.status, m.description) if m.stored else None
                    for (p, eid), m in self.messages.items() if p == plugin}

    def fail_every(self, n: int, message: str = "Simulated NetServer failure",
                   style: str = "fault") -> None:
        """Every n-th SetDeliveryStatus (from now) fails server-side and is not applied.

        Answers as ``inject_fault`` does: SOAP HTTP 500 Fault s:Server ("fault") or HTTP
        200 with Succeeded=false and an ExceptionInfo ("succeeded_false"); REST HTTP 500.
        """
        self._schedule_fail(n, [InjectedFault(message, check_style(style))])

    def _describe_fail(self, answers: tuple[InjectedFault, ...]) -> dict[str, object]:
        (fault,) = answers
        return {"message": fault.message, "style": fault.style}

    def status_of(self, plugin: str, external_id: str) -> tuple[int, str] | None:
        """(Status, StatusDescription) last stored by SetDeliveryStatus; None if never set."""
        with self._lock:
            message = self.messages.get((plugin, external_id))
            if message is None or not message.stored:
                return None
            return message.status, message.description

    def messaging_id(self, plugin: str, external_id: str) -> int | None:
        """SuperOffice's own numeric id of a seeded message, the key of GetDeliveryStatus."""
        with self._lock:
            message = self.messages.get((plugin, external_id))
            return None if message is None else message.messaging_id

    def inject_fault(self, message: str = "Simulated NetServer failure",
                     style: str = "fault") -> None:
        """The next well-formed Messaging call (SOAP or REST) fails on the server side.

        style "fault": SOAP HTTP 500 Fault s:Server; "succeeded_false": HTTP 200 with an
        ExceptionInfo header. REST answers HTTP 500 with the JSON error either way.
        """
        self._inject(InjectedFault(message, check_style(style)))

    def issue_ticket(self, kind: str) -> str:
        """A fresh ticket, valid 6 hours, after a good sign-in of ``kind`` (recorded)."""
        if kind not in SIGN_IN_KINDS:
            raise ValueError(f"kind must be one of {SIGN_IN_KINDS}, not {kind!r}")
        ticket = "7T:" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")
        with self._lock:
            now = self.clock.now()
            self.issued_tickets[ticket] = now + TICKET_LIFETIME
            self.sign_ins.append(SignIn(kind, now))
        return ticket

    def ticket_is_valid(self, ticket: str | None) -> bool:
        """The fixed demo ticket always; an issued one until its 6 hours are up or revoked."""
        if not ticket:
            return False
        with self._lock:
            if ticket == self.ticket:
                return True
            expires_at = self.issued_tickets.get(ticket)
            return expires_at is not None and self.clock.now() < expires_at

    def revoke_tickets(self) -> None:
        """Every issued ticket (not the fixed demo one) is refused from now on.

        Simulates NetServer dropping a ticket a client still has cached.
        """
        with self._lock:
            now = self.clock.now()
            for ticket, expires_at in self.issued_tickets.items():
                self.issued_tickets[ticket] = min(expires_at, now)

    def sign_in_count(self, kind: str | None = None) -> int:
        """Successful sign-ins since the last reset, of one kind or of both."""
        with self._lock:
            return sum(1 for sign_in in self.sign_ins if kind is None or sign_in.kind == kind)

    # ----------------------------------------------------------------- request handling
    def handle(self, req: Incoming) -> Reply:
        """Route a request whose path is relative to the NetServer base."""
        path = req.path.lower().rstrip("/")
        if path == "/api" and req.method == "GET":
            return versions.api_answer(self.netserver_base, self.services)
        versioned = versions.VERSIONED_PATH.match(path)
        if versioned and versioned.group(1) in versions.KNOWN:
            version, service = versioned.groups()
            if version not in self.services:
                return Reply.text(404, f"Services{version} is not served here (the sandbox "
                                  f"serves {', '.join(f'Services{v}' for v in self.services)})")
            if version != "86":
                translated = versions.as_services86(req, version, service)
                if isinstance(translated, Reply):
                    return translated
                return versions.in_version(self._route(translated, path.replace(
                    f"services{version}", "services86")), version)
        return self._route(req, path)

    def _route(self, req: Incoming, path: str) -> Reply:
        if path == MESSAGING_PATH:
            if req.method == "GET" and req.query.lower() in ("wsdl", "singlewsdl"):
                return self._wsdl()
            with self._lock:
                return self._messaging(req)
        if path == PRINCIPAL_PATH:
            with self._lock:
                return handle_principal(self, req)
        if path == REST_SET_STATUS_PATH:
            with self._lock:
                return handle_rest_set_status(self, req)
        return Reply.text(404, f"Not found in the SuperOffice sandbox: {req.path}")

    def set_status(self, plugin: str | None, external_id: str | None, status: int,
                   description: str | None) -> ExceptionInfo | None:
        """Store a status; an ExceptionInfo when the plugin or message is unknown."""
        if not plugin or plugin not in {p.name for p in self.plugins}:
            return ExceptionInfo(
                message=f"Messaging plugin '{plugin or ''}' is not installed.",
                friendly_text=f"There is no messaging plugin named '{plugin or ''}'.",
                exception_type="SoException",
                stack_trace=SANDBOX_STACK.format(op="SetDeliveryStatus"),
            )
        message = self.messages.get((plugin, external_id or ""))
        if message is None:
            return ExceptionInfo(
                message=f"No outgoing message with external id '{external_id or ''}' "
                        f"for plugin '{plugin}'.",
                friendly_text="The message was not found.",
                exception_type="SoException",
                stack_trace=SANDBOX_STACK.format(op="SetDeliveryStatus"),
                inner=ExceptionInfo(
                    message="Sequence contains no matching element",
                    friendly_text="Sequence contains no matching element",
                    exception_type="System.InvalidOperationException",
                    source="System.Linq",
                ),
            )
        message.status = status
        message.description = description or ""
        message.stored = True
        message.updates += 1
        return None

    def _wsdl(self) -> Reply:
        return Reply(200, DEFAULT_WSDL.read_bytes(), [("Content-Type", "text/xml; charset=utf-8")])

    def _messaging(self, req: Incoming) -> Reply:
        try:
            request = soap.read_request(req, MESSAGING_ACTIONS)
            header_values = self.validated_headers(request)
            problems = validate_element(default_schema(), request.body)
            if problems:
                raise SoapRejected(
                    soap.deserialization_failed(request.operation, "; ".join(problems)))
        except SoapRejected as rejected:
            return rejected.reply

        auth_failure = self._check_auth(header_values, request.operation)
        if auth_failure is not None:
            return auth_failure
        injected = self.take_injected()
        if injected is not None:
            return self._injected_reply(request.operation, injected)
        if request.operation == "SetDeliveryStatus":
            return self.run_status_update(
                lambda: self._op_SetDeliveryStatus(request.body),
                lambda fault: self._injected_reply(request.operation, fault))
        answer: Callable[[etree._Element], Reply] = getattr(self, f"_op_{request.operation}")
        return answer(request.body)

    def validated_headers(self, request: soap.SoapRequest) -> dict[str, tuple[bool, str | None]]:
        """Validate the known headers; refuse unknown ones marked mustUnderstand."""
        values: dict[str, tuple[bool, str | None]] = {"ApplicationToken": (False, None),
                                                       "Ticket": (False, None)}
        for header in request.headers:
            if header.tag not in KNOWN_REQUEST_HEADERS:
                must = header.get(f"{{{SOAP11_ENV_NS}}}mustUnderstand")
                if must in ("1", "true"):
                    raise SoapRejected(soap.fault(
                        "MustUnderstand",
                        f"The header '{etree.QName(header).localname}' from the namespace "
                        f"'{etree.QName(header).namespace}' was not understood by the recipient "
                        "of this message.",
                    ))
                continue
            problems = validate_element(default_schema(), header)
            name = etree.QName(header).localname
            if problems:
                raise SoapRejected(soap.deserialization_failed(name, "; ".join(problems)))
            if name == "ApplicationToken":
                nil = header.get(f"{{{soap.XSI_NS}}}nil") in ("true", "1")
                values[name] = (True, None if nil else header.text or "")
            elif name == "Credentials":
                values["Ticket"] = soap.child_text(header, "Ticket")
        return values

    def _check_auth(self, values: dict[str, tuple[bool, str | None]],
                    operation: str) -> Reply | None:
        _, ticket = values["Ticket"]
        if not self.ticket_is_valid(ticket):
            info = ExceptionInfo(
                message="Failed to authenticate: the ticket in the Credentials header is "
                        "missing, unknown or expired.",
                friendly_text="Your session is not valid. Get a new ticket and try again.",
                exception_type="SoSecurityException",
                source="SuperOffice.CRM.Security",
            )
            if self.bad_ticket_style == "fault":
                return soap.fault("Client", info.message, detail=info.element("SoExceptionInfo"))
            return self._result(None, info, operation)
        _, token = values["ApplicationToken"]
        if token != self.app_token:
            state = "missing" if not token else "not valid for this tenant"
            return self._result(None, ExceptionInfo(
                message=f"The application token is {state}. Online tenants require the "
                        "ApplicationToken header to hold the application's client secret.",
                friendly_text="The application token was not accepted.",
                exception_type="SecurityException",
                source="SuperOffice.CRM.Security",
            ), operation)
        return None

    def _injected_reply(self, operation: str, injected: InjectedFault) -> Reply:
        info = ExceptionInfo(message=injected.message, friendly_text=injected.message,
                             exception_type="SoServerException",
                             stack_trace=SANDBOX_STACK.format(op=operation))
        if injected.style == "fault":
            return soap.fault("Server", injected.message, detail=info.element("SoExceptionInfo"))
        return self._result(None, info, operation)

    def _result(self, body: etree._Element | None, error: ExceptionInfo | None = None,
                operation: str = "SetDeliveryStatus") -> Reply:
        """HTTP 200 with the WSDL's response headers; an empty response element on error."""
        if body is None:
            body = etree.Element(s86(f"{operation}Response"), nsmap={None: S86_NS})
        return Reply.xml(200, soap.envelope(soap.response_headers(error), body))

    def _op_SetDeliveryStatus(self, body: etree._Element) -> Reply:  # noqa: N802 - WSDL name
        _, plugin = soap.child_text(body, "Plugin")
        _, external_id = soap.child_text(body, "ExternalMessageId")
        present, status_text = soap.child_text(body, "Status")
        status = int(status_text.strip()) if present and status_text else 0
        _, description = soap.child_text(body, "StatusDescription")
        return self._result(None, self.set_status(plugin, external_id, status, description))

    def _op_GetDeliveryStatus(self, body: etree._Element) -> Reply:  # noqa: N802
        wanted = [int((el.text or "0").strip())
                  for el in body.iterfind(f"{s86('MessagingIds')}/{{{soap.ARRAYS_NS}}}int")]
        by_id = {m.messaging_id: m for m in self.messages.values()}
        response = etree.Element(s86("GetDeliveryStatusResponse"),
                                 nsmap={None: S86_NS, "i": soap.XSI_NS})
        items = etree.SubElement(response, s86("Response"))
        for messaging_id in wanted:
            message = by_id.get(messaging_id)
            if message is None:
                continue
            item = etree.SubElement(items, s86("MessageDeliveryStatus"))
            etree.SubElement(item, s86("Status")).text = str(message.status)
            etree.SubElement(item, s86("StatusDescription")).text = message.description
            etree.SubElement(item, s86("MessagingId")).text = str(message.messaging_id)
        return self._result(response)

    def _op_GetPlugins(self, body: etree._Element) -> Reply:  # noqa: N802
        response = etree.Element(s86("GetPluginsResponse"),
                                 nsmap={None: S86_NS, "i": soap.XSI_NS, "a": soap.ARRAYS_NS})
        items = etree.SubElement(response, s86("Response"))
        for plugin in self.plugins:
            info = etree.SubElement(items, s86("ProviderInfo"))
            etree.SubElement(info, s86("Name")).text = plugin.name
            formats = etree.SubElement(info, s86("SupportedMessagingFormats"))
            for fmt in plugin.formats:
                etree.SubElement(formats, f"{{{soap.ARRAYS_NS}}}string").text = fmt
            etree.SubElement(info, s86("SupportsConfig")).text = "false"
        return self._result(response)
