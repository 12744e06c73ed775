"""Text that people and files supply is shown as text on every page: no script it carries runs."""
from urllib.parse import quote, unquote

from sqlalchemy import select, update

from app.database import unit_of_work
from app.extensions import db
from app.models import Session
from app.services.tokens import create_token
from tests.auth import PASSWORD
from tests.helpers import ingest

HOSTILE = ("<script>window.__xss = 1; alert(1)</script> \"><img src=x onerror=\"window.__xss = 2\"> "
           "{{ 7 * 7 }} {% if 1 %}x{% endif %} ' onmouseover='window.__xss = 3")
HOSTILE_NAME = "<script>window.__xss = 5</script>\"><img src=x onerror=\"window.__xss = 6\"> {{ 7 * 7 }}"
# Ingests refuse such ids now; a session stored before that rule may still have one.
HOSTILE_ID = "\"><img src=x onerror=\"window.__xss = 4\">{{ 7 * 7 }}"
# The pages that show text from sessions, tokens or the audit log.
PAGES = ["/", "/sessions", f"/sessions?q=script&tag={quote(HOSTILE)}", "/trash", "/admin/users", "/settings/tokens",
         "/admin/audit"]


def hostile_session(**fields):
    plugin = {"name": HOSTILE, "vendor": HOSTILE, "version": HOSTILE, "preset": HOSTILE}
    return {"name": HOSTILE, "artist": HOSTILE, "project": HOSTILE, "notes": HOSTILE, "tags": [HOSTILE],
            "key": HOSTILE, "tracks": [{"name": HOSTILE, "notes": HOSTILE, "plugins": [plugin]}], **fields}


def test_hostile_text_is_shown_as_text_and_runs_nothing(app, auth, client, live_server, page):
    ingest(client, hostile_session(fingerprint="a"), hostile_session(fingerprint="b"))
    with app.app_context():
        purged = db.session.scalar(select(Session.id).where(Session.fingerprint == "a"))
        with unit_of_work():
            create_token(db.session, HOSTILE_NAME, "viewer")
            db.session.execute(update(Session).where(Session.fingerprint == "b").values(id=HOSTILE_ID))
    client.delete(f"/api/session-stats/{purged}")
    client.post(f"/api/session-stats/{purged}/purge")
    kept = ingest(client, hostile_session(fingerprint="c")).get_json()["insertedIds"][0]
    client.delete(f"/api/session-stats/{quote(HOSTILE_ID)}")
    admin = auth.user("admin")

    alerts, violations = [], []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: violations.append(message.text) if "Content Security" in message.text else None)
    page.goto(f"{live_server}/login")
    page.fill("#username", admin)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")

    for path in [*PAGES, f"/sessions/{kept}", f"/sessions/{quote(HOSTILE_ID)}"]:
        page.goto(live_server + path)
        page.hover("main")
        assert page.evaluate("window.__xss") is None, path
        assert page.locator("main script, main img").count() == 0, path
        assert page.locator("script").count() == 2, path
    assert alerts == [] and violations == []

    page.goto(f"{live_server}/sessions/{kept}")
    assert page.locator("h1").inner_text() == HOSTILE
    assert page.locator("#field-notes .value").inner_text() == HOSTILE
    assert page.locator("#tags .tag a").inner_text() == HOSTILE
    assert page.locator("#tracks .track-name").first.inner_text().startswith(HOSTILE)
    page.goto(f"{live_server}/sessions")
    assert HOSTILE in page.locator("#sessions tbody td").all_inner_texts()
    page.goto(f"{live_server}/settings/tokens")
    assert HOSTILE_NAME in page.locator("tbody td").all_inner_texts()
    page.goto(f"{live_server}/admin/audit")
    cells = page.locator("tbody td").all_inner_texts()
    # Whole-cell matches: the template syntax in them came through literally, not evaluated.
    assert f"name: {HOSTILE}" in cells
    # An entry about a session names it and links to it; the id is the link's title.
    trashed = page.get_by_title(f"Session {HOSTILE_ID}", exact=True)
    assert trashed.inner_text() == HOSTILE
    assert unquote(trashed.get_attribute("href")) == f"/sessions/{HOSTILE_ID}"
