"""Every route has an access rule, and each is enforced for every kind of caller."""
import pytest

from tests.auth import PASSWORD, csrf_token, sign_in

# The least role each view needs. A new route fails test_every_route_has_a_rule until it is listed here.
ROUTE_ACCESS = {
    "static": "public",
    "auth.login": "public",
    "auth.logout": "account",
    "web.home": "viewer",
    "web.remove_sample_sessions": "admin",
    "views.save": "account",
    "views.delete": "account",
    "sessions.index": "viewer",
    "sessions.facets": "viewer",
    "sessions.count": "viewer",
    "sessions.show": "viewer",
    "sessions.trash": "viewer",
    "sessions.move_to_trash": "editor",
    "sessions.bulk": "editor",
    "sessions.undo_bulk": "editor",
    "sessions.restore": "editor",
    "sessions.purge": "admin",
    "sessions.field_view": "viewer",
    "sessions.field_form": "editor",
    "sessions.save_field": "editor",
    "sessions.reset_field": "editor",
    "sessions.save_tags": "editor",
    "sessions.save_flags": "editor",
    "sessions.timeline": "viewer",
    "sessions.work": "viewer",
    "sessions.log_work": "editor",
    "sessions.edit_work": "editor",
    "sessions.save_work": "editor",
    "sessions.trash_work": "editor",
    "sessions.restore_work": "editor",
    "sessions.start_timer": "editor",
    "sessions.stop_my_timer": "editor",
    "sessions.add_attachment": "editor",
    "sessions.download_attachment": "viewer",
    "sessions.sessions_csv": "viewer",
    "sessions.tracks_csv": "viewer",
    "sessions.session_plugins_csv": "viewer",
    "sessions.events_csv": "viewer",
    "plugins.plugins_csv": "viewer",
    "media.missing": "viewer",
    "media.missing_csv": "viewer",
    "sessions.add_note": "editor",
    "sessions.edit_note": "editor",
    "sessions.save_note": "editor",
    "sessions.set_note_status": "editor",
    "sessions.trash_note": "editor",
    "sessions.restore_note": "editor",
    "sessions.new": "editor",
    "sessions.new_track_row": "editor",
    "sessions.create": "editor",
    "plugins.index": "viewer",
    "plugins.show": "viewer",
    "plugins.product": "viewer",
    "settings.index": "account",
    "settings.change_password": "account",
    "settings.change_time_zone": "account",
    "settings.tokens": "admin",
    "settings.new_token": "admin",
    "settings.revoke": "admin",
    "scans.index": "admin",
    "scans.start": "admin",
    "scans.show": "viewer",
    "scans.progress": "viewer",
    "scans.cancel": "admin",
    "admin.users": "admin",
    "admin.new_user": "admin",
    "admin.change_role": "admin",
    "admin.disable_user": "admin",
    "admin.enable_user": "admin",
    "admin.audit_log": "admin",
    "api.list_session_stats": "viewer",
    "api.get_session_stats": "viewer",
    "api.post_session_stats": "editor",
    "api.trash_session_stats": "editor",
    "api.restore_session_stats": "editor",
    "api.purge_session_stats": "admin",
    "api.list_sessions_api": "viewer",
    "api.recently_liked_api": "viewer",
    "api.session_stats_api": "viewer",
    "api.update_metadata_api": "editor",
    "api.refresh_stats_api": "editor",
    "api.openapi_json": "viewer",
    "api.rebuild_rollups_api": "admin",
    "api.list_products_api": "viewer",
    "api.product_api": "viewer",
    "api.list_events_api": "viewer",
    "api.add_events_api": "editor",
    "api.update_event_api": "editor",
    "api.delete_event_api": "editor",
    "api.session_rollup_api": "viewer",
    "api.list_activities_api": "viewer",
    "api.hours_api": "viewer",
    "api.plugins_api": "viewer",
    "api.templates_api": "viewer",
    "templates.index": "viewer",
    "templates.register_folder": "admin",
    "templates.register_session": "admin",
    "templates.remove": "admin",
    "templates.restore": "admin",
    "analytics.index": "viewer",
    "api.log_activity_api": "editor",
    "api.update_activity_api": "editor",
    "api.delete_activity_api": "editor",
    "api.list_attachments_api": "viewer",
    "api.add_attachment_api": "editor",
    "corrections.correct": "admin",
    "corrections.merge": "admin",
    "corrections.split": "admin",
    "corrections.index": "admin",
    "corrections.undo": "admin",
    "api.list_gone_sessions": "viewer",
    "api.source_webhook": "public",
    "metrics.scrape": "public",
    "people.index": "viewer",
    "machines.index": "viewer",
    "machines.show": "viewer",
    "machines.upload": "editor",
    "api.list_machines_api": "viewer",
    "api.machine_api": "viewer",
    "api.receive_inventory_api": "editor",
    "api.missing_api": "viewer",
    "machines.missing": "viewer",
    "machines.drift": "viewer",
    "machines.unused": "viewer",
    "machines.missing_csv": "viewer",
    "machines.drift_csv": "viewer",
    "machines.unused_csv": "viewer",
    "api.drift_api": "viewer",
    "api.unused_api": "viewer",
    "api.plugin_impact_api": "viewer",
    "plugins.plugin_impact": "viewer",
    "plugins.product_impact": "viewer",
    "api.product_impact_api": "viewer",
    "sessions.save_credits": "editor",
    "integrations.sources": "admin",
    "integrations.add": "admin",
    "integrations.source": "admin",
    "integrations.change": "admin",
    "integrations.test": "admin",
    "integrations.sync": "admin",
    "integrations.pause": "admin",
    "integrations.resume": "admin",
    "integrations.remove": "admin",
    "integrations.restore": "admin",
    "integrations.webhooks": "admin",
    "integrations.add_webhook": "admin",
    "integrations.webhook": "admin",
    "integrations.remove_webhook": "admin",
    "integrations.enable_webhook": "admin",
    "integrations.redeliver_webhook": "admin",
}
ROLES = ("viewer", "editor", "admin")
# "account" is any signed-in user: the rank of a viewer, but never an anonymous reader.
RANK = {"public": -1, "account": 0, "viewer": 0, "editor": 1, "admin": 2}
# Values for the URL variables: none of them exists, so an allowed request changes nothing.
URL_VALUES = {"field": "name", "session_id": "no-such-session", "plugin_id": "no|such|plugin|", "product_key": "no|such", "token_pk": 999999, "user_pk": 999999, "job_pk": 999999, "correction_pk": 999999, "entry_pk": 999999, "view_pk": 999999, "event_id": "no-such-event", "activity_id": "no-such-activity", "attachment_id": "no-such-attachment", "template_id": "no-such-template", "filename": "css/app.css", "name": "no-such-source", "source_name": "no-such-source", "subscription_pk": 999999, "delivery_pk": 999999, "machine_name": "no-such-machine"}
IDENTITIES = [None, *(("browser", role) for role in ROLES), *(("token", role) for role in ROLES)]


def requests_to_try(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every route and method of the app."""
    adapter = app.url_map.bind("localhost")
    return [
        (rule.endpoint, method, adapter.build(rule.endpoint, {name: URL_VALUES[name] for name in rule.arguments},
                                              method=method))
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]


def test_every_route_has_a_rule(app):
    assert {endpoint for endpoint, _, _ in requests_to_try(app)} == set(ROUTE_ACCESS)


def check_every_route(app, auth, public_read=False):
    users = {role: auth.user(role) for role in ROLES}
    tokens = {role: auth.token(role) for role in ROLES}
    for endpoint, method, url in requests_to_try(app):
        level = ROUTE_ACCESS[endpoint]
        is_api = url.startswith("/api/")
        for identity in IDENTITIES:
            client = app.test_client()
            headers = {}
            role = None
            if identity and identity[0] == "browser":
                assert sign_in(client, users[identity[1]], PASSWORD).status_code == 302
                role = identity[1]
            elif identity:
                headers["Authorization"] = f"Bearer {tokens[identity[1]]}"
                # Tokens open the API only; on pages their bearer is a visitor like any other.
                role = identity[1] if is_api else None
            if not identity or identity[0] == "browser":
                # With a valid CSRF token, what remains to refuse a request is its caller's role.
                headers["X-CSRFToken"] = csrf_token(client)
            response = client.open(url, method=method, headers=headers)
            response.close()
            context = f"{method} {url} as {identity or 'anonymous'}: {response.status_code}"
            anonymous_reader = public_read and level == "viewer" and method == "GET"
            if level == "public" or (role and RANK[role] >= RANK[level]) or (role is None and anonymous_reader):
                assert response.status_code not in (401, 403), context
                assert "/login" not in response.headers.get("Location", "") or endpoint == "auth.logout", context
            elif role is None and is_api:
                assert response.status_code == 401, context
                assert response.get_json()["error"]["code"] == "unauthorized", context
                assert response.headers["WWW-Authenticate"].startswith("Bearer"), context
            elif role is None:
                assert response.status_code == 302, context
                assert response.headers["Location"].startswith("/login?next="), context
            else:
                assert response.status_code == 403, context
                if is_api:
                    assert response.get_json()["error"]["code"] == "forbidden", context


def test_every_route_for_every_caller(app, auth):
    check_every_route(app, auth)


class TestPublicRead:
    @pytest.fixture
    def app_config(self):
        return {"PUBLIC_READ": True}

    def test_anonymous_visitors_read_but_never_write(self, app, auth):
        check_every_route(app, auth, public_read=True)

    def test_a_bad_token_is_still_refused(self, anonymous):
        response = anonymous.get("/api/session-stats", headers={"Authorization": "Bearer sst_nonsense"})
        assert response.status_code == 401


def test_htmx_requests_are_sent_to_sign_in_without_a_swap(anonymous):
    response = anonymous.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=")


def test_replacing_needs_an_admin(auth):
    editor = auth.client(token_role="editor")
    body = {"action": "replaceSessions", "payload": [{"name": "Only this"}]}
    refused = editor.post("/api/session-stats", json=body)
    assert refused.status_code == 403
    assert editor.get("/api/session-stats").get_json()["sessions"] == []
    admin = auth.client(token_role="admin")
    assert admin.post("/api/session-stats", json=body).status_code == 200
