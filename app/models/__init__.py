"""The SQLAlchemy models, one module per aggregate."""
from app.models.account import ApiToken, AuditEntry, User
from app.models.meta import Meta
from app.models.plugin import Plugin
from app.models.session import Session, SessionPlugin, Source, Tag, Track, TrackPlugin

__all__ = ["ApiToken", "AuditEntry", "Meta", "Plugin", "Session", "SessionPlugin", "Source", "Tag", "Track",
           "TrackPlugin", "User"]
