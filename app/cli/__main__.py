"""`python -m app.cli`: the `session-stats` command."""
from app.cli import cli

cli()
