from __future__ import annotations

import httpx
import pytest


@pytest.fixture(scope="session")
def client():
    with httpx.Client(timeout=10, follow_redirects=False) as c:
        yield c
