"""Reading a private key file for the keyring: checked to be a key, never shown or copied.

Runs in a job thread (disk). The text goes from the file straight to the keyring; the
window only learns whether it worked and the file's name.
"""

from __future__ import annotations

from pathlib import Path

KEY_FILES = "Key files (*.pem *.key *.xml *.txt);;All files (*)"
MAX_KEY_BYTES = 64 * 1024  # an RSA key is a few KB; anything larger is the wrong file
_MARKS = ("PRIVATE KEY-----", "<RSAKeyValue")


class KeyFileProblem(ValueError):
    """The file is not a private key; the message says what to choose instead."""


def read_key_file(path: Path) -> str:
    """The key's text (PEM, or the <RSAKeyValue> XML), or KeyFileProblem saying why not."""
    try:
        size = path.stat().st_size
        if size > MAX_KEY_BYTES:
            raise KeyFileProblem(f"{path.name} is {size // 1024} KB: too large for a private "
                                 "key. Choose the app's key file (PEM or XML).")
        data = path.read_bytes()
    except OSError as exc:
        raise KeyFileProblem(f"{path.name} cannot be read ({exc.strerror or exc}).") from None
    try:
        text = data.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        raise KeyFileProblem(f"{path.name} is not a text file: save the key as PEM text or "
                             "as the <RSAKeyValue> XML, then load it again.") from None
    if not any(mark in text for mark in _MARKS):
        what = ("a public key or certificate" if "PUBLIC KEY" in text or "CERTIFICATE" in text
                else "no private key")
        raise KeyFileProblem(f"{path.name} holds {what}. Choose the app's private key: PEM "
                             "('-----BEGIN … PRIVATE KEY-----') or <RSAKeyValue> XML.")
    return text
