"""What a request may ask for in its query string and path: one set of limits and one parser for every list that a
page or the API shows, and numbers in paths that the database can hold.

A list's parameters are a Pydantic model. Repeated values and repeated search words are dropped; a parameter may
have at most MAX_VALUES values, a search at most MAX_WORDS words and the whole query string at most
MAX_QUERY_BYTES, so that what a page answers stays in proportion to what was asked.
"""
import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from flask import abort, request
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, PlainValidator, ValidationError, WithJsonSchema
from werkzeug.routing import BaseConverter, ValidationError as NoRoute

from app.services.search import search_terms
from app.wire import MAX_COUNT, MAX_NAME, NO_NUL, problem_message

MAX_QUERY_BYTES = 2048
MAX_VALUES = 20
MAX_WORDS = 16
MAX_PAGE = 1_000_000
ASCII_WHOLE_NUMBER = re.compile(r"\s*[0-9]{1,12}\s*")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ParamsError(ValueError):
    """A query that makes no sense: one {path, message} per problem."""

    def __init__(self, problems: list[dict]):
        super().__init__("; ".join(f"{p['path']}: {p['message']}" for p in problems))
        self.problems = problems


def _distinct(values):
    """The values of a repeated parameter, each once, blanks dropped, in the order given."""
    if not isinstance(values, list):
        return values
    return list(dict.fromkeys(v for v in values if not isinstance(v, str) or v.strip()))


def _distinct_items_schema(schema: dict) -> None:
    """The limit counts distinct values, which JSON Schema's maxItems cannot say: it is named by an extension."""
    schema["x-max-distinct-items"] = schema.pop("maxItems")


def _search_words(text: str) -> str:
    """A search's words, each once; ValueError beyond MAX_WORDS."""
    words = list(dict.fromkeys(text.split()))
    if len(words) > MAX_WORDS or len(set(search_terms(text))) > MAX_WORDS:
        raise ValueError(f"a search may have at most {MAX_WORDS} words")
    return " ".join(words)


def whole_number(value):
    """A whole number from text of digits 0-9 only: int() would take '²' and '١٢', and Pydantic '1_000' and '5.0'."""
    if isinstance(value, str):
        if not ASCII_WHOLE_NUMBER.fullmatch(value):
            raise ValueError("must be a whole number written with the digits 0-9")
        return int(value)
    return value


def _yes_or_no(value):
    """True or False from exactly the words the documentation names; "yes", "on" and the like are refused."""
    if isinstance(value, bool):
        return value
    spelt = value.strip().lower() if isinstance(value, str) else None
    if spelt in ("true", "1"):
        return True
    if spelt in ("false", "0"):
        return False
    raise ValueError("must be true or false (or 1 or 0)")


def _moment(value):
    """A date (a whole day) or a date and time (timezone-aware; UTC when none is given) from ISO 8601 text."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("must be ISO 8601 text")
    try:
        if "T" not in value and " " not in value.strip():
            return date.fromisoformat(value.strip())
        moment = datetime.fromisoformat(value)
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise ValueError("must be an ISO 8601 date (2026-03-01) or date and time (2026-03-01T14:30:00Z)") from None


def _day(value) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not DAY.fullmatch(value.strip()):
        raise ValueError("must be a date such as 2026-03-01")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("must be a date that exists, such as 2026-03-01") from None


QueryText = Annotated[str, Field(max_length=MAX_NAME, pattern=NO_NUL)]
Texts = Annotated[list[QueryText], BeforeValidator(_distinct),
                  Field(max_length=MAX_VALUES, json_schema_extra=_distinct_items_schema)]
Moment = Annotated[date | datetime, PlainValidator(_moment), WithJsonSchema(
    {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]})]
Day = Annotated[date, PlainValidator(_day), WithJsonSchema({"type": "string", "format": "date"})]
SearchText = Annotated[str, Field(max_length=MAX_NAME, pattern=NO_NUL), AfterValidator(_search_words)]
Whole = Annotated[int, BeforeValidator(whole_number)]
YesOrNo = Annotated[bool, PlainValidator(_yes_or_no), WithJsonSchema({"type": "boolean"})]
RowNumber = Annotated[Whole, Field(ge=1, le=MAX_COUNT)]
WholeNumbers = Annotated[list[Annotated[Whole, Field(ge=0, le=MAX_COUNT)]],
                         BeforeValidator(_distinct),
                         Field(max_length=MAX_VALUES, json_schema_extra=_distinct_items_schema)]
PageNumber = Annotated[Whole, Field(ge=1, le=MAX_PAGE)]


def parse_query(model: type[BaseModel], args, *, blank_is_absent: bool = False) -> Any:
    """`args` (a MultiDict) validated by `model`: a list field takes the parameter repeated, any other field once.
    ParamsError naming each parameter that makes no sense. With `blank_is_absent` (a page's form submits its empty
    fields) a parameter given only empty values counts as not given."""
    values, problems = {}, []
    for name, given in args.lists():
        field = model.model_fields.get(name)
        if blank_is_absent and all(not value.strip() for value in given):
            continue
        if field is not None and getattr(field.annotation, "__origin__", None) is list:
            values[name] = given
        elif len(given) > 1:
            problems.append({"path": name, "message": "give this parameter once"})
        else:
            values[name] = given[0]
    try:
        params = model.model_validate(values)
    except ValidationError as exc:
        problems += [{"path": ".".join(str(part) for part in error["loc"][:1]) or "query",
                      "message": problem_message(error)} for error in exc.errors()]
    if problems:
        raise ParamsError(problems)
    return params


class RowNumberConverter(BaseConverter):
    """A row number in a path, as the `int` converter: digits 0-9, at most what an SQL INTEGER holds; else 404."""

    regex = r"[0-9]{1,10}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_COUNT:
            raise NoRoute()
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def _refuse_long_query_strings():
    if len(request.query_string) > MAX_QUERY_BYTES:
        abort(414, description=f"The query string is over {MAX_QUERY_BYTES:,} bytes: ask for fewer filter values "
                               "or a shorter search.")


def init_params(app) -> None:
    """Row numbers in paths within what the database holds, and query strings within MAX_QUERY_BYTES."""
    app.url_map.converters["int"] = RowNumberConverter
    app.before_request(_refuse_long_query_strings)
