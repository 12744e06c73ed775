"""Remote tokens and webhook secrets are kept encrypted: no dump shows them, keys rotate without breaking a source,
and a lost key is a clear message naming what to enter again."""
import json
import os
import stat

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from app.cli import cli
from app.credentials import Keyring, keyring
from app.database import unit_of_work
from app.extensions import db
from app.models import AuditEntry
from app.services.remote_sources import add_source, get_source, new_webhook_secret, source_token
from app.services.webhooks import add_subscription
from tests.remote_servers import remote_app, serving

TOKEN = "sst_the-remote-token-in-clear"


def add_secrets(app, url="http://127.0.0.1:9") -> tuple[str, str]:
    """A source with a token and a webhook secret, and a subscription; the two secrets."""
    webhook_secret = new_webhook_secret()
    with app.app_context(), unit_of_work():
        add_source(db.session, keyring(app), "b-room", url, TOKEN, created_by="test", webhook_secret=webhook_secret)
        _, subscription_secret = add_subscription(db.session, keyring(app), "https://x.example/hook",
                                                  ["sync.finished"], "test")
    return webhook_secret, subscription_secret


def every_stored_value(app) -> str:
    """Every row of every table, as text: what a dump of the database holds."""
    with app.app_context():
        return "\n".join(str(tuple(row)) for table in db.metadata.sorted_tables
                         for row in db.session.execute(select(table)))


def test_a_database_dump_holds_no_secret_in_clear(app):
    secrets = add_secrets(app)
    dump = every_stored_value(app)
    for secret in (TOKEN, *secrets, secrets[0].removeprefix("whsec_")):
        assert secret not in dump
    key_file = keyring(app).key_file
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    with app.app_context():
        assert source_token(keyring(app), get_source(db.session, "b-room")) == TOKEN


def test_rotation_reencrypts_everything_under_a_new_key_and_the_source_still_syncs(app, runner, tmp_path,
                                                                                     sqlite_template):
    with serving(remote_app(tmp_path, sqlite_template)) as remote:
        with app.app_context(), unit_of_work():
            add_source(db.session, keyring(app), "a-room", remote.url, remote.token, created_by="test")
        before = every_stored_value(app)
        old_keys = keyring(app).keys()
        result = runner.invoke(cli, ["keys", "rotate"])
        assert result.exit_code == 0, result.output
        assert "Encrypted 1 secret(s)" in result.output
        new_keys = keyring(app).keys()
        assert len(new_keys) == 1 and new_keys != old_keys
        # Nothing stored is readable with the old key alone any more, and the rows changed.
        assert every_stored_value(app) != before
        with app.app_context():
            source = get_source(db.session, "a-room")
            with pytest.raises(Exception):
                Fernet(old_keys[0]).decrypt(source.token_encrypted.encode())
        synced = runner.invoke(cli, ["sources", "sync", "a-room"])
        assert synced.exit_code == 0, synced.output
        assert json.loads(synced.output)["status"] == "succeeded"
    with app.app_context():
        assert "keys.rotated" in db.session.scalars(select(AuditEntry.action)).all()


def test_a_lost_key_names_the_sources_to_enter_again(app, runner, client):
    add_secrets(app)
    keyring(app).key_file.unlink()
    page = client.get("/admin/sources")
    assert page.status_code == 200
    assert b"cannot read the" in page.data and b"source b-room" in page.data and b"(https://x.example/hook)" in page.data
    result = runner.invoke(cli, ["sources", "sync", "b-room"])
    assert result.exit_code == 1
    message = json.loads(result.output)["message"]
    assert "source 'b-room' cannot be read" in message and "Enter it again" in message
    assert "Cannot read the secrets of: source b-room" in runner.invoke(cli, ["sources", "list"]).output


def test_keys_from_the_environment_rotate_by_putting_a_new_one_first(tmp_path):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    stored = Keyring(tmp_path, old).encrypt("secret")
    both = Keyring(tmp_path, f"{new},{old}")
    assert both.decrypt(stored) == "secret"
    rotated = both.rotate(stored)
    assert Keyring(tmp_path, new).decrypt(rotated) == "secret"
    with pytest.raises(Exception, match="put a new key first"):
        both.begin_rotation()
    assert not (tmp_path / "encryption.keys").exists()


def test_a_key_that_is_not_a_fernet_key_is_a_clear_error(tmp_path):
    with pytest.raises(Exception, match="is not a Fernet key"):
        Keyring(tmp_path, "not-a-key").encrypt("secret")
