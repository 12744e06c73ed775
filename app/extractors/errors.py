"""The one error every extractor raises."""


class ExtractError(Exception):
    """A file that cannot be read as a session, with the reason in words."""

    def __init__(self, message: str, path: str | None = None):
        super().__init__(f"{path}: {message}" if path else message)
        self.message = message
        self.path = path
