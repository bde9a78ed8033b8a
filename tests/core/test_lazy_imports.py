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
