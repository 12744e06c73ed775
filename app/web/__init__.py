"""HTML pages, one blueprint per area."""
from app.web import admin, auth, home, plugins, sessions, settings

blueprints = (home.bp, sessions.bp, plugins.bp, auth.bp, settings.bp, admin.bp)
