"""Replaces pyinstaller-hooks-contrib's hook for lxml, which collects every lxml submodule
(lxml.html, objectify, isoschematron: ~4 MB StatusDesk never imports). lxml.etree is
found by import analysis and has its own hook; nothing else is needed."""

hiddenimports = ["lxml.etree"]
