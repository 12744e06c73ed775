"""Tables as CSV files to download: RFC 4180 (CRLF, quoted where needed), UTF-8, a header row, and text that a
spreadsheet would run as a formula neutralised."""
import csv
import io
from collections.abc import Iterable
from datetime import datetime

from flask import Response, stream_with_context

from app.normalize import iso_utc

# A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A value as a CSV cell: nothing for None, ISO 8601 for a time, text that would start a formula behind a '."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _lines(header: tuple[str, ...], batches: Iterable[Iterable[tuple]]):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    for rows in batches:
        writer.writerows([csv_cell(value) for value in row] for row in rows)
        yield text.getvalue()
        text.seek(0)
        text.truncate()
    yield text.getvalue()


def csv_response(filename: str, header: tuple[str, ...], batches: Iterable[Iterable[tuple]]) -> Response:
    """Batches of rows as a CSV file to download, sent as they come (a large table never sits in memory)."""
    return Response(stream_with_context(_lines(header, batches)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def csv_download(filename: str, header: tuple[str, ...], rows: list[tuple]) -> Response:
    """Rows as a CSV file to download."""
    return csv_response(filename, header, [rows])
