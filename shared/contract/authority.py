"""Who may send which command: the platform's data, never the message's (P-AUTHORITY).

Every command of the contract declares an :class:`Authority` next to its schema (``authority`` on
its class). The sender of an attempt is known from two things: the subject's province token, which
the server authorised for the sender's credentials (``000000`` only for the ministry's account),
and the ``actor`` it states. The actor can only narrow what the account may do, never widen it: a
province's account that says ``ministry`` is still a province, and a city acts through its
province's account (``city:<name>``), an expert through the ministry's (``expert:<id>``).

:func:`check_authority` is called once for every attempt, by the same code in every service,
before the application sees it (``shared.bus.handler``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from shared.contract.provinces import MINISTRY, PROVINCES

Role = Literal["ministry", "expert", "province", "city", "public"]
ROLES: tuple[Role, ...] = ("ministry", "expert", "province", "city", "public")

RULE = "P-AUTHORITY"
"""The platform rule a refusal for want of authority names."""

ROLE_WORDS: dict[Role, str] = {
    "ministry": "the ministry (account 000000)",
    "expert": "an expert of the ministry's panel (account 000000, actor expert:<id>)",
    "province": "a province for its own applicants and bases",
    "city": "a city through its province's account (actor city:<name>)",
    "public": "the public through a province's portal (actor public)",
}


@dataclass(frozen=True)
class Authority:
    """The roles that may send one command, and what ties the sender to its target.

    ``owned_by`` names the body field of the target (an application, a base) whose province a
    province or a city must be; ``stage_is_role`` makes a ``stage`` field ("city", "province")
    name the role that takes it; ``actor_names`` the body field an expert's actor id must equal.
    """

    roles: tuple[Role, ...]
    owned_by: str | None = None
    stage_is_role: bool = False
    actor_names: str | None = None

    def describe(self) -> str:
        """In words, for the AsyncAPI document and refusals."""
        return "; ".join(ROLE_WORDS[role] for role in self.roles)


MINISTRY_ONLY = Authority(roles=("ministry",))


@dataclass(frozen=True)
class Sender:
    """Who sent an attempt, as far as the platform knows it."""

    account: str
    actor: str
    role: Role

    def __str__(self) -> str:
        where = "the ministry" if self.account == MINISTRY else PROVINCES.get(self.account, "?")
        return f"{self.role} (account {self.account} {where}, actor {self.actor!r})"


def sender_of(account: str, actor: str) -> Sender:
    """The role of an attempt from ``account`` (the subject's token) stating ``actor``."""
    kind, _, name = actor.partition(":")
    role: Role
    if account == MINISTRY:
        role = "expert" if kind == "expert" and name else "ministry"
    elif kind in ("city", "public"):
        role = kind  # type: ignore[assignment]  # narrowed by the test above
    else:
        role = "province"
    return Sender(account, actor, role)


@dataclass(frozen=True)
class Refusal:
    """Why a sender may not send a command: the field, what was needed, what asked."""

    field: str
    reason: str
    required: str
    given: str


Owner = Callable[[str], str | None]
"""The province of the target a body field names (an application id, a base id), if held."""


def check_authority(
    command_type: str,
    authority: Authority,
    body: Mapping[str, Any],
    sender: Sender,
    owners: Mapping[str, Owner],
) -> Refusal | None:
    """None when ``sender`` may send this command about this target, else the refusal."""
    if sender.role not in authority.roles:
        return Refusal(
            "actor", f"{command_type} is not the sender's to send",
            authority.describe(), str(sender),
        )  # fmt: skip
    if authority.stage_is_role and sender.role in ("city", "province"):
        stage = body.get("stage")
        if stage != sender.role:
            return Refusal(
                "stage", f"a {sender.role} takes only its own stage of {command_type}",
                f"stage {sender.role!r}", repr(stage),
            )  # fmt: skip
    if authority.actor_names and sender.role == "expert":
        named = body.get(authority.actor_names)
        if sender.actor.partition(":")[2] != named:
            return Refusal(
                authority.actor_names, "an expert sends only their own scores",
                f"{authority.actor_names} of the actor, {sender.actor}", repr(named),
            )  # fmt: skip
    return _check_owner(authority, body, sender, owners)


def _check_owner(
    authority: Authority, body: Mapping[str, Any], sender: Sender, owners: Mapping[str, Owner]
) -> Refusal | None:
    if authority.owned_by is None or sender.role not in ("province", "city"):
        return None
    target = body.get(authority.owned_by)
    owner = owners.get(authority.owned_by)
    if not isinstance(target, str) or owner is None:
        return None
    province = owner(target)
    if province is None or province == sender.account:
        return None  # unknown targets are refused by the application, by name
    return Refusal(
        authority.owned_by,
        f"a {sender.role} acts for its own province only; {target} is "
        f"{PROVINCES.get(province, province)}'s",
        f"a target of province {sender.account}", f"{target} of province {province}",
    )  # fmt: skip
