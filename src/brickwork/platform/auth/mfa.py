"""TOTP multi-factor sign-in (RFC 6238 through pyotp): enrolment, codes at sign-in, one-time
recovery codes, and the security administrator's reset.

The secret is stored only as a ciphertext under the key file (``users:mfa_secret``); it is shown
once, at enrolment, as an ``otpauth://`` URI. Recovery codes are shown once and stored as SHA-256
digests. A code is accepted once only (its time step is remembered). "Now" comes from the clock,
so tests compute codes with pyotp at the clock's time. Never commits; never logs or audits a
secret or a code.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
from sqlalchemy.orm import Session

from brickwork.platform.audit.service import AuditLog
from brickwork.platform.auth import credentials
from brickwork.platform.auth.actor import Actor
from brickwork.platform.auth.repository import IdentityRepository
from brickwork.platform.clock import Clock, new_id
from brickwork.platform.crypto.cipher import Cipher
from brickwork.platform.errors import Conflict, ErrorItem, Invalid, ServerFault
from brickwork.platform.models import RecoveryCode, User

ISSUER = "Brickwork"
SECRET_CONTEXT = "users:mfa_secret"
RECOVERY_CODES = 10
VALID_WINDOW = 1
"""Codes of the previous and the next 30-second step are accepted too (clock drift)."""
CODE_PATTERN = re.compile(r"^[0-9]{6}$")
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A started enrolment: the secret exists in clear only here."""

    secret: str
    uri: str


def normalise_recovery_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()


def new_recovery_code() -> str:
    """16 characters of a 32-letter alphabet (80 bits), shown in groups of four."""
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


class MfaService:
    def __init__(
        self,
        *,
        clock: Clock,
        repository: IdentityRepository,
        audit: AuditLog,
        cipher: Cipher | None,
    ) -> None:
        self.clock = clock
        self.repo = repository
        self.audit = audit
        self.cipher = cipher

    # ------------------------------------------------------------ enrolment

    def start(self, session: Session, actor: Actor, user: User) -> Enrolment:
        """A new secret, pending until ``confirm``; refused once enrolled (a security
        administrator resets a lost device)."""
        if user.mfa_enabled_at is not None:
            message = (
                "you are enrolled already; if the device is lost, sign in with a recovery code "
                "and ask a security administrator to reset your enrolment"
            )
            zh_cn = "您已绑定身份验证器：如果设备丢失，请用恢复码登录，并请安全管理员重置您的绑定"
            raise Conflict(message, code="mfa_already_enrolled", zh_cn=zh_cn)
        secret = pyotp.random_base32()
        user.mfa_secret = self._cipher().encrypt(secret, context=SECRET_CONTEXT)
        user.mfa_last_step = None
        self.repo.save(session)
        self._audit(session, actor, "mfa.enrol_start", user, {})
        return Enrolment(secret, self.uri(user, secret))

    def confirm(self, session: Session, actor: Actor, user: User, code: str) -> list[str]:
        """The first code confirms the enrolment; returns the recovery codes (shown once)."""
        if user.mfa_enabled_at is not None:
            raise Conflict(
                "you are enrolled already", code="mfa_already_enrolled", zh_cn="您已绑定身份验证器"
            )
        if user.mfa_secret is None:
            message = "start the enrolment first (POST /api/v1/auth/mfa/enrolment)"
            zh_cn = "请先开始绑定身份验证器（POST /api/v1/auth/mfa/enrolment）"
            raise Conflict(message, code="mfa_enrolment_not_started", zh_cn=zh_cn)
        if not self.code_ok(user, code):
            self._audit(session, actor, "mfa.enrol_confirm", user, {}, result="failure")
            message = "the code does not match; enter the current code of your authenticator app"
            zh_cn = "动态验证码不正确：请输入身份验证器当前显示的动态验证码"
            raise Invalid(
                message,
                code="mfa_code_invalid",
                errors=[ErrorItem("/code", "mfa_code_invalid", message)],
                zh_cn=zh_cn,
            )
        user.mfa_enabled_at = self.clock()
        codes = self._new_recovery_codes(session, user)
        self._audit(session, actor, "mfa.enrol", user, {"recovery_codes": len(codes)})
        return codes

    def enrol_now(self, session: Session, actor: Actor, user: User) -> str:
        """Enrol without a confirming code (``brickwork demo``, which hands the secret over in
        its private credentials file); returns the secret."""
        enrolment = self.start(session, actor, user)
        user.mfa_enabled_at = self.clock()
        self._new_recovery_codes(session, user)
        self._audit(session, actor, "mfa.enrol", user, {"confirmed_by": "setup"})
        return enrolment.secret

    def reset(self, session: Session, actor: Actor, user: User) -> None:
        """Forget the secret and the recovery codes; the user enrols again at next sign-in
        (when a role requires it)."""
        user.mfa_secret = None
        user.mfa_enabled_at = None
        user.mfa_last_step = None
        self.repo.drop_recovery_codes(session, user.id)
        self.repo.save(session)
        self._audit(session, actor, "mfa.reset", user, {})

    def uri(self, user: User, secret: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)

    # ------------------------------------------------------------ sign-in

    def code_ok(self, user: User, code: str) -> bool:
        """Whether ``code`` is a current TOTP code of the user not used before; remembers its
        step so it is never accepted again."""
        if user.mfa_secret is None or not CODE_PATTERN.match(code):
            return False
        totp = pyotp.TOTP(self._cipher().decrypt(user.mfa_secret, context=SECRET_CONTEXT))
        now = self.clock()
        current = totp.timecode(now)
        for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
            step = current + offset
            if user.mfa_last_step is not None and step <= user.mfa_last_step:
                continue
            if hmac.compare_digest(totp.generate_otp(step), code):
                user.mfa_last_step = step
                return True
        return False

    def recovery_ok(self, session: Session, actor: Actor, user: User, code: str) -> bool:
        """Whether ``code`` is one of the user's unused recovery codes; uses it up (audited)."""
        wanted = credentials.digest(normalise_recovery_code(code))
        rows = self.repo.recovery_codes(session, user.id)
        match = next(
            (r for r in rows if r.used_at is None and hmac.compare_digest(r.code_hash, wanted)),
            None,
        )
        if match is None:
            return False
        match.used_at = self.clock()
        self.repo.save(session)
        left = sum(1 for r in rows if r.used_at is None)
        self._audit(session, actor, "mfa.recovery_code_used", user, {"remaining": left})
        return True

    # ------------------------------------------------------------ helpers

    def _new_recovery_codes(self, session: Session, user: User) -> list[str]:
        self.repo.drop_recovery_codes(session, user.id)
        now: datetime = self.clock()
        codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
        for code in codes:
            row = RecoveryCode(
                id=new_id(),
                user_id=user.id,
                code_hash=credentials.digest(normalise_recovery_code(code)),
                created_at=now,
                used_at=None,
            )
            self.repo.add(session, row)
        return codes

    def _cipher(self) -> Cipher:
        if self.cipher is None:
            raise ServerFault(
                "multi-factor sign-in needs the key file, and this process has none",
                code="keyring_invalid",
                zh_cn="动态验证码登录需要密钥文件，而本服务器没有配置密钥文件",
            )
        return self.cipher

    def _audit(
        self,
        session: Session,
        actor: Actor,
        action: str,
        user: User,
        details: dict[str, object],
        *,
        result: str = "success",
    ) -> None:
        self.audit.record(
            session,
            actor,
            action,
            object_type="user",
            object_id=user.id,
            result=result,
            details={"user": user.username, **details},
        )
