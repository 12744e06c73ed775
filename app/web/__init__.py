"""HTML pages, one blueprint per area."""
from app.web import (  # noqa: F401
    admin, analytics, attachments, auth, corrections, exports, home, integrations, machines, media, metrics, people,
    plugins, scans, session_bulk, session_edit, session_new, session_templates, sessions, settings, timeline, views, work_log)

blueprints = (home.bp, sessions.bp, analytics.bp, plugins.bp, media.bp, corrections.bp, scans.bp, auth.bp, settings.bp,
              admin.bp, views.bp, session_templates.bp, integrations.bp, metrics.bp, people.bp, machines.bp)
