"""HTML pages, one blueprint per area."""
from app.web import admin, auth, home, settings

blueprints = (home.bp, auth.bp, settings.bp, admin.bp)
