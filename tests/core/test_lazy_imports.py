"""lxml is imported when XML is first read or written, not with the target systems.

The window imports core.systems as soon as it lists a profile; lxml (about 4 MB) waits
until an envelope is built or an answer parsed. core.xml.XMLError stays lxml's own error.
"""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_the_target_systems_load_without_lxml():
    code = ("import sys, core.systems, core.xml; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'lxml'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_xml_errors_are_lxml_s_and_caught_as_xml_error():
    from lxml import etree

    from core import xml

    assert xml.XMLError is etree.XMLSyntaxError
    with pytest.raises(xml.XMLError):
        xml.parse(b"<unclosed")
    assert xml.pretty(b"<a><b>x</b></a>") == "<a>\n  <b>x</b>\n</a>"
    with pytest.raises(AttributeError):
        xml.NoSuchName  # noqa: B018 - the module's __getattr__ still refuses unknown names


def test_a_local_history_never_loads_the_postgresql_driver(tmp_path):
    """psycopg is the team history's: a desk whose history is this machine's records and
    lists calls without it (the window's start-up never pays for it)."""
    code = (
        "import sys; from core.desk import Desk, MemorySecrets; "
        "from core.exchange import Exchange, Outcome, OutcomeKind, OutgoingRequest; "
        "import pathlib; desk = Desk(pathlib.Path(sys.argv[1]), MemorySecrets()); "
        "desk.team.mark_rows(); "
        "desk.history.record(Exchange('p', 'bitrix24', 'SetDeliveryStatus', "
        "OutgoingRequest('POST', 'https://p/', (), b''), None, None, "
        "Outcome(OutcomeKind.DONE, 'ok'))); "
        "assert desk.team.deliver() is None; print(len(desk.team.shown().search("
        "__import__('core.history').history.HistoryFilter()))); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'psycopg'))")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["1", "[]"]
