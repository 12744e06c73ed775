"""HTML pages, one blueprint per area."""
from app.web import admin, auth, home, sessions, settings

blueprints = (home.bp, sessions.bp, auth.bp, settings.bp, admin.bp)
