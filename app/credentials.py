"""Secrets kept encrypted at rest (remote tokens, webhook secrets), with keys from the environment or the instance.

Keys are Fernet keys, newest first: the first encrypts, every one decrypts. They come from
SESSION_STATS_ENCRYPTION_KEY (comma-separated) or from `encryption.keys` in the instance folder, one per
line, created with a fresh key (mode 0600) the first time a secret is stored.
"""
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

KEY_FILENAME = "encryption.keys"
KEY_VARIABLE = "SESSION_STATS_ENCRYPTION_KEY"


class CredentialError(Exception):
    """A secret that cannot be stored or read with the keys this server has."""


class Keyring:
    """The server's encryption keys: from the environment (fixed) or the instance's key file (which rotates)."""

    def __init__(self, instance_path, environment_keys: str | None):
        self.key_file = Path(instance_path) / KEY_FILENAME
        self.environment_keys = environment_keys

    @property
    def from_environment(self) -> bool:
        """True when the keys are set in the environment, which this server cannot rewrite."""
        return bool(self.environment_keys)

    def keys(self, create: bool = False) -> list[bytes]:
        """The keys, newest first; with `create`, a first key is made when there is none."""
        if self.environment_keys:
            text = self.environment_keys.replace(",", "\n")
        elif self.key_file.exists():
            text = self.key_file.read_text()
        elif create:
            self._write([Fernet.generate_key()], exclusive=True)
            text = self.key_file.read_text()
        else:
            return []
        keys = [line.strip().encode() for line in text.splitlines() if line.strip()]
        for key in keys:
            try:
                Fernet(key)
            except ValueError:
                raise CredentialError(f"An encryption key in {self._where()} is not a Fernet key (32 bytes, "
                                      "url-safe base64).") from None
        return keys

    def encrypt(self, secret: str) -> str:
        """`secret` encrypted under the newest key."""
        return _fernet(self.keys(create=True)).encrypt(secret.encode()).decode()

    def decrypt(self, stored: str) -> str:
        """The secret `stored` holds; CredentialError when no key of this server opens it."""
        keys = self.keys()
        try:
            if not keys:
                raise InvalidToken
            return _fernet(keys).decrypt(stored.encode()).decode()
        except InvalidToken:
            raise CredentialError(f"No encryption key in {self._where()} opens it: the key it was stored with "
                                  "is lost or was replaced.") from None

    def begin_rotation(self) -> list[bytes]:
        """Put a new key first in the key file (the old ones still open what they stored); the keys now."""
        if self.from_environment:
            raise CredentialError(f"The keys come from {KEY_VARIABLE}: put a new key first there (keep the old "
                                  "ones after it) and restart, then run `session-stats keys rotate` again.")
        keys = [Fernet.generate_key(), *self.keys()]
        self._write(keys)
        return keys

    def finish_rotation(self) -> None:
        """Keep only the newest key, once everything stored is encrypted under it."""
        if not self.from_environment:
            self._write(self.keys()[:1])

    def rotate(self, stored: str) -> str:
        """`stored` encrypted again under the newest key."""
        return _fernet(self.keys()).rotate(stored.encode()).decode()

    def _where(self) -> str:
        return KEY_VARIABLE if self.environment_keys else str(self.key_file)

    def _write(self, keys: list[bytes], exclusive: bool = False) -> None:
        self.key_file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.key_file.with_suffix(".new")
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        fd = os.open(partial, flags, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write("".join(key.decode() + "\n" for key in keys))
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            try:
                os.link(partial, self.key_file)
            except FileExistsError:
                pass
            partial.unlink()
        else:
            os.replace(partial, self.key_file)


def _fernet(keys: list[bytes]) -> MultiFernet:
    # The key file is read on each use, small as it is: a rotation from the command line reaches a running server.
    return MultiFernet([Fernet(key) for key in keys])


def keyring(app) -> Keyring:
    """The app's keyring."""
    return app.extensions["keyring"]


def init_credentials(app) -> None:
    """Bind the keyring to `app`."""
    app.extensions["keyring"] = Keyring(app.instance_path, app.config.get("ENCRYPTION_KEY"))
