"""The sandbox's NetServer serves Services86 and Services88 (both by default; ``services``
picks which), and answers ``GET {base}/api`` as SuperOffice documents it.

Services88's Messaging contract is Services86's in another namespace: a Services88 call is
checked by the Services86 handler (the WSDL's schema, its SOAPActions) after the namespace
is swapped, so it is validated against the WSDL's schema with the namespace swapped. A
Services88 call holding anything in the Services86 namespace is refused first, as WCF
refuses an element of another contract.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from sandbox.soap import S86_NS
from sandbox.wire import Incoming, Reply

SERVED = ("86", "88")
KNOWN = ("84", "85", "86", "87", "88")
VERSIONED_PATH = re.compile(r"^/remote/services(\d{2})/(messaging|soprincipal)\.svc$")
NETSERVER = {"84": "8.4", "85": "8.5", "86": "9.2", "87": "10.0", "88": "10.3"}


def namespace(version: str) -> str:
    return S86_NS.replace("Services86", f"Services{version}")


def check_served(value: object) -> tuple[str, ...]:
    """A choice of versions to serve: a non-empty list of "86" and/or "88"."""
    if (not isinstance(value, list | tuple) or not value
            or any(v not in SERVED for v in value)):
        raise ValueError(f"superoffice_services takes a list of {', '.join(SERVED)}, "
                         f"not {value!r}")
    return tuple(sorted(set(value)))


def api_answer(base_url: str, served: tuple[str, ...]) -> Reply:
    """The version block of ``GET {base}/api`` (JSON, as the REST reference shows it)."""
    newest = max(served)
    data: dict[str, str] = {
        "v1": f"{base_url}/api/v1", "Version": "v1",
        "NetServerVersion": f"{NETSERVER[newest]}.0.0",
        "NetServer": f"SuperOffice NetServer {NETSERVER[newest]} (StatusDesk sandbox)",
        "Services": f"Services{newest}",
    }
    data |= {f"Services{v}": namespace(v) for v in served}
    return Reply(200, json.dumps(data, indent=1).encode(),
                 [("Content-Type", "application/json; charset=utf-8")])


def as_services86(req: Incoming, version: str, service: str) -> Incoming | Reply:
    """A call to Services{version}, as the Services86 handler reads it; or the refusal."""
    ns, ns86 = namespace(version).encode(), S86_NS.encode()
    action = req.header("SOAPAction") or ""
    if ns86 in req.body or S86_NS in action:
        return Reply.text(400, f"This is Services{version}: the call holds elements or a "
                          f"SOAPAction of Services86 ({S86_NS}); use {namespace(version)}.")
    headers = [(name, value.replace(namespace(version), S86_NS)
                if name.lower() == "soapaction" else value) for name, value in req.headers]
    return replace(req, path=f"/remote/services86/{service}.svc", headers=headers,
                   body=req.body.replace(ns, ns86))


def in_version(reply: Reply, version: str) -> Reply:
    """The Services86 handler's answer in the Services{version} namespace."""
    return replace(reply, body=reply.body.replace(S86_NS.encode(), namespace(version).encode()))
