"""Saved views: a list's state (its query string) kept under a name, for its owner or shared with everyone."""
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from app.models import SavedView, User

MAX_VIEW_NAME = 200
# The lists a view may be saved from.
PAGES = ("sessions", "plugins")


class SavedViewError(ValueError):
    """A view that cannot be saved or deleted as asked; nothing was changed."""


def saved_views(db_session, user_pk: int | None, page: str) -> list:
    """The views of a list that this user may open: their own and those shared, by name; each with its owner's name."""
    mine = SavedView.owner_pk == user_pk if user_pk is not None else False
    return db_session.execute(
        select(SavedView.pk, SavedView.name, SavedView.query, SavedView.shared, SavedView.owner_pk,
               User.username.label("owner"))
        .join(User, User.pk == SavedView.owner_pk)
        .where(SavedView.page == page, or_(mine, SavedView.shared)).order_by(SavedView.name, SavedView.pk)
    ).all()


def save_view(db_session, owner_pk: int, page: str, name: str, query: str, shared: bool) -> SavedView:
    """Keep `query` under `name` for its owner; SavedViewError when the name is empty, too long or already theirs."""
    name = " ".join((name or "").split())
    if page not in PAGES:
        raise SavedViewError(f"Views are saved from the {' and '.join(PAGES)} lists only.")
    if not name or len(name) > MAX_VIEW_NAME:
        raise SavedViewError(f"A view needs a name of 1 to {MAX_VIEW_NAME} characters.")
    taken = db_session.scalar(select(SavedView.pk).where(SavedView.owner_pk == owner_pk, SavedView.page == page,
                                                         SavedView.name == name))
    if taken is not None:
        raise SavedViewError(f"You already have a view named “{name}”: choose another name, or delete that one first.")
    view = SavedView(owner_pk=owner_pk, page=page, name=name, query=query.lstrip("?"), shared=shared)
    db_session.add(view)
    try:
        db_session.flush()
    except IntegrityError:  # the same name saved by the same user at the same moment
        raise SavedViewError(f"You already have a view named “{name}”: choose another name.") from None
    return view


def delete_view(db_session, view_pk: int, user_pk: int, may_delete_any: bool) -> SavedView:
    """Delete a view of this user's (any view for an admin); the view as it was. SavedViewError otherwise."""
    view = db_session.get(SavedView, view_pk)
    if view is None or not (view.owner_pk == user_pk or may_delete_any):
        raise SavedViewError("There is no such view of yours.")
    db_session.delete(view)
    db_session.flush()
    return view
