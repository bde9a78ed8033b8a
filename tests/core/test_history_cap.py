"""The history keeps a bounded body per exchange: the first part (64 KiB by default, a
setting), its full size and SHA-256 beside it, and a note wherever the exchange is shown.
A 20,000-row batch used to grow the file by every answer's whole body."""

from __future__ import annotations

import hashlib

from core.desk import Desk
from core.exchange import StatusUpdate
from core.profiles import Profile
from tests.helpers.secrets import DictSecrets
from tests.helpers.servers import LoopbackServer, http_answer

# Bitrix24's success, with 2 MB more (a portal's debug output, say).
BIG = b'{"result": true, "time": {"debug": "' + b"x" * 2_000_000 + b'"}}'


def answering_big(conn, request, stop) -> None:
    conn.sendall(http_answer("200 OK", BIG, "application/json"))


def history_bytes(desk: Desk) -> int:
    path = desk.history.path
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def send_big(desk: Desk, server: LoopbackServer):
    profile = Profile("big", "bitrix24", server.url, timeout=10.0,
                      options={"code": "sms_gw", "auth": "oauth"})
    return desk.send(profile, StatusUpdate("m-1", "delivered"))


def test_a_big_answer_is_kept_capped_with_its_size_and_sha256(tmp_path) -> None:
    desk = Desk(tmp_path, secrets=DictSecrets({"access-token": "tok-cap"}))
    with LoopbackServer(answering_big) as server:
        result = send_big(desk, server)
    assert result.ok and result.entry is not None
    assert result.exchange.response is not None
    assert len(result.exchange.response.body) == len(BIG)  # the call itself saw it all
    assert history_bytes(desk) < 500_000, "the history kept the whole 2 MB answer"
    stored = desk.history.exchange(result.entry.id)
    assert stored.response is not None and len(stored.response.body) == 64 * 1024
    assert stored.response.body == BIG[:64 * 1024]
    [note] = [n for n in stored.notes if "keeps the first 64 KiB of this answer's body" in n]
    assert f"{len(BIG):,} bytes" in note and hashlib.sha256(BIG).hexdigest() in note
    assert stored.request.body == result.exchange.request.body  # a small body: all of it


def test_the_cap_is_a_setting(tmp_path) -> None:
    desk = Desk(tmp_path, secrets=DictSecrets({"access-token": "tok-cap"}))
    desk.set_history_body_cap(4 * 1024 * 1024)
    with LoopbackServer(answering_big) as server:
        result = send_big(desk, server)
    assert result.entry is not None
    stored = desk.history.exchange(result.entry.id)
    assert stored.response is not None and stored.response.body == BIG
    assert not any("keeps the first" in n for n in stored.notes)
