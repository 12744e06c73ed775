"""The audit log: who did what, to what, from where, and when."""
from typing import NamedTuple

from sqlalchemy import func, insert, select, true

from app.models import AuditEntry, Session
from app.models.types import utc_now


class Actor(NamedTuple):
    """Who acted: a signed-in user, an API token, the command line or an anonymous visitor."""

    name: str
    user_pk: int | None = None
    token_pk: int | None = None
    address: str | None = None


COMMAND_LINE = Actor("command line")


def record(db_session, actor: Actor, action: str, target: str | None = None, details: dict | None = None) -> int:
    """Write one audit entry, within the unit of work of what it records; its pk."""
    return db_session.scalar(insert(AuditEntry).values(
        actor=actor.name[:200], user_pk=actor.user_pk, token_pk=actor.token_pk, address=actor.address, action=action,
        target=target, details=details, at=utc_now()).returning(AuditEntry.pk))


def audit_actions(db_session) -> list[str]:
    """The actions that occur in the log, for filtering it."""
    return list(db_session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def page_of_audit_entries(db_session, *, page: int = 1, per_page: int = 50,
                          action: str | None = None) -> tuple[list[AuditEntry], int]:
    """One page of entries, newest first, and how many entries match in all."""
    condition = AuditEntry.action == action if action else true()
    total = db_session.scalar(select(func.count()).select_from(AuditEntry).where(condition))
    entries = db_session.scalars(
        select(AuditEntry).where(condition).order_by(AuditEntry.at.desc(), AuditEntry.pk.desc())
        .offset((page - 1) * per_page).limit(per_page)
    )
    return list(entries), total


# Actions whose entries target a session by its id, besides the "session." ones.
TARGETING_SESSIONS = ("events.added", "attachment.added", "activity.")


def sessions_named_in(db_session, entries: list[AuditEntry]) -> dict[str, str]:
    """The names of the sessions (live or trashed) that entries about sessions target, by session id."""
    ids = {entry.target for entry in entries
           if entry.action.startswith(("session.", *TARGETING_SESSIONS)) and entry.target}
    if not ids:
        return {}
    return dict(db_session.execute(select(Session.id, Session.name).where(Session.id.in_(ids))).all())


def audit_entry(db_session, entry_pk: int, action: str) -> AuditEntry | None:
    """The entry with this pk when it records `action`."""
    return db_session.scalar(select(AuditEntry).where(AuditEntry.pk == entry_pk, AuditEntry.action == action))


def entry_followed_by(db_session, entry_pk: int, action: str) -> bool:
    """Whether an entry of `action` names the entry `entry_pk` as its target (an undo, say)."""
    return db_session.scalar(select(AuditEntry.pk).where(AuditEntry.action == action,
                                                         AuditEntry.target == str(entry_pk)).limit(1)) is not None
