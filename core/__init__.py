"""StatusDesk core: everything that is not Qt (never imports PySide6)."""

__version__ = "0.1.0"
