"""A batch reads the credentials from the (real) keyring once per run, and again only when a
renewal changes them: a 20,000-row run used to ask the keyring 20,000 times."""

from __future__ import annotations

import pytest

from core.batch import BatchRun
from core.history import History
from core.profiles import Profile
from tests.core.test_batch import batch_of

pytestmark = pytest.mark.keyring


class CountedReads:
    """The real keyring, and how often the run asked it."""

    def __init__(self, store) -> None:
        self.store, self.reads = store, 0

    def check(self) -> str:
        return self.store.check()

    def get(self, profile, field):
        self.reads += 1
        return self.store.get(profile, field)

    def read_all(self, profile, fields):
        self.reads += 1
        return self.store.read_all(profile, fields)

    def set(self, profile, field, value) -> None:
        self.store.set(profile, field, value)

    def set_many(self, profile, values) -> None:
        self.store.set_many(profile, values)

    def delete(self, profile, field) -> bool:
        return self.store.delete(profile, field)


def test_credentials_are_read_once_per_run_and_again_only_at_a_renewal(
        sandbox, secret_store, secret_profile, tmp_path) -> None:
    history = History(tmp_path / "history.sqlite3")
    creds = sandbox.credentials
    profile = Profile(secret_profile, "bitrix24", sandbox.bitrix24_url, timeout=5.0,
                      options={"code": creds.b24_code, "auth": "oauth",
                               "client_id": creds.b24_client_id,
                               "oauth_server": sandbox.bitrix24_oauth_url})
    secret_store.set_many(secret_profile, {"access-token": creds.b24_access_token,
                                           "refresh-token": creds.b24_refresh_token,
                                           "client-secret": creds.b24_client_secret})
    sandbox.bitrix24.set_rate_limit(drain_per_second=10_000, burst=1_000)
    ids = sandbox.bitrix24.seed_messages(40)
    keyring = CountedReads(secret_store)

    def on_row(result) -> None:
        if result.row.row == 11:  # the access token's hour is up in the middle of the run
            sandbox.bitrix24.expire_access_token()

    summary = BatchRun(profile, keyring, batch_of(profile, ids), history, rate=1000,
                       burst=100).run(on_row)
    assert (summary.done, summary.failed) == (40, 0)
    assert keyring.reads <= 3, f"the keyring was read {keyring.reads} times for 40 rows"
    renewed = secret_store.get(secret_profile, "access-token")
    assert renewed and renewed != creds.b24_access_token  # the renewal was stored
