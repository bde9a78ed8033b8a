"""JSON from the network, read without surprises.

``loads`` turns every way bytes can fail to be JSON (not UTF-8, not JSON, nested so deep
that Python's decoder runs out of stack) into one ValueError, so a hostile answer becomes
an outcome, never a crash.
"""

from __future__ import annotations

import json
from typing import Any


def loads(data: bytes | str) -> Any:
    """The decoded value; ValueError (with the reason) when it is not readable JSON."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply to read") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 ({exc.reason})") from None
