"""Templates: registering them, and recognising the sessions started from one by their opening track layout.

A layout is a session's tracks as (name, type) pairs in order, names compared without case or surrounding spaces.
A session matches a template when the longest run of the template's tracks found in order among the session's first
tracks (the template's number of tracks plus a quarter more, at least one more) holds at least MATCH_THRESHOLD of
the template's tracks: a track added, or one of a larger template removed, still matches. Only templates of the
session's DAW (or of no DAW) with at least MIN_TRACKS tracks are tried; the best score wins, then the template
with more tracks, then the name.
"""
import uuid
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.models import Session, Template, Track
from app.models.session import MATCHED_BY_LAYOUT
from app.models.template import FROM_SESSION
from app.models.types import utc_now
from app.services.bulk import chunked
from app.services.derived import mark_changed
from app.services.rollups import count_given_templates

MATCH_THRESHOLD = 0.8
MIN_TRACKS = 2


class TemplateError(ValueError):
    """A template that cannot be registered, restored or removed, and why."""


@dataclass(frozen=True)
class Candidate:
    """A registered template as matching sees it."""

    name: str
    daw: str | None
    layout: tuple[tuple[str, str], ...]


@dataclass
class Registration:
    """What registering templates did: names added and refreshed, and how many stored sessions now carry one."""

    added: list[str] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)
    matched: int = 0


def _layout_entry(name: str | None, type_: str | None) -> list[str]:
    return [(name or "").strip().casefold(), (type_ or "").strip().casefold()]


def layout_of(tracks) -> list[list[str]]:
    """A session's tracks (wire tracks or rows with name and type) as its layout: [name, type] pairs in order."""
    return [_layout_entry(track.name, track.type) for track in tracks]


def _window(template_tracks: int) -> int:
    """How many of a session's first tracks are compared with a template of this many tracks."""
    return template_tracks + max(1, template_tracks // 4)


def similarity(template: tuple, opening: tuple) -> float:
    """The share of the template's tracks found in order among `opening` (0 to 1)."""
    if not template:
        return 0.0
    # The longest common subsequence, one row at a time.
    previous = [0] * (len(opening) + 1)
    for wanted in template:
        current = [0]
        for position, track in enumerate(opening):
            current.append(previous[position] + 1 if wanted == track else max(previous[position + 1], current[-1]))
        previous = current
    return previous[-1] / len(template)


def best_template(layout, daw: str | None, candidates: list[Candidate]) -> tuple[str, float] | None:
    """The template a session of this layout and DAW was started from, with its score, or None."""
    opening = tuple(map(tuple, layout))
    best, best_rank = None, None
    for candidate in sorted(candidates, key=lambda candidate: candidate.name):
        if candidate.daw is not None and (daw or "").casefold() != candidate.daw.casefold():
            continue
        score = similarity(candidate.layout, opening[:_window(len(candidate.layout))])
        rank = (score, len(candidate.layout))
        if score >= MATCH_THRESHOLD and (best_rank is None or rank > best_rank):
            best, best_rank = (candidate.name, score), rank
    return best


def match_candidates(db_session) -> list[Candidate]:
    """The registered templates that can be recognised by their layout."""
    return [Candidate(name, daw, tuple(map(tuple, layout))) for name, daw, layout in db_session.execute(
        select(Template.name, Template.daw, Template.layout).where(Template.removed_at.is_(None)))
        if len(layout) >= MIN_TRACKS]


def template_names(db_session) -> list[str]:
    """The names of the registered templates, in order."""
    return list(db_session.scalars(select(Template.name).where(Template.removed_at.is_(None)).order_by(Template.name)))


def list_templates(db_session) -> tuple[list[Template], list[Template]]:
    """The registered templates by name, and the removed ones (most recently removed first)."""
    rows = db_session.scalars(select(Template).order_by(Template.name)).all()
    return ([row for row in rows if row.removed_at is None],
            sorted((row for row in rows if row.removed_at is not None), key=lambda row: row.removed_at, reverse=True))


def template_sessions(db_session, names: list[str]) -> dict[str, int]:
    """How many live sessions carry each of these template names."""
    counts = dict.fromkeys(names, 0)
    for chunk in chunked(names):
        counts.update(db_session.execute(select(Session.template, func.count()).where(
            Session.template.in_(chunk), Session.deleted_at.is_(None)).group_by(Session.template)).all())
    return counts


def register_templates(db_session, found: list[tuple[str, str | None, str | None, list]], source: str,
                       created_by: str, session_id: str | None = None) -> Registration:
    """Register templates given as (name, DAW, path, layout); one of the same name is refreshed (and restored).
    Then the stored sessions without a template are matched against every registered one."""
    registration = Registration()
    now = utc_now()
    for name, daw, path, layout in found:
        stored = db_session.scalar(select(Template).where(Template.name == name))
        if stored is None:
            db_session.add(Template(id=str(uuid.uuid4()), name=name, daw=daw, source=source, path=path,
                                    session_id=session_id, layout=layout, created_at=now, created_by=created_by[:200]))
            registration.added.append(name)
        else:
            stored.daw, stored.source, stored.path, stored.layout = daw, source, path, layout
            stored.session_id, stored.removed_at = session_id, None
            registration.refreshed.append(name)
    try:
        db_session.flush()
    except IntegrityError:
        raise TemplateError("Another admin registered a template of the same name at the same moment: nothing was "
                            "changed, try again.") from None
    registration.matched = match_stored_sessions(db_session)
    return registration


def register_session_as_template(db_session, session_id: str, name: str, created_by: str) -> Registration:
    """Register a live session's tracks as a template of this name (TemplateError when it has none)."""
    session = db_session.scalar(select(Session).where(Session.id == session_id, Session.deleted_at.is_(None)))
    if session is None:
        raise TemplateError("There is no such session, or it is in the trash.")
    name = name.strip()
    if not name:
        raise TemplateError("A template needs a name.")
    tracks = db_session.scalars(select(Track).where(Track.session_pk == session.pk).order_by(Track.position)).all()
    if len(tracks) < MIN_TRACKS:
        raise TemplateError(f"A template is recognised by its tracks: this session has {len(tracks)}, "
                            f"at least {MIN_TRACKS} are needed.")
    # The session itself is started from the template it becomes, whatever else its tracks match.
    given = _set_templates(db_session, {session.pk: name}) if session.template is None else 0
    registration = register_templates(db_session, [(name, session.daw, session.path, layout_of(tracks))],
                                      FROM_SESSION, created_by, session_id=session.id)
    registration.matched += given
    return registration


def set_template_removed(db_session, template_id: str, removed: bool) -> Template:
    """Remove a template from the registered ones (sessions keep its name), or restore it."""
    template = db_session.scalar(select(Template).where(Template.id == template_id))
    if template is None:
        raise TemplateError("There is no such template.")
    template.removed_at = utc_now() if removed else None
    if not removed:
        match_stored_sessions(db_session)
    return template


def match_stored_sessions(db_session) -> int:
    """Give each live session without a template (and not cleared by hand) the registered one its opening tracks
    match; how many were given one."""
    candidates = match_candidates(db_session)
    if not candidates:
        return 0
    window = max(_window(len(candidate.layout)) for candidate in candidates)
    daws = {candidate.daw.casefold() for candidate in candidates if candidate.daw is not None}
    any_daw = any(candidate.daw is None for candidate in candidates)
    unmatched = [(pk, daw) for pk, daw, edited in db_session.execute(
        select(Session.pk, Session.daw, Session.edited).where(Session.deleted_at.is_(None), Session.template.is_(None),
                                                              Session.track_count >= MIN_TRACKS))
        if "template" not in (edited or {}) and (any_daw or (daw or "").casefold() in daws)]
    found = {}
    for chunk in chunked(unmatched):
        layouts: dict[int, list] = {pk: [] for pk, _ in chunk}
        for pk, name, type_ in db_session.execute(
                select(Track.session_pk, Track.name, Track.type).where(
                    Track.session_pk.in_(list(layouts)), Track.position < window)
                .order_by(Track.session_pk, Track.position)):
            layouts[pk].append(_layout_entry(name, type_))
        for pk, daw in chunk:
            best = best_template(layouts[pk], daw, candidates)
            if best is not None:
                found[pk] = best[0]
    return _set_templates(db_session, found)


def _set_templates(db_session, templates: dict[int, str]) -> int:
    """Give each of these live sessions, if it still has no template, the one recognised for it, and count it; how
    many were given one.

    Cheaper than a whole `live_change` for tens of thousands of sessions: only the template's live counts move."""
    table = Session.__table__
    by_template: dict[str, list[int]] = {}
    for pk in sorted(templates):
        by_template.setdefault(templates[pk], []).append(pk)
    given = 0
    for name, pks in sorted(by_template.items()):
        for chunk in chunked(pks):
            rows = db_session.execute(
                update(table).where(table.c.pk.in_(chunk), table.c.template.is_(None), table.c.deleted_at.is_(None))
                .values(template=name, template_from=MATCHED_BY_LAYOUT)
                .returning(table.c.pk, table.c.template, table.c.created_at, table.c.worked_seconds)).all()
            count_given_templates(db_session, [row[1:] for row in rows])
            mark_changed(db_session, [row.pk for row in rows])
            given += len(rows)
    return given
