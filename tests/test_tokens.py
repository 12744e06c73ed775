"""API tokens: shown once, stored as a digest, refused when unknown, revoked or expired."""
import hashlib
from datetime import timedelta

from bs4 import BeautifulSoup
from sqlalchemy import select, update

from app.cli import cli
from app.database import unit_of_work
from app.extensions import db
from app.models import ApiToken
from app.models.types import utc_now
from tests.auth import csrf_token
from tests.helpers import SEED_EXAMPLE


def every_stored_value(app) -> str:
    """Every value in every table, as one text."""
    with app.app_context():
        return "\n".join(str(row) for table in db.metadata.sorted_tables for row in db.session.execute(select(table)))


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_cli_prints_the_token_once_and_stores_only_its_digest(app, anonymous):
    result = app.test_cli_runner().invoke(cli, ["tokens", "create", "nightly import", "--role", "editor"])
    assert result.exit_code == 0, result.output
    [secret] = result.stdout.split()
    assert secret.startswith("sst_") and len(secret) > 40
    stored = every_stored_value(app)
    assert secret not in stored and secret[4:] not in stored
    assert hashlib.sha256(secret.encode()).hexdigest() in stored

    assert anonymous.post("/api/session-stats", json=SEED_EXAMPLE, headers=bearer(secret)).status_code == 200
    listing = app.test_cli_runner().invoke(cli, ["tokens", "list"]).output.split("\t")
    assert listing[1:4] == ["nightly import", "editor", "active"]
    assert listing[4].strip().endswith("Z")


def test_settings_page_shows_a_new_token_once(app, client):
    response = client.post("/settings/tokens", data={"name": "<script>alert(1)</script>", "role": "viewer",
                                                     "expires_in_days": "30", "csrf_token": csrf_token(client)})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = BeautifulSoup(response.data, "html.parser")
    secret = page.select_one("#new-token")["value"]
    assert secret not in every_stored_value(app)
    later = client.get("/settings/tokens")
    assert secret not in later.get_data(as_text=True)
    row = BeautifulSoup(later.data, "html.parser").select("tbody tr")[0]
    assert row.td.get_text() == "<script>alert(1)</script>"

    assert client.get("/api/session-stats", headers=bearer(secret)).status_code == 200
    refused = client.post("/settings/tokens", data={"name": "", "role": "viewer", "csrf_token": csrf_token(client)})
    assert refused.status_code == 422


def test_unknown_malformed_revoked_and_expired_tokens_get_401(app, auth, anonymous):
    for headers in (bearer("sst_not-a-token"), {"Authorization": "Basic YWRtaW46YWRtaW4="}, bearer("")):
        response = anonymous.get("/api/session-stats", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"

    revoked, expired = auth.token("admin"), auth.token("admin")
    assert anonymous.get("/api/session-stats", headers=bearer(revoked)).status_code == 200
    admin = auth.client("admin")
    with app.app_context(), unit_of_work():
        revoked_pk = db.session.scalar(select(ApiToken.pk).order_by(ApiToken.pk))
        db.session.execute(update(ApiToken).where(ApiToken.pk != revoked_pk).values(
            expires_at=utc_now() - timedelta(seconds=1)))
    admin.post(f"/settings/tokens/{revoked_pk}/revoke", data={"csrf_token": csrf_token(admin)})
    for secret in (revoked, expired):
        response = anonymous.post("/api/session-stats", json=SEED_EXAMPLE, headers=bearer(secret))
        assert response.status_code == 401
    statuses = [row.select("td")[6].get_text().split()[0]
                for row in BeautifulSoup(admin.get("/settings/tokens").data, "html.parser").select("tbody tr")]
    assert statuses == ["expired", "revoked"]


def test_a_token_role_is_enforced_with_403(auth, anonymous):
    viewer = auth.token("viewer")
    assert anonymous.get("/api/session-stats", headers=bearer(viewer)).status_code == 200
    response = anonymous.post("/api/session-stats", json=SEED_EXAMPLE, headers=bearer(viewer))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert anonymous.get("/api/session-stats", headers=bearer(viewer)).get_json()["sessions"] == []


def test_a_token_records_its_last_use(app, auth, anonymous):
    secret = auth.token("viewer")
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) is None
    anonymous.get("/api/session-stats", headers=bearer(secret))
    with app.app_context():
        assert utc_now() - db.session.scalar(select(ApiToken.last_used_at)) < timedelta(minutes=1)
