"""How the index stays exact: every figure derived from the rows follows from one mechanism.

The derived figures, in the order a change brings them up to date:

- each session's track, instance and plugin counts, and its events per kind, open notes, media files and missing
  media files, and its worked time with the rule that gave it (columns of `sessions`);
- per plugin its instances, sessions and tracks over live sessions (`plugin_totals`), and per
  facet value the live sessions that have it, with the index totals and each product's sessions
  per month (`live_counts`);
- the search documents of live sessions (`session_search`) and, on SQLite, the index of the
  plugins each live session uses (`session_search_plugins`);
- the cached stats of sessions (`session_stats`).

Upstream of them all, each plugin's product (`plugins.product_key` and `products`) follows from
what its files said, the shipped catalogue and the admins' corrections; `reidentify` derives it
again and counts each product and vendor it touches again (search matches products' words when it runs).

Every writer that changes sessions does it inside `live_change`, within its unit of work:

    with live_change(db_session, pks_it_will_change) as change:
        ... insert, update or delete rows of those sessions ...
        change.created(pks_it_inserted)

and leaving the block brings every derived figure of those sessions up to date, in the same
transaction; the writer has nothing else to remember. `check_derived` recounts every figure
from the rows (another way than the change does) and lists what differs, table by table;
`rebuild_derived` repairs it. A new derived figure is one more entry in FIGURES.
"""
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import select, update

from app.models import Session
from app.models.types import utc_now
from app.services import identities, recount, rollups, search, search_index, stats, webhooks, work_time
from app.services.bulk import chunked


# What a row of a derived table is, in words, where it is not a session.
ROW_NAMES = {"plugin_totals": "plugin", "plugins": "plugin", "products": "product"}
IDENTITY_TABLES = ("plugins", "products")


class Difference(NamedTuple):
    """One row of a derived table that differs from a recount: which, what is kept and what the rows say."""

    table: str
    key: Any
    kept: Any
    counted: Any

    @property
    def label(self) -> str:
        """The row in words: "session 12", "plugin 7", "artist = Lumen"."""
        if isinstance(self.key, tuple):
            return f"{self.key[0]} = {self.key[1]}"
        return f"{ROW_NAMES.get(self.table, 'session')} {self.key}"


@dataclass(frozen=True)
class Figure:
    """A derived figure: how it follows a change, and how a check finds and a rebuild repairs its drift."""

    # The tables it keeps, as differences name them.
    tables: tuple[str, ...]
    # (db_session, pks) → what the sessions count before a change; None when the update needs nothing.
    before: Callable | None
    # (db_session, pks, [what `before` gave, per call]) → None: brings the figure of those sessions up to date.
    after: Callable
    # (db_session) → [Difference]: where the kept figure differs from the rows.
    check: Callable
    # (db_session, [Difference]) → None: makes those rows right.
    repair: Callable


def _counts_after(db_session, pks, _before):
    rollups.refresh_session_counts(db_session, pks)


def _count_differences(db_session):
    return ([Difference("sessions", pk, kept, counted)
             for pk, (kept, counted) in sorted(recount.recount_session_counts(db_session).items())]
            + [Difference("sessions", pk, kept, counted)
               for pk, (kept, counted) in recount.recount_timeline_counts(db_session).items()])


def _repair_counts(db_session, differences):
    rollups.refresh_session_counts(db_session, [d.key for d in differences])


def _worked_after(db_session, pks, _before):
    work_time.refresh_worked(db_session, pks)


def _worked_differences(db_session):
    return [Difference("sessions", pk, kept, counted)
            for pk, (kept, counted) in work_time.worked_drift(db_session).items()]


def _repair_worked(db_session, differences):
    work_time.refresh_worked(db_session, [d.key for d in differences])


def _aggregates_before(db_session, pks):
    return rollups.counted(db_session, pks)


def _aggregates_after(db_session, pks, before):
    total = rollups.Counted()
    for counted in before:
        total = total.plus(counted)
    rollups.apply_change(db_session, rollups.counted(db_session, pks).minus(total))


def _differing(table, kept: dict, counted: dict) -> list[Difference]:
    return [Difference(table, key, kept.get(key), counted.get(key))
            for key in sorted(set(kept) | set(counted)) if kept.get(key) != counted.get(key)]


def _aggregate_differences(db_session):
    totals, counts = recount.recount_aggregates(db_session)
    return (_differing("plugin_totals", recount.kept_plugin_totals(db_session), totals)
            + _differing("live_counts", recount.kept_live_counts(db_session), counts))


def _repair_aggregates(db_session, differences):
    rollups.set_plugin_totals(db_session, {d.key: d.counted for d in differences if d.table == "plugin_totals"})
    rollups.set_live_counts(db_session, {d.key: d.counted for d in differences if d.table == "live_counts"})


def _search_after(db_session, pks, _before):
    search_index.index_sessions(db_session, pks)


def _search_differences(db_session):
    return ([Difference(search.SEARCH_TABLE, pk, problem, "the document of its rows")
             for pk, problem in sorted(search_index.search_drift(db_session).items())]
            + [Difference(search.PLUGIN_TABLE, pk, problem, "the terms of its plugins")
               for pk, problem in sorted(search_index.plugin_index_drift(db_session).items())])


def _repair_search(db_session, differences):
    search_index.index_sessions(db_session, sorted({d.key for d in differences}))


def _stats_after(db_session, pks, _before):
    stats.forget_stats(db_session, pks)


def _stats_differences(db_session):
    return [Difference("session_stats", pk, problem, "the stats of its rows")
            for pk, problem in sorted(stats.stats_drift(db_session).items())]


def _repair_stats(db_session, differences):
    stats.recompute_stats(db_session, [d.key for d in differences])


FIGURES = (
    Figure(("sessions",), None, _counts_after, _count_differences, _repair_counts),
    Figure(("sessions",), None, _worked_after, _worked_differences, _repair_worked),
    Figure(("plugin_totals", "live_counts"), _aggregates_before, _aggregates_after, _aggregate_differences,
           _repair_aggregates),
    Figure((search.SEARCH_TABLE, search.PLUGIN_TABLE), None, _search_after, _search_differences, _repair_search),
    Figure(("session_stats",), None, _stats_after, _stats_differences, _repair_stats),
)


def _lock_sessions(db_session, pks: list[int]) -> None:
    """On PostgreSQL, hold these sessions' rows until the unit of work ends, so that what they count before the
    change cannot move under it (SQLite lets one writer in at a time). In pk order: writers never wait in a circle."""
    if db_session.get_bind().dialect.name != "postgresql":
        return
    for chunk in chunked(pks):
        db_session.execute(select(Session.pk).where(Session.pk.in_(chunk)).order_by(Session.pk).with_for_update())


class LiveChange:
    """The sessions a writer changes, and what they counted before it changed them."""

    def __init__(self, db_session, figures=FIGURES):
        self.db_session = db_session
        self.figures = figures
        self.pks: dict[int, None] = {}
        self.before: list[list] = [[] for _ in figures]
        self.inserted: set[int] = set()
        # The session events some webhook subscription wants (looked up once), and whether each session touched
        # was live before the change: trashed, restored or updated is told from it.
        self.events: set[str] | None = None
        self.live_before: dict[int, bool] = {}

    def touching(self, pks) -> None:
        """These stored sessions are about to change: note what they count now (once per session)."""
        new = sorted(pk for pk in set(pks) if pk not in self.pks)
        if not new:
            return
        _lock_sessions(self.db_session, new)
        for figure, before in zip(self.figures, self.before):
            if figure.before is not None:
                before.append(figure.before(self.db_session, new))
        if self._watched_events():
            self.live_before.update(_live_states(self.db_session, new))
        self.pks.update(dict.fromkeys(new))

    def created(self, pks) -> None:
        """These sessions were inserted by the change: they counted nothing before it."""
        pks = list(pks)
        self.pks.update(dict.fromkeys(pks))
        self.inserted.update(pks)

    def finish(self) -> None:
        """Bring every derived figure of the changed sessions up to date, note when they changed, and owe the
        webhook subscribers word of it."""
        pks = list(self.pks)
        for figure, before in zip(self.figures, self.before):
            figure.after(self.db_session, pks, before)
        mark_changed(self.db_session, pks)
        if pks and self._watched_events():
            webhooks.emit_session_events(self.db_session, self._events_of(pks))

    def _watched_events(self) -> set[str]:
        if self.events is None:
            self.events = webhooks.subscribed_events(self.db_session) & set(webhooks.SESSION_EVENTS)
        return self.events

    def _events_of(self, pks) -> dict[str, list[str]]:
        ids = {event: [] for event in self.events}
        for pk, (session_id, live) in _live_states(self.db_session, pks, with_ids=True).items():
            was_live = self.live_before.get(pk)
            event = ("session.created" if pk in self.inserted else "session.trashed" if was_live and not live
                     else "session.restored" if was_live is False and live else "session.updated" if live else None)
            if event in ids:
                ids[event].append(session_id)
        return {event: found for event, found in ids.items() if found}


def _live_states(db_session, pks, with_ids: bool = False) -> dict:
    """Whether each of these sessions is live (not in the trash), by pk; with `with_ids`, as (id, live)."""
    states = {}
    for chunk in chunked(list(pks)):
        for pk, session_id, live in db_session.execute(select(
                Session.pk, Session.id, Session.deleted_at.is_(None)).where(Session.pk.in_(chunk))):
            states[pk] = (session_id, bool(live)) if with_ids else bool(live)
    return states


def mark_changed(db_session, session_pks) -> None:
    """Note that these sessions changed now."""
    now = utc_now()
    for chunk in chunked(list(session_pks)):
        db_session.execute(update(Session).where(Session.pk.in_(chunk)).values(changed_at=now))


@contextmanager
def live_change(db_session, session_pks=()):
    """Change sessions (those named, and any the block names with `touching` or `created`), then update every
    derived figure of them, in the caller's transaction."""
    change = LiveChange(db_session)
    change.touching(session_pks)
    yield change
    change.finish()


def reidentify(db_session, plan: identities.IdentityPlan | None = None) -> identities.IdentityPlan:
    """Derive every plugin's product again (after a correction, or from a new catalogue) and write what differs,
    with every figure of the sessions it touches, in the caller's unit of work; what changed."""
    plan = plan if plan is not None else identities.identity_plan(db_session)
    if not plan:
        return plan
    # Of all derived figures, only the live sessions per product and per vendor depend on products: they are
    # counted again per product and vendor, whatever the number of sessions those hold.
    keys = identities.keys_of_plan(plan)
    vendors = identities.vendors_of(db_session, keys)
    identities.apply_identities(db_session, plan)
    rollups.recount_products(db_session, keys, vendors | identities.vendors_of(db_session, keys))
    return plan


def _identity_differences(db_session, plan: identities.IdentityPlan) -> list[Difference]:
    return ([Difference("plugins", pk, kept, derived) for pk, (kept, derived) in sorted(plan.plugins.items())]
            + [Difference("products", key, plan.kept_products.get(key), row)
               for key, row in sorted(plan.products.items())])


def check_derived(db_session) -> list[Difference]:
    """Every row of every derived table that differs from a recount from the rows; empty when the index is exact.

    Plugins whose product the normaliser, the catalogue and the corrections now derive otherwise come first.
    """
    return (_identity_differences(db_session, identities.identity_plan(db_session))
            + [difference for figure in FIGURES for difference in figure.check(db_session)])


def rebuild_derived(db_session, drift: list[Difference]) -> list[Difference]:
    """Count again, within the caller's unit of work, the figures in which a check found `drift`, and repair what
    still differs; what was repaired."""
    tables = {difference.table for difference in drift}
    repaired = []
    if not tables.isdisjoint(IDENTITY_TABLES):
        repaired += _identity_differences(db_session, reidentify(db_session))
    for figure in FIGURES:
        if tables.isdisjoint(figure.tables):
            continue
        differences = figure.check(db_session)
        if differences:
            figure.repair(db_session, differences)
            repaired += differences
    return repaired


def drift_report(differences: list[Difference], examples: int = 5) -> dict[str, dict]:
    """Per table with drift, how many rows differ and the first few: {table: {rows, examples: [{row, kept,
    counted}]}}."""
    report = {}
    for difference in differences:
        table = report.setdefault(difference.table, {"rows": 0, "examples": []})
        table["rows"] += 1
        if len(table["examples"]) < examples:
            table["examples"].append({"row": difference.label, "kept": difference.kept, "counted": difference.counted})
    return report
