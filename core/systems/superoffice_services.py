"""Which NetServer Services version a SuperOffice profile speaks: Services84 to Services88.

The versions differ in the namespace, the SOAPAction and the path
(``/Remote/Services88/Messaging.svc``), not in the Messaging contract. A profile names
one (``--services 88``) or says ``auto`` (the default): then StatusDesk reads
``GET {base}/api`` once. Its JSON (as SuperOffice documents it) names the newest version,
``"Services": "Services88"``, and lists each one served as a key
(``"Services86": "http://www.superoffice.net/ws/crm/NetServer/Services86"``); the newest
of 84-88 among them is used and remembered with the profile (options ``services_found``
and ``services_found_for``, the address it was found at). A server that does not say gets
Services86, the version of the WSDL StatusDesk was built on.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from core import safe_json
from core.exchange import Outcome, OutcomeKind, OutgoingRequest, ReceivedResponse
from core.profiles import Profile

VERSIONS = ("84", "85", "86", "87", "88")
AUTO = "auto"
FALLBACK = "86"
OPTION = "services"
FOUND, FOUND_FOR = "services_found", "services_found_for"
API_PATH = "/api"
_LISTED = re.compile(r"^Services(\d{2})$")

# What servers said in this process, by address: a batch (or a window whose profile was
# loaded before the answer was kept) asks once, not at every call.
_SEEN: dict[str, str] = {}
_SEEN_LOCK = threading.Lock()


def namespace(version: str) -> str:
    return f"http://www.superoffice.net/ws/crm/NetServer/Services{version}"


def messaging_path(version: str) -> str:
    return f"/Remote/Services{version}/Messaging.svc"


def principal_path(version: str) -> str:
    return f"/Remote/Services{version}/SoPrincipal.svc"


def chosen(profile: Profile) -> str:
    """The profile's setting: "auto" or a version."""
    return profile.option(OPTION, AUTO) or AUTO


def version_of(profile: Profile, base: str) -> str:
    """The version a call of this profile uses now (auto: what the server said, if known)."""
    setting = chosen(profile)
    if setting != AUTO:
        return setting
    if profile.option(FOUND) in VERSIONS and profile.option(FOUND_FOR) == base:
        return profile.option(FOUND)
    with _SEEN_LOCK:
        return _SEEN.get(base, FALLBACK)


def must_ask(profile: Profile, base: str) -> bool:
    if chosen(profile) != AUTO:
        return False
    if profile.option(FOUND) in VERSIONS and profile.option(FOUND_FOR) == base:
        return False
    with _SEEN_LOCK:
        return base not in _SEEN


def api_request(base: str) -> OutgoingRequest:
    """The question: which versions the server serves (JSON, not its HTML page)."""
    return OutgoingRequest("GET", base + API_PATH, (("Accept", "application/json"),), b"")


@dataclass(frozen=True)
class Served:
    """What a server's /api said: its newest version and every one it lists."""

    newest: str
    listed: tuple[str, ...]

    def words(self) -> str:
        return ", ".join(f"Services{v}" for v in self.listed) or f"Services{self.newest}"


def read_api(response: ReceivedResponse | None) -> Served | None:
    """The versions an /api answer names, or None when it says nothing usable."""
    if response is None or not response.is_success:
        return None
    try:
        data = safe_json.loads(response.body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    newest = _LISTED.match(str(data.get("Services") or ""))
    listed = tuple(sorted({m.group(1) for key in data if (m := _LISTED.match(str(key)))}))
    if newest is None and not listed:
        return None
    return Served(newest.group(1) if newest else listed[-1], listed)


def choose(served: Served | None) -> str:
    """The newest of 84-88 the server offers; 86 when it does not say or offers none."""
    if served is None:
        return FALLBACK
    offered = [v for v in VERSIONS if v in served.listed or v == served.newest]
    return offered[-1] if offered else FALLBACK


def learn(profile: Profile, base: str, response: ReceivedResponse | None
          ) -> tuple[Profile, str]:
    """The profile with the version to use remembered, and a note saying what was found.

    A server that could not be reached is asked again at the next call (nothing is
    remembered then)."""
    served = read_api(response)
    version = choose(served)
    if response is None:
        return profile, (f"StatusDesk asked {base}{API_PATH} which Services versions "
                         "NetServer serves and got no answer, so it sent nothing more.")
    with _SEEN_LOCK:
        _SEEN[base] = version
    learnt = profile.with_changes(options=profile.options | {FOUND: version, FOUND_FOR: base})
    if served is None:
        note = (f"NetServer did not say at {API_PATH} which Services versions it serves "
                f"(HTTP {response.status_code}); StatusDesk uses Services{FALLBACK} for this "
                "profile.")
    else:
        note = (f"NetServer serves {served.words()} (asked once at {API_PATH}); StatusDesk "
                f"uses Services{version} for this profile and remembers it.")
    return learnt, note


def unserved(profile: Profile, version: str, outcome: Outcome,
             response: ReceivedResponse | None) -> Outcome:
    """The outcome of a call to a Services path the server lacks, with which ones it has."""
    served = read_api(response)
    if served is None or version in served.listed:
        return outcome
    setting = chosen(profile)
    advice = (f"Set the profile's Service version to auto, or to one it serves "
              f"({', '.join(v for v in served.listed if v in VERSIONS) or 'none of 84-88'}).")
    return Outcome(
        OutcomeKind.REFUSED,
        f"NetServer does not serve Services{version} at this address; it serves "
        f"{served.words()}.",
        code=f"Services{version} not served",
        advice=advice if setting != AUTO else "StatusDesk asks again at the next call.",
        detail=outcome.summary,
    )


def forget_seen() -> None:
    """Forget what servers said in this process (the next auto call asks again)."""
    with _SEEN_LOCK:
        _SEEN.clear()
