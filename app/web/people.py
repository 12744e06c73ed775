"""The people page: everyone credited on sessions, with their roles and a way to their sessions."""
from flask import Blueprint

from app.auth import requires
from app.extensions import db
from app.list_params import PeopleParams
from app.services.people import page_of_people
from app.web.rendering import list_params, render_page

bp = Blueprint("people", __name__)


@bp.get("/people")
@requires("viewer")
def index():
    """The people credited on live sessions, most credited first, each with their roles."""
    params = list_params(PeopleParams)
    people, total, pages = page_of_people(db.session, params.page, params.role)
    return render_page("people/index.html", "content", people=people, total=total, page=params.page, pages=pages,
                       role=params.role)
