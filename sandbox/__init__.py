"""Loopback simulator of SuperOffice and Bitrix24 for tests, training and demos."""

from sandbox.credentials import SandboxCredentials
from sandbox.server import Sandbox, serve_forever
from sandbox.wire import ReceivedRequest, SandboxClock

__all__ = ["ReceivedRequest", "Sandbox", "SandboxClock", "SandboxCredentials", "serve_forever"]
