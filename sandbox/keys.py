"""Fixed RSA key pairs of the sandbox's SuperOffice Online system-user sign-in.

SANDBOX-ONLY: these keys are published in the source on purpose. They are trusted by this
loopback simulator and by nothing else, so a leaked copy opens nothing. They are fixed (not
generated at start) so a profile saved against the sandbox keeps working across restarts,
like the other demo credentials.

* ``APP_PRIVATE_KEY_PEM``: the demo application's private key (PKCS#8). A client signs the
  system user token with it; the sandbox verifies with the matching public key.
* ``SUPEROFFICE_PRIVATE_KEY_PEM``: the simulated SuperOffice's own key, which signs the JWT
  the login answers with; clients (and tests) verify it with ``SUPEROFFICE_PUBLIC_KEY_PEM``.
"""

from __future__ import annotations

from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

APP_PRIVATE_KEY_PEM = """\
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQD3KH12qZcAa7UT
DRuouYj3e5tUnhRc0tEvgtfmralZtVdIPftsctIfATum42NfEbA5aRDpJNst+V4c
lnfBITRQJr0tWZWg0r6w9WoBDwxuFETNR6lNRL8aCDpufK6CUPqL1nvpPQhytMTR
R88GhBSRoXr8jm9JIGV4kZN2WLNgI1h7j5pYGP/L0sjkvBaW9V9/jV9sC+9Rs2nk
HT4xXeSonhWfBLZLEhr+RsxUZ/+3y6YqIMS9wU9GjXwjh8RvxWuzjtDMEvpnW2QW
ZZkJItdYO2XMAkJlbD6bNLlX4LK+qLglsKSn0WES+ekaVbMb95c0hlItoinTfM6U
SGC+BIhrAgMBAAECggEAGLguqYpCAANwaNIMIiPsVFRDL4Nf+1NaeKtYIfTcgIxn
3mHUnlQdj9xKYGFTCanLO51hLkWcEPe6jJbAA3Y+tTAqsOPKLfuQoZeUspEUEoO/
Hd489e1vmjrtx9R7NQLEYZgMwexzcTAt6dXfbtdm9z8fUy3WaN9EnCUd392fPc4Y
34hQc5WTjCG+Of1xiUsohVQJggzdwOFZoQhlcU0Y2n5MoOcCBsI1d4OhSJdONlxy
fjjZZA2obeNiaBd4/pMJsHIIAOeCH8E+EI8Y7wH7V59YnUtccG+ADkjsF8u4/HHb
euYw7LGaf4DQyolEZ4R96H7U3y85YBLVRF4gKyF8gQKBgQD9LlNy6xgSdpzVZsUS
PyfhEfeWEAMW7zPD/GcMJ9n1A7uMyGo06UzwIrbzAxYJKmRms2ac2f8uBO+wN2Hc
29JUqwVBrZSfXVVzulQ+PKTXbsMGeVmkgPqKj/VPBQGo92nKk7HLiNpAXmv/LrTR
KAH3/QzFkfIxJ5otOGmf7FJcrwKBgQD56P8fdlmXp7LxXg5QG/EKzYmK1xlO/sIa
CwsjE9TGuq9ualqmwTbWiIMB4BYfrbCj3S8hjanlcKWzT772Vt1P+KpZQ2GzSGGt
AjF6iMj/9Be2UKDyNaGXzT2NSjvowZ1lDXOors0v3jBgNS6RT3jY0zOp2PnKqiie
XqdgbnsXBQKBgQDzHg0cCQywjh3D/k+3WdYdlnc9LlsJJuF6jWEWlx4A3Xi3k6wI
6w7qeStc59W9L2wCArvCWsNjmXHgsQ3UW3H5w8/kZZ6V+bYYzxAeQ3W3ObElAlpG
UWREskBJhPE3I33+/Rx56gxKS2FBRcR0JArf66rb/W2oLfMrAUTMQM5GGQKBgH11
2CZuXtoAyZfc1SiobmEzAFrgU4dR5BX491VbzlUaQZoX8HyIwUQAcmyNl+29X9FT
6CZbHTDfVYBoh4DZ6O8N8k8vwaukqcyWLkrKwsWkQAc6ASK3g/FWixEUdHEMSj0B
/M9xOfdO/1A9QqyWjh+kH+qjz/tLY2rmL/b8X/UVAoGAE2tqgZx02GATFTjYE0FR
qG6pqmKEq5yuBB9EbOjr7Iwf307/+iDiAswnW++A7DGFQKx7JUAJvJ57U1UFGyoZ
Bz93EBfWJH3+axLMsKv+/6yiIrLR3Y99wODyrCfiONCEty0I9ynpOJZ3GlIrniA4
kisePmvd2vGZxAcCe7yyGrY=
-----END PRIVATE KEY-----
"""

SUPEROFFICE_PRIVATE_KEY_PEM = """\
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDTrqi2mHYHsncZ
IZNoG/7Ec4C6rZcrK20nho77KSPgRR7CF/tsTiWg8w+ijQ9smXpqpM68MptBZLOm
qB106WduwxzUb8ZXr4WZORv4b1FDI7JKKr5RU8m8QdTYqlzxfu2kiadMZwF+1BBC
o7ZGSRk4WB7FTnTXytXSsRSg2oYZnLPAtYJEf2SpeBQ/06tEKvZ3RMCTxOP+cA2F
JbzHMgIfEx93Z/ha0evBw3sOsupk3697CDxB4brFqzFYwjIz3udW0iFPFqmcmtYF
A2Aa/eEBB4SMwvfK4LiLfe/Dn+BbXYR/NM64cky2yXjSQ1zV/9qFHKja31QeQ0sG
xPghtmKrAgMBAAECggEAEoDlq4YBNaQI6BzFicF+UB+ekYx20D9TPJpbaW+YfLqq
0rsnVZ/97XQOgLfrsL0FWxWwvCyArymSNwLibEoYw5eKyU3dKX4LMH0YllG4tnGd
qWdtTA05PA6iTRXIDeFGYzsX8V3eeH7Czk7Vy8Gin27u5aVf7k42Y0MdmZmKEYPp
0OMJ0RA31Kn0IOOnyHG/H26mfxnWXvokWghe7WOSWs1J10jDA4yRDp8XaD1CrIz9
E7zif3y3gpfRCHYNWL4a1+IiYAuGMItXjrYjUohWfYsL7nXekf3SbNu7k1inkZAt
/zZWaDNNQe+IWnJUqUvFpm89dlV24SHvnH8hHvSwZQKBgQD6lfOgV261jw2SMRMj
gqxwneErlbFfu1+z1Wz8wVQzGIymkW0P0g0J/MdUIQ41bIcBHxFFAaVECHmpl7VT
hdsSmvlT43ZVKpfwECMYwVnjVybRMhenS9NH5rv9+VSHIPQWc/npJjl3H4klsmw3
EAPS5cw+NvfbmuLU7bks03h8vwKBgQDYQYXpe4pBiQbVWlCDkZMiU7wqD/6L0WRr
UjZpmXo9MJL3BBlmB2+fboa9S44d7TZGbcmmvTZhyy3tZXSWsp2OTFgdJd1xUJMr
yptJ+qVqVb9w5RsaTkf5oiCc68uHY6tgbG2FqWIORmPcSvtzfgcNVB6Jab85jIhU
UBOePTqZFQKBgQDMYbOkqstMYFI0U7yFcRZOgCbgkqZqK3yiQ8gx20lep35IeUKX
7b3e0IKPdqqNHmh6nKlMPExcUgFRNsCZUArfgPEs39BrJGNqVO8bSNCU4UdyxsWO
GQVJlsLsIgk0ccdD7PH/nMKwC1OkIIOs4W4M/Ir6j4DXZ9vsybwH+K9EJwKBgAjA
PgcAtMuKG/iuOuvYDDgrY0Xgd9B4nLOrFACZ8VRgjtHoHI8AZgfxlQo78HhNjRC0
iKByr6ytaCJfJKSkfbOwazBiw989/3aaMEaCGgd/iMusubgKyubTJLa04/uKkPjJ
6nSqMgmZ15imgB5gTzC+4q101gQiJ7Ihu2l/2MsxAoGAcQ7mXa9tlkFNsOpitOKB
o4FgDqtpTI7is36bSwk0G0sFJFiRq6mUv9xzWjZlYw/I9EqzZaNQ+Hg1K5sJnxng
SnF01o8C5nlH9jcvKlTvQQhl13eSsVi+VksQQYEYvB1qq3oaMrk/2Rb6f/7qEVts
cIdJklCr7UM7HJGAC2GPZ+g=
-----END PRIVATE KEY-----
"""


@cache
def private_key(pem: str) -> RSAPrivateKey:
    """The parsed key (cached: parsing takes milliseconds, every sign-in needs it)."""
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, RSAPrivateKey):
        raise TypeError("the sandbox keys are RSA keys")
    return key


def public_key(pem: str) -> RSAPublicKey:
    """The public half of a private key given as PEM."""
    return private_key(pem).public_key()


def public_pem(pem: str) -> str:
    """The public half as SubjectPublicKeyInfo PEM."""
    return public_key(pem).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


SUPEROFFICE_PUBLIC_KEY_PEM = public_pem(SUPEROFFICE_PRIVATE_KEY_PEM)
