"""The question asked before anything goes to a production profile: one wording for the
window and the command line, so what a person confirms is the same everywhere."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from core.wording import counted

if TYPE_CHECKING:
    from core.batch_file import BatchFile
    from core.exchange import StatusUpdate
    from core.profiles import Profile


@dataclass(frozen=True)
class Confirmation:
    title: str  # the question, short: "Send to production?"
    text: str  # what will happen, line by line
    go: str  # the words of the button (or answer) that goes ahead

    def as_prompt(self) -> str:
        """The question as one block of text, for a terminal."""
        return f"{self.text}\n\n{self.title}"


def production_send(profile: Profile, update: StatusUpdate,
                    status_label: str = "") -> Confirmation | None:
    """The question before one status update, or None when the profile is not production.
    ``status_label``: the status as the person chose it (a preset's name), if not the value."""
    if not profile.production:
        return None
    lines = [_live(profile, "the new status goes"), "",
             f"Customer system:  {_tenant(profile)}  (profile {profile.name})",
             f"Message id:  {update.message_id.strip()}",
             f"New status:  {status_label or update.status.strip()}"]
    if update.description:
        lines.append(f"Description:  {update.description}")
    return Confirmation("Send to production?", "\n".join(lines), "Send to production")


def before_send(profile: Profile, update: StatusUpdate,
                status_label: str = "") -> Confirmation | None:
    """The window's question before a checked update goes, or None: production (above),
    and a SuperOffice number none of the profile's presets names."""
    from core.systems import get_system

    warning = get_system(profile.system).status_warning(update, profile)
    asked = production_send(profile, update, status_label)
    if not warning:
        return asked
    if asked is not None:
        return replace(asked, text=f"{warning}\n\n{asked.text}")
    status = update.status.strip()
    return Confirmation(f"Send status {status}?",
                        f"{warning}\n\nChoose a named status in the Status list, or send "
                        f"{status} as it is.", f"Send {status}")


def production_batch(profile: Profile, batch: BatchFile) -> Confirmation | None:
    """The question before a batch, or None when the profile is not production."""
    if not profile.production:
        return None
    count = len(batch.valid)
    text = (f"{_live(profile, 'the new statuses go')}\n\n"
            f"Customer system:  {_tenant(profile)}  (profile {profile.name})\n"
            f"Rows to send:  {count:,} (of {batch.name})")
    return Confirmation("Send the batch to production?", text,
                        f"Send {counted(count, 'row')} to production")


def production_customers(profiles: list[Profile], batch: BatchFile) -> Confirmation | None:
    """The question before a file for several customers, naming each production profile
    and its rows; None when none of them is production."""
    live = [p for p in profiles if p.production]
    if not live:
        return None
    lines = ["These profiles are marked PRODUCTION: the new statuses go to customers' live "
             "systems.", ""]
    count = 0
    for profile in live:
        rows = sum(1 for row in batch.valid if row.profile == profile.name)
        count += rows
        lines.append(f"{_tenant(profile)}  (profile {profile.name}):  {counted(rows, 'row')}")
    lines.append(f"Rows to send to production:  {count:,} of {len(batch.valid):,} "
                 f"(of {batch.name})")
    return Confirmation("Send the batch to production?", "\n".join(lines),
                        f"Send {counted(count, 'row')} to production")


def _live(profile: Profile, what: str) -> str:
    return f"Profile {profile.name!r} is marked PRODUCTION: {what} to a customer's live system."


def _tenant(profile: Profile) -> str:
    from core.systems import get_system

    system = get_system(profile.system)
    return f"{system.title} {system.tenant(profile)}"
