"""P-AUTHORITY: who may send each command is the platform's data, checked from the subject's
account and the stated actor, never widened by what the message says (issue 12, part 1)."""

from __future__ import annotations

import pytest

from shared.contract.authority import ROLES, check_authority, sender_of
from shared.contract.commands import COMMAND_TYPES
from shared.contract.provinces import MINISTRY

pytestmark = pytest.mark.unit

HUNAN, FUJIAN = "430000", "350000"
SENDERS = {
    "ministry": sender_of(MINISTRY, "ministry:planning"),
    "expert": sender_of(MINISTRY, "expert:E1"),
    "province": sender_of(HUNAN, f"province:{HUNAN}"),
    "city": sender_of(HUNAN, "city:长沙市"),
    "public": sender_of(HUNAN, "public"),
}


def test_every_command_of_the_contract_names_who_may_send_it_P_AUTHORITY() -> None:
    for name, klass in COMMAND_TYPES.items():
        assert klass.authority.roles, name
        assert set(klass.authority.roles) <= set(ROLES), name


def test_an_actor_never_widens_its_account_P_AUTHORITY() -> None:
    assert sender_of(HUNAN, "ministry").role == "province"
    assert sender_of(HUNAN, "expert:E1").role == "province"
    assert sender_of(MINISTRY, "city:长沙市").role == "ministry"


@pytest.mark.parametrize("command_type", sorted(COMMAND_TYPES))
@pytest.mark.parametrize("role", ROLES)
def test_each_command_by_each_role_is_allowed_or_refused_as_its_authority_says_P_AUTHORITY(
    command_type: str, role: str
) -> None:
    klass = COMMAND_TYPES[command_type]
    sender = SENDERS[role]
    body = {"stage": role, "expert_id": "E1", "application_id": "A", "base_id": "B"}
    refusal = check_authority(command_type, klass.authority, body, sender, {})
    if role in klass.authority.roles:
        assert refusal is None
    else:
        assert refusal is not None and refusal.field == "actor"
        assert str(sender) in refusal.given


def test_a_province_acts_only_for_its_own_applicants_P_AUTHORITY() -> None:
    klass = COMMAND_TYPES["RecommendApplication"]
    owners = {"application_id": lambda target: FUJIAN}
    refusal = check_authority(
        "RecommendApplication",
        klass.authority,
        {"application_id": "EIDB-350000-x"},
        SENDERS["province"],
        owners,
    )
    assert refusal is not None and refusal.field == "application_id"
    assert "福建省" in refusal.reason
    own = {"application_id": lambda target: HUNAN}
    assert (
        check_authority(
            "RecommendApplication",
            klass.authority,
            {"application_id": "NIID-430000-x"},
            SENDERS["province"],
            own,
        )
        is None
    )


def test_a_city_takes_only_the_city_stage_and_an_expert_only_their_own_scores_P_AUTHORITY() -> None:
    reject = COMMAND_TYPES["RejectApplication"].authority
    refusal = check_authority(
        "RejectApplication", reject, {"stage": "province"}, SENDERS["city"], {}
    )
    assert refusal is not None and refusal.field == "stage"
    score = COMMAND_TYPES["ScoreApplication"].authority
    refusal = check_authority("ScoreApplication", score, {"expert_id": "E2"}, SENDERS["expert"], {})
    assert refusal is not None and refusal.field == "expert_id"


def test_a_bare_expert_actor_on_the_ministry_account_is_the_ministry_not_a_nameless_one() -> None:
    """P-AUTHORITY: ``expert`` without an id names nobody on the panel; it cannot crash a check."""
    sender = sender_of(MINISTRY, "expert")
    assert sender.role == "ministry"
    score = COMMAND_TYPES["ScoreApplication"].authority
    assert check_authority("ScoreApplication", score, {"expert_id": ""}, sender, {}) is not None
