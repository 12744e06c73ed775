"""The filters of a sessions list that match many sessions, a plugin used widely or a search for a common word,
in the two forms a list needs: a test of each session it visits, or every matching session found at once."""
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import exists, false, func, select

from app.models import Plugin, PluginTotal, Session, SessionPlugin
from app.services.rollups import kept_total
from app.services.search import (Search, estimated_matches, search_conditions, search_tests,
                                 sessions_using_plugins)

# A plugin filter used by more sessions than this tests each visited session instead of collecting them all.
COLLECT_AT_MOST = 5_000
# ... unless the page starts deeper than this: then visiting sessions one by one costs more than collecting.
WALK_AT_MOST = 2_000
# A search expected to match at least one live session in this many tests each visited session too (PostgreSQL).
WALK_DENSITY = 20


@dataclass
class Broad:
    """A filter that may match many sessions, in both forms, each built only when asked for: tests of each visited
    session, and conditions that find all of its sessions at once."""

    tests: Callable[[], list]
    collected: Callable[[], list]


@dataclass
class Where:
    """The WHERE conditions of a query, with the filters over many sessions (a plugin, a search) kept apart.

    Such a filter takes one of two forms. For a first page it tests each session the rest of the
    query visits (newest first, until the page is full) rather than finding all of its sessions.
    For a count or a deep page it finds all of them at once and tests each visited session
    against them. Built only when used: a count kept on write needs neither.
    """

    conditions: list
    broad: list[Broad] = field(default_factory=list)
    search: Search | None = None
    # The conditions for a count, built once: collecting a plugin's sessions on SQLite asks the database first.
    _for_count: list | None = field(default=None, repr=False)

    def for_page(self, offset: int) -> list:
        if offset > WALK_AT_MOST:
            return self.for_count()
        return self.conditions + [test for broad in self.broad for test in broad.tests()]

    def for_count(self) -> list:
        if self._for_count is None:
            self._for_count = self.conditions + [condition for broad in self.broad for condition in broad.collected()]
        return self._for_count


def add_plugin_filter(db_session, where: Where, condition) -> None:
    """Narrow `where` to the sessions using a plugin `condition` (on plugins) selects."""
    plugins = select(Plugin.pk).where(condition)
    if db_session.scalar(plugins.limit(1)) is None:
        where.conditions.append(false())
        return
    most = db_session.scalar(select(func.coalesce(func.sum(PluginTotal.sessions), 0))
                             .where(PluginTotal.plugin_pk.in_(plugins)))
    if most <= COLLECT_AT_MOST:
        where.conditions.append(Session.pk.in_(sessions_using_plugins(db_session, plugins)))
    else:
        # "pk + 0" keeps the planner from looking up every user's row: it walks the sessions it
        # visits anyway and tests each against the users, found once.
        where.broad.append(Broad(
            lambda: [exists().where(SessionPlugin.session_pk == Session.pk, SessionPlugin.plugin_pk.in_(plugins))],
            lambda: [(Session.pk + 0).in_(sessions_using_plugins(db_session, plugins))]))


def add_search(db_session, where: Where, search: Search | None) -> None:
    """Narrow `where` to the sessions `search` matches (none: no narrowing)."""
    where.search = search
    if search is None:
        return

    def tests() -> list:
        # Asked only for a page: a count or an export finds every match whichever form a page takes.
        matches = estimated_matches(db_session, search)
        if matches is not None and matches * WALK_DENSITY >= kept_total(db_session, "sessions"):
            return search_tests(db_session, search)
        return search_conditions(db_session, search)

    where.broad.append(Broad(tests, lambda: search_conditions(db_session, search)))
