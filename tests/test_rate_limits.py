"""Rate limits: failed sign-ins per account and per address, API writes per token; 429 with Retry-After."""
import pytest
import redis
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry
from tests.auth import PASSWORD, sign_in
from tests.helpers import SEED_EXAMPLE


def audited_actions(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(AuditEntry.action, AuditEntry.target).order_by(AuditEntry.pk))]


def check_ten_wrong_passwords_are_throttled(app, auth):
    username = auth.user("editor")
    client = app.test_client()
    statuses = [sign_in(client, username, f"wrong password {n}").status_code for n in range(10)]
    assert statuses == [401] * 5 + [429] * 5
    throttled = sign_in(client, username, PASSWORD)
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["Retry-After"]) <= 300
    assert "Too many failed sign-ins" in throttled.get_data(as_text=True)
    assert client.get("/").status_code == 302
    actions = audited_actions(app)
    assert actions.count(("sign_in.failed", username)) == 5
    assert actions.count(("sign_in.throttled", username)) == 6

    other = auth.user("viewer")
    assert sign_in(app.test_client(), other, PASSWORD).status_code == 302


def test_ten_wrong_passwords_for_one_account_are_throttled_and_audited(app, auth):
    check_ten_wrong_passwords_are_throttled(app, auth)


def test_a_right_password_does_not_count(app, auth):
    username = auth.user("viewer")
    for _ in range(8):
        assert sign_in(app.test_client(), username).status_code == 302


class TestPerAddress:
    @pytest.fixture
    def app_config(self):
        return {"SIGN_IN_LIMIT_PER_ADDRESS": "3 per minute"}

    def test_failures_from_one_address_are_throttled_across_accounts(self, app):
        client = app.test_client()
        statuses = [sign_in(client, f"someone{n}", "wrong password").status_code for n in range(5)]
        assert statuses == [401, 401, 401, 429, 429]
        other_address = app.test_client()
        response = other_address.post("/login", environ_base={"REMOTE_ADDR": "10.1.2.3"},
                                      data={"username": "someone9", "password": "x"})
        assert response.status_code == 400


class TestApiWrites:
    @pytest.fixture
    def app_config(self):
        return {"API_WRITE_LIMIT": "3 per minute"}

    def test_writes_are_limited_per_token_and_reads_are_not(self, auth):
        busy, calm = auth.client(token_role="editor"), auth.client(token_role="editor")
        statuses = [busy.post("/api/session-stats", json=SEED_EXAMPLE).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = busy.delete("/api/session-stats/anything")
        assert refused.status_code == 429
        assert refused.get_json()["error"]["code"] == "rate_limited"
        assert int(refused.headers["Retry-After"]) > 0
        assert all(busy.get("/api/session-stats").status_code == 200 for _ in range(5))
        assert calm.post("/api/session-stats", json=SEED_EXAMPLE).status_code == 200


class TestRedisStorage:
    @pytest.fixture
    def app_config(self, redis_url):
        redis.Redis.from_url(redis_url).flushdb()
        return {"REDIS_URL": redis_url}

    def test_the_limits_are_kept_in_redis_when_configured(self, app, auth, redis_url):
        check_ten_wrong_passwords_are_throttled(app, auth)
        keys = redis.Redis.from_url(redis_url).keys("*")
        assert any(b"account:" in key for key in keys)
