"""Loopback simulator of SuperOffice and Bitrix24 for tests, training and demos."""

from core.sandbox.credentials import SandboxCredentials
from core.sandbox.server import Sandbox, serve_forever
from core.sandbox.wire import ReceivedRequest, SandboxClock

__all__ = ["ReceivedRequest", "Sandbox", "SandboxClock", "SandboxCredentials", "serve_forever"]
