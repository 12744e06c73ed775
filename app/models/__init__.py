"""The SQLAlchemy models, one module per aggregate."""
from app.models.account import ApiToken, AuditEntry, SavedView, SignIn, User
from app.models.counts import LiveCount
from app.models.job import Job, JobError, JobSession
from app.models.machine import InstalledPlugin, Machine, MachineChange
from app.models.meta import Meta
from app.models.plugin import Plugin, PluginTotal, PluginUid, Product, ProductCorrection
from app.models.remote import ReceivedWebhook, RemoteSource, WebhookDelivery, WebhookSubscription
from app.models.scanned_file import ScannedFile
from app.models.session import Credit, PurgedSession, Session, SessionPlugin, SessionStatsCache, Source, Tag, Track, TrackPlugin
from app.models.template import Template
from app.models.timeline import Attachment, Event, MediaFile
from app.models.work import Activity

__all__ = ["Activity", "ApiToken", "Attachment", "AuditEntry", "Credit", "Event", "InstalledPlugin", "Job", "JobError", "JobSession", "LiveCount",
           "Machine", "MachineChange", "MediaFile", "Meta", "Plugin", "PluginTotal", "PluginUid", "Product", "ProductCorrection", "PurgedSession", "ReceivedWebhook",
           "RemoteSource", "SavedView", "ScannedFile", "Session", "SessionPlugin", "SessionStatsCache", "SignIn", "Source", "Tag", "Template", "Track", "TrackPlugin", "User",
           "WebhookDelivery", "WebhookSubscription"]
