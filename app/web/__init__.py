"""HTML pages, one blueprint per area."""
from app.web import (  # noqa: F401
    admin, auth, corrections, home, plugins, scans, session_bulk, session_edit, session_new, sessions, settings, views)

blueprints = (home.bp, sessions.bp, plugins.bp, corrections.bp, scans.bp, auth.bp, settings.bp, admin.bp, views.bp)
