"""HTML pages, one blueprint per area."""
from app.web import admin, auth, corrections, home, plugins, scans, session_edit, session_new, sessions, settings  # noqa: F401

blueprints = (home.bp, sessions.bp, plugins.bp, corrections.bp, scans.bp, auth.bp, settings.bp, admin.bp)
