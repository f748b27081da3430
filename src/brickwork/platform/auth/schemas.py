"""Shapes of the sign-in API: request bodies (strict) and responses. Never carries a password
out, and a token secret only in ``TokenCreated`` (the one response that shows it)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from brickwork.platform.auth.passwords import MAX_PASSWORD_LENGTH

PRINTABLE = r"^[^\x00-\x1f\x7f]+$"

Password = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_PASSWORD_LENGTH), Field(repr=False)
]


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LoginRequest(Strict):
    username: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    password: Password
    otp: Annotated[str, StringConstraints(max_length=16)] | None = Field(
        default=None,
        repr=False,
        description=(
            "The 6-digit code of the authenticator app, for users enrolled in multi-factor "
            "sign-in (sent with the password in the same request)."
        ),
    )
    recovery_code: Annotated[str, StringConstraints(max_length=32)] | None = Field(
        default=None, repr=False, description="A one-time recovery code instead of `otp`."
    )


class MfaConfirm(Strict):
    code: Annotated[str, StringConstraints(min_length=1, max_length=16)] = Field(
        repr=False, description="The current 6-digit code of the authenticator app."
    )


class MfaEnrolmentOut(Strict):
    secret: str = Field(description="The TOTP secret (base32): shown only in this response.")
    otpauth_uri: str = Field(description="The same secret as an otpauth:// URI (a QR code).")


class MfaConfirmed(Strict):
    recovery_codes: list[str] = Field(
        description="One-time codes for when the device is lost: shown only in this response."
    )


class PasswordChange(Strict):
    current_password: Password
    new_password: Password


class TokenCreate(Strict):
    name: Annotated[
        str,
        StringConstraints(min_length=1, max_length=100, pattern=PRINTABLE),
        Field(description="What the token is for, to tell tokens apart."),
    ]
    scopes: list[Annotated[str, StringConstraints(max_length=200)]] = Field(
        max_length=50,
        json_schema_extra={"minItems": 1},  # checked by TokenService, with a clearer message
        description=(
            "What the token may do, at least one scope: `all`; an action (`create`, `read`, "
            "`update`, `delete`, `export`, `import`, `design`, `publish`, `admin`, `audit`, "
            "`identity`); or an action on one app (`read:onboarding`) or one form "
            "(`read:onboarding.customer`). `audit` and `identity` cannot be narrowed; `design`, "
            "`publish` and `admin` apply to whole apps. A token never does more than its user's "
            "roles allow."
        ),
    )
    expires_at: AwareDatetime | None = Field(
        default=None,
        description=(
            "When the token stops working: by default 90 days from now "
            "(`BRICKWORK_TOKEN_DAYS`); at most `BRICKWORK_TOKEN_MAX_DAYS` (365) ahead. "
            "`null` (never) is refused."
        ),
    )


class UserOut(Strict):
    id: str
    username: str
    display_name: str
    email: str | None
    status: str
    must_change_password: bool
    roles: list[str]
    last_login_at: datetime | None
    password_changed_at: datetime
    mfa_enrolled: bool


class LoginOut(Strict):
    user: UserOut
    csrf_token: str = Field(description="Send it as X-CSRF-Token with every unsafe request.")
    expires_at: datetime = Field(description="The session ends then at the latest.")
    mfa_enrolment_required: bool = Field(
        description="A role requires multi-factor sign-in and you are not enrolled: enrol "
        "(POST /auth/mfa/enrolment, then .../confirm) before anything else."
    )


class MeOut(Strict):
    user: UserOut
    authenticated_by: str = Field(description='"session" or "token"')
    scopes: list[str] | None
    csrf_token: str | None = Field(
        description="The CSRF token of the current session (None for an API token)."
    )
    mfa_enrolment_required: bool


class TokenOut(Strict):
    id: str
    name: str
    prefix: str = Field(description="The token's first 8 characters.")
    scopes: list[str]
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime


class TokenCreated(TokenOut):
    token: str = Field(description="The secret: shown only in this response; store it now.")
