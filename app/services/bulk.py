"""Helpers for statements over many rows, shared by the services."""
from collections.abc import Iterable, Sequence

from sqlalchemy import Boolean, any_, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

# Rows or keys per statement: well below SQLite's limit of bound parameters.
CHUNK = 1000


def chunked(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def page_count(total: int, size: int) -> int:
    """How many pages of `size` hold `total` items; an empty list still has one page."""
    return max(1, -(-total // size))


def among(db_session, column, values: Sequence):
    """The condition that `column` holds one of `values` (at most a chunk): one array on PostgreSQL, which plans and
    runs it in half the time of a list of as many parameters."""
    if db_session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


def dialect_insert(db_session, table):
    """An INSERT of the session's database dialect, which has ON CONFLICT clauses."""
    dialect = db_session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def update_changed(db_session, table, columns: tuple[str, ...], values: dict[int, tuple], pks, default: tuple) -> None:
    """Set `columns` of these rows of `table` (by pk) to `values` (pk → values in the order of `columns`; `default`
    for a pk not in it), writing only the rows whose kept values differ: an UPDATE that changes nothing still writes
    the row and its index entries anew on PostgreSQL."""
    for chunk in chunked(list(pks)):
        kept = {pk: tuple(row) for pk, *row in db_session.execute(
            select(table.c.pk, *(table.c[column] for column in columns)).where(table.c.pk.in_(chunk)))}
        changed = [pk for pk in chunk if pk in kept and kept[pk] != tuple(values.get(pk, default))]
        if changed:
            db_session.execute(update(table).where(table.c.pk == bindparam("row_pk")), [
                {"row_pk": pk, **dict(zip(columns, values.get(pk, default)))} for pk in changed])


def delete_children(db_session, model, session_pks) -> None:
    """Delete the rows of `model` that belong to these sessions."""
    table = model.__table__
    for chunk in chunked(session_pks):
        db_session.execute(delete(table).where(table.c.session_pk.in_(chunk)))


def insert_rows(db_session, model, columns, rows) -> None:
    """Insert many rows (tuples in the order of `columns`) with one executemany, or one COPY on PostgreSQL.

    The statement is compiled once from the table and the rows go to the driver with
    only the bind processing their column types need: SQLAlchemy's general per-row
    parameter handling costs more than the insert itself at a few hundred thousand rows.
    """
    rows = list(rows)
    if not rows:
        return
    table = model.__table__
    connection = db_session.connection()
    dialect = connection.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    order = compiled.positiontup if compiled.positional else list(columns)
    if list(order) != list(columns):
        where = [columns.index(key) for key in order]
        rows = [tuple(row[index] for index in where) for row in rows]
    # Both drivers take Python booleans as they are, and the wire model allows nothing else.
    processors = [(index, _remembering(processor)) for index, key in enumerate(order)
                  if not isinstance(table.c[key].type, Boolean)
                  and (processor := table.c[key].type.bind_processor(dialect)) is not None]
    if processors:
        rows = [_processed(row, processors) for row in rows]
    if dialect.name == "postgresql":
        _copy(connection, table, order, rows)
        return
    parameters = rows if compiled.positional else [dict(zip(order, row)) for row in rows]
    connection.exec_driver_sql(compiled.string, parameters)


def _copy(connection, table, columns, rows):
    """Load rows with PostgreSQL's COPY FROM STDIN, several times faster than inserting them one by one."""
    quote = connection.dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(column) for column in columns)}) FROM STDIN"
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _remembering(processor):
    """`processor` answering each distinct (hashable) value once: a session's rows repeat its values."""
    answers = {}

    def process(value):
        if value not in answers:
            answers[value] = processor(value)
        return answers[value]
    return process


def _processed(row, processors):
    values = list(row)
    for index, processor in processors:
        values[index] = processor(values[index])
    return tuple(values)
