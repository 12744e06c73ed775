"""Plugin usage across the index, read from the maintained per-plugin totals."""
from sqlalchemy import select

from app.models import Plugin, PluginTotal


def top_plugins(db_session, limit: int = 10) -> list:
    """The most used plugins over the live sessions: identity, instances, sessions and tracks."""
    return db_session.execute(
        select(Plugin.id, Plugin.name, Plugin.vendor, Plugin.version, Plugin.format,
               PluginTotal.instances, PluginTotal.sessions, PluginTotal.tracks)
        .join(PluginTotal, PluginTotal.plugin_pk == Plugin.pk)
        .order_by(PluginTotal.instances.desc(), Plugin.pk).limit(limit)
    ).all()
