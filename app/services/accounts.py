"""Users and their roles: creation, sign-in checks, passwords, roles, disabling."""
import re
import secrets

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.models import User
from app.models.types import utc_now
from app.services.sign_ins import end_sign_ins
from app.time_zones import time_zone

# In order of power: each role may do everything the roles before it may.
ROLES = ("viewer", "editor", "admin")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")
DEFAULT_HASH_METHOD = "scrypt"


class AccountError(ValueError):
    """A refused change to an account, with the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def role_allows(role: str | None, required: str) -> bool:
    """True when `role` includes the rights of `required`."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(required)


def check_role(role: str) -> str:
    """`role` when it is one of ROLES; AccountError otherwise."""
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}.", "role")
    return role


def normalize_username(username: str) -> str:
    """The stored form of a username: trimmed and lower-case."""
    return (username or "").strip().lower()


def check_password(password: str) -> str:
    """`password` when it is long enough; AccountError otherwise."""
    if not MIN_PASSWORD_LENGTH <= len(password or "") <= MAX_PASSWORD_LENGTH:
        raise AccountError(f"A password needs {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters.",
                           "password")
    return password


def generate_password() -> str:
    """A random password of 20 URL-safe characters."""
    return secrets.token_urlsafe(15)


def hash_password(password: str, method: str = DEFAULT_HASH_METHOD) -> str:
    """The salted hash stored for `password`."""
    return generate_password_hash(password, method=method)


def user_count(db_session) -> int:
    """How many accounts exist, disabled ones included."""
    return db_session.scalar(select(func.count()).select_from(User))


def find_user(db_session, username: str) -> User | None:
    """The account named `username` (any case), or None."""
    return db_session.scalar(select(User).where(User.username == normalize_username(username)))


def list_users(db_session) -> list[User]:
    """Every account, by name."""
    return list(db_session.scalars(select(User).order_by(User.username)))


def create_user(db_session, username: str, role: str, password: str, *,
                hash_method: str = DEFAULT_HASH_METHOD) -> User:
    """Add an account; AccountError when the name, role or password is refused."""
    name = normalize_username(username)
    if not USERNAME_PATTERN.fullmatch(name):
        raise AccountError("A username is 1 to 64 characters: letters, digits and . _ @ -, "
                           "starting with a letter or digit.", "username")
    if find_user(db_session, name) is not None:
        raise AccountError(f"There is already a user named {name!r}.", "username")
    user = User(username=name, role=check_role(role),
                password_hash=hash_password(check_password(password), hash_method))
    db_session.add(user)
    db_session.flush()
    return user


FIRST_ADMIN = "admin"


def create_first_admin(db_session, *, hash_method: str = DEFAULT_HASH_METHOD) -> tuple[User, str] | None:
    """When no account exists, an admin with a random password (returned, never stored); else None."""
    if user_count(db_session):
        return None
    password = generate_password()
    return create_user(db_session, FIRST_ADMIN, "admin", password, hash_method=hash_method), password


# Checked against when the username is unknown, so that a wrong name takes as long as a wrong password.
_UNKNOWN_USER_HASH = {}


def authenticate(db_session, username: str, password: str, *, hash_method: str = DEFAULT_HASH_METHOD) -> User | None:
    """The enabled account that `password` opens, or None."""
    user = find_user(db_session, username)
    if user is None:
        if hash_method not in _UNKNOWN_USER_HASH:
            _UNKNOWN_USER_HASH[hash_method] = hash_password(generate_password(), hash_method)
        check_password_hash(_UNKNOWN_USER_HASH[hash_method], password or "")
        return None
    if not password_matches(user, password) or user.is_disabled:
        return None
    return user


def password_matches(user: User, password: str) -> bool:
    """True when `password` is the user's password."""
    return check_password_hash(user.password_hash, password or "")


def set_password(db_session, user: User, password: str, *, hash_method: str = DEFAULT_HASH_METHOD,
                 keep_sign_in: str | None = None) -> None:
    """Give `user` a new password and sign them out of every browser (but the sign-in `keep_sign_in`)."""
    user.password_hash = hash_password(check_password(password), hash_method)
    end_sign_ins(db_session, user, keep=keep_sign_in)
    db_session.flush()


def set_time_zone(db_session, user: User, name: str | None) -> None:
    """Give `user` the IANA zone `name` to see and type times in (None: the server's); ValueError for a zone this
    machine does not know."""
    user.time_zone = time_zone(name).key if name else None
    db_session.flush()


def set_role(db_session, user: User, role: str) -> str:
    """Give `user` a new role, keeping at least one enabled admin; returns the old role."""
    old = user.role
    if old == "admin" and check_role(role) != "admin":
        _keep_an_admin(db_session, user)
    user.role = role
    db_session.flush()
    return old


def set_disabled(db_session, user: User, disabled: bool) -> None:
    """Disable (signing the user out everywhere) or re-enable an account, keeping an enabled admin."""
    if disabled and not user.is_disabled:
        if user.role == "admin":
            _keep_an_admin(db_session, user)
        user.disabled_at = utc_now()
        end_sign_ins(db_session, user)
    elif not disabled:
        user.disabled_at = None
    db_session.flush()


def _keep_an_admin(db_session, user):
    others = db_session.scalar(select(func.count()).select_from(User).where(
        User.role == "admin", User.disabled_at.is_(None), User.pk != user.pk))
    if not others:
        raise AccountError(f"{user.username} is the last enabled admin; make another admin first.", "role")
