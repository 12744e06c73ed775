"""What each /api view takes and gives, declared on the view itself: the OpenAPI document is built from these
declarations over the real routes, and each answer is built from its response model, so that neither can drift
from the other."""
from dataclasses import dataclass
from functools import wraps

from flask import current_app
from pydantic import BaseModel, TypeAdapter


@dataclass(frozen=True)
class Declaration:
    """A view's query, body, answer and the error statuses it gives besides those every route may give."""

    answer: type[BaseModel] | None
    described: str
    query: type[BaseModel] | None = None
    body: dict | type[BaseModel] | None = None
    body_required: bool = True
    body_type: str = "application/json"
    # The status of a successful answer (201 for a view that makes something).
    status: int = 200
    errors: tuple[int, ...] = ()


def documented(answer: type[BaseModel] | None, described: str, **declared):
    """Declare what a view gives (`answer`, in words `described`) and takes; a view that returns plain data has it
    validated by `answer` and sent as JSON (a Response, such as an error, passes as it is)."""
    declaration = Declaration(answer, described, **declared)
    adapter = TypeAdapter(answer) if answer is not None else None

    def declare(view):
        @wraps(view)
        def answering(*args, **kwargs):
            result = view(*args, **kwargs)
            if adapter is None or not isinstance(result, dict | list):
                return result
            # The data comes from services in JSON's types (timestamps as ISO text): the models' strictness is for
            # what clients send.
            answer_model = adapter.validate_python(result, strict=False)
            return current_app.response_class(adapter.dump_json(answer_model, by_alias=True, exclude_unset=True),
                                              status=declaration.status, mimetype="application/json")

        answering.declaration = declaration
        return answering

    return declare
