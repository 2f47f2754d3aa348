"""Account schemas: what the forms send and what the pages show (never the ORM rows themselves)."""

from __future__ import annotations

from datetime import datetime

import msgspec

from registry.accounts.permissions import AccountRole

# --- form input -----------------------------------------------------------------------------------


class LoginForm(msgspec.Struct, kw_only=True):
    email: str = ""
    password: str = ""
    next: str = ""


class SecondFactorForm(msgspec.Struct, kw_only=True):
    code: str = ""
    next: str = ""


class NewPasswordForm(msgspec.Struct, kw_only=True):
    """A new password, typed twice (password reset link)."""

    password: str = ""
    password_confirm: str = msgspec.field(default="", name="passwordConfirm")


class PasswordChangeForm(msgspec.Struct, kw_only=True):
    current_password: str = msgspec.field(default="", name="currentPassword")
    password: str = ""
    password_confirm: str = msgspec.field(default="", name="passwordConfirm")


class TotpConfirmForm(msgspec.Struct, kw_only=True):
    code: str = ""


class TotpDisableForm(msgspec.Struct, kw_only=True):
    current_password: str = msgspec.field(default="", name="currentPassword")


class UserCreateForm(msgspec.Struct, kw_only=True):
    email: str = ""
    display_name: str = msgspec.field(default="", name="displayName")
    role: str = ""
    deelnemer: str = ""


class UserUpdateForm(msgspec.Struct, kw_only=True):
    display_name: str = msgspec.field(default="", name="displayName")
    role: str = ""
    deelnemer: str = ""


class ApiClientCreateForm(msgspec.Struct, kw_only=True):
    name: str = ""
    scopes: list[str] = msgspec.field(default_factory=list)


class ConfirmForm(msgspec.Struct, kw_only=True):
    """The confirmation step of a destructive action: ``bevestigd=ja`` means the user confirmed."""

    bevestigd: str = ""

    @property
    def confirmed(self) -> bool:
        return self.bevestigd == "ja"


# --- read models ----------------------------------------------------------------------------------


class UserRead(msgspec.Struct, kw_only=True):
    """A portal user as the admin screens show it (no password hash, no TOTP secret)."""

    id: str
    email: str
    display_name: str
    role: AccountRole
    is_active: bool
    deelnemer_id: str | None
    failed_logins: int
    locked_until: datetime | None
    is_locked: bool
    has_second_factor: bool
    last_login_at: datetime | None
    password_changed_at: datetime | None
    created_at: datetime

    @property
    def role_label(self) -> str:
        return self.role.label


class ApiClientRead(msgspec.Struct, kw_only=True):
    id: str
    client_id: str
    name: str
    scopes: list[str]
    is_active: bool
    last_used_at: datetime | None
    created_at: datetime


class AccountCounts(msgspec.Struct, kw_only=True):
    """The numbers on the admin dashboard."""

    active_users: int
    inactive_users: int
    locked_users: int
    active_api_clients: int
    audit_events: int
    last_event_at: datetime | None
