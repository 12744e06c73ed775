"""What extensions' hooks give back, kept: their events on the timeline, their attributes under their names, and
their failures where people look (the session's page, the attachment, the job's errors)."""
from sqlalchemy import delete, select

from app.hooks import Outcome, call_hooks
from app.models import Attachment, Event, Session
from app.services.attachments import attachment_answer
from app.services.bulk import chunked
from app.services.derived import live_change
from app.services.events import add_events
from app.services.sessions import sessions_in_wire_format

EXTENSION_ERRORS = "extension_errors"


def _replace_events(db_session, session: Session, outcome: Outcome, attachment_id: str | None) -> None:
    """Drop what this extension gave this session (for this attachment, or from the session's own hook) and add
    what it gives now."""
    previous = db_session.scalars(select(Event).where(Event.session_pk == session.pk,
                                                      Event.source == outcome.extension)).all()
    stale = [event.pk for event in previous if (event.attributes or {}).get("attachment") == attachment_id]
    if stale:
        with live_change(db_session, [session.pk]):
            db_session.execute(delete(Event).where(Event.pk.in_(stale)))
    events = outcome.result.events
    if attachment_id is not None:
        events = [event.model_copy(update={"attributes": {**(event.attributes or {}), "attachment": attachment_id}})
                  for event in events]
    if events:
        add_events(db_session, session.id, events, outcome.extension, outcome.extension)


def session_outcomes(db_session, session_pks: list[int]) -> list[tuple[int, list[Outcome]]]:
    """Call every enabled extension's `on_session_indexed` for these sessions, reading only (run it outside a unit
    of work: a hook may take long); per session pk, the outcomes."""
    outcomes = []
    for chunk in chunked(session_pks, 500):
        pk_of = dict(db_session.execute(select(Session.id, Session.pk).where(Session.pk.in_(chunk))).all())
        outcomes += [(pk_of[wire["id"]], list(call_hooks("on_session_indexed", wire)))
                     for wire in sessions_in_wire_format(db_session, chunk)]
    return outcomes


def keep_session_outcomes(db_session, outcomes: list[tuple[int, list[Outcome]]]) -> list[tuple[str, str]]:
    """Keep what the hooks gave each session, within the caller's unit of work; the failures as (session path or
    id, "extension …: why")."""
    failures = []
    for pk, given in outcomes:
        session = db_session.get(Session, pk)
        if session is None or session.deleted_at is not None:
            continue
        attributes = dict(session.attributes or {})
        errors = dict(attributes.pop(EXTENSION_ERRORS, None) or {})
        for outcome in given:
            if outcome.result is not None:
                _replace_events(db_session, session, outcome, None)
                if outcome.result.attributes is not None:
                    attributes[outcome.extension] = outcome.result.attributes
            if outcome.error:
                errors[outcome.extension] = outcome.error
                failures.append((session.path or session.id, f"extension {outcome.extension} {outcome.error}"))
            else:
                errors.pop(outcome.extension, None)
        if errors:
            attributes[EXTENSION_ERRORS] = errors
        if attributes != (session.attributes or {}):
            with live_change(db_session, [session.pk]):
                session.attributes = attributes
                db_session.flush()
    return failures


def attachment_outcomes(db_session, attachment: Attachment, path: str) -> list[Outcome]:
    """Call every enabled extension's `on_attachment_added` for this attachment (its content at `path`), reading
    only (run it outside a unit of work); the outcomes."""
    [wire] = sessions_in_wire_format(db_session, [attachment.session_pk])
    return list(call_hooks("on_attachment_added", wire, {**attachment_answer(attachment, wire["id"]), "path": path}))


def keep_attachment_outcomes(db_session, attachment: Attachment, outcomes: list[Outcome]) -> list[str]:
    """Keep what the hooks gave an attachment (its analysis, its session's events), within the caller's unit of
    work; the failures as "extension …: why"."""
    analysis, failures = dict(attachment.analysis or {}), []
    for outcome in outcomes:
        if outcome.result is not None:
            _replace_events(db_session, attachment.session, outcome, attachment.id)
            if outcome.result.attributes is not None:
                analysis[outcome.extension] = outcome.result.attributes
        if outcome.error:
            failures.append(f"{outcome.extension} {outcome.error}")
    attachment.analysis = analysis or None
    attachment.analysis_error = "; ".join(failures)[:2000] or None
    db_session.flush()
    return failures
