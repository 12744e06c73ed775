"""The people credited on sessions: who, on how many live sessions, in which roles."""
from dataclasses import dataclass

from sqlalchemy import func, select

from app.models import Credit, LiveCount, Session
from app.services.bulk import page_count

PEOPLE_PAGE = 100


@dataclass
class Person:
    """A person with the live sessions crediting them and, per role, on how many."""

    name: str
    sessions: int
    roles: list[tuple[str, int]]


def page_of_people(db_session, page: int = 1, role: str | None = None) -> tuple[list[Person], int, int]:
    """A page of the people credited on live sessions (in `role`, when given), most credited first; also how many
    there are and the pages."""
    if role:
        counted = select(Credit.name.label("value"), func.count(func.distinct(Credit.session_pk)).label("count")).join(
            Session, Session.pk == Credit.session_pk).where(Session.deleted_at.is_(None), Credit.role == role
                                                            ).group_by(Credit.name).subquery()
    else:
        counted = select(LiveCount.value, LiveCount.count).where(LiveCount.dimension == "person").subquery()
    total = db_session.scalar(select(func.count()).select_from(counted))
    rows = db_session.execute(select(counted.c.value, counted.c.count).order_by(
        counted.c.count.desc(), counted.c.value).limit(PEOPLE_PAGE).offset((page - 1) * PEOPLE_PAGE)).all()
    roles = {}
    sessions = func.count(func.distinct(Credit.session_pk))
    for name, credited_role, count in db_session.execute(
            select(Credit.name, Credit.role, sessions).join(Session, Session.pk == Credit.session_pk)
            .where(Session.deleted_at.is_(None), Credit.name.in_([row.value for row in rows]))
            .group_by(Credit.name, Credit.role).order_by(sessions.desc(), Credit.role)):
        roles.setdefault(name, []).append((credited_role, count))
    return [Person(row.value, row.count, roles.get(row.value, [])) for row in rows], total, page_count(
        total, PEOPLE_PAGE)
