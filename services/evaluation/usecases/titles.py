"""A base's record: enrolment on its award, the batches seen called, its tier (R-TIERS), its
action plan (R-ACTION-PLAN) and its name (R-RENAME)."""

from __future__ import annotations

from services.evaluation.domain import ENTRY_TIER, Base, check_by_ministry, check_own_base
from services.evaluation.usecases.store import EvaluationStore, caused_by
from shared.contract.commands import IntakeMessage
from shared.contract.commands_evaluation import (
    ChangeTier,
    DecideRename,
    FileActionPlan,
    RequestRename,
)
from shared.contract.envelope import Envelope
from shared.contract.events import BatchOpened, TitleAwarded
from shared.intake import provenance
from shared.reaction_log import reacted
from shared.rules import refuse


class Titles(EvaluationStore):
    """Enrolment, tiers, action plans and renames."""

    def enrol_base(self, event: Envelope, *, upstream: str, position: int) -> Base | None:
        """Take an awarded base into the yearly cycle, in the national tier (once)."""
        award = event.payload
        assert isinstance(award, TitleAwarded)
        if self.find(Base.create_id(award.base_id)) is not None:
            self.advance(upstream, position)
            return None
        base = Base(
            base_id=award.base_id,
            province=event.province,
            programme=award.programme,
            name=award.name,
            title=award.title,
            announced_on=award.announced_on,
            tier=ENTRY_TIER,
            **caused_by(event),
        )
        roster = self.roster(award.programme)
        roster.enlist(award.base_id)
        self.record(base, roster, upstream=upstream, position=position)
        reacted(event, position, "base enrolled in the yearly evaluation", base_id=base.base_id,
                province=base.province, tier=ENTRY_TIER)  # fmt: skip
        return base

    def see_batch(self, event: Envelope, *, upstream: str, position: int) -> None:
        """R-FRAUD needs the programme's next batch: remember the highest called."""
        batch = event.payload
        assert isinstance(batch, BatchOpened)
        ledger = self.batch_ledger(batch.programme)
        ledger.see_batch(batch.number)
        self.record(ledger, upstream=upstream, position=position)
        reacted(event, position, "batch noted for R-FRAUD's next-batch suspension",
                batch_id=batch.batch_id, programme=batch.programme,
                number=batch.number)  # fmt: skip

    def change_tier(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        body = message.body
        assert isinstance(body, ChangeTier)
        refuse(check_by_ministry(message.province, "move a base between tiers", "R-TIERS"))
        base = self.base(body.base_id)
        decision = body.decision.model_dump(mode="json") if body.decision else None
        base.change_tier(body.to_tier, body.reason, decision, **provenance(message))
        self.record(base, upstream=upstream, position=position)
        return base.base_id

    def file_action_plan(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        body = message.body
        assert isinstance(body, FileActionPlan)
        base = self.base(body.base_id)
        refuse(check_own_base(base.province, message.province, "file a plan of", "R-ACTION-PLAN"))
        base.file_plan(body.first_year, body.plan.model_dump(mode="json"), **provenance(message))
        self.record(base, upstream=upstream, position=position)
        return base.base_id

    def request_rename(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        body = message.body
        assert isinstance(body, RequestRename)
        base = self.base(body.base_id)
        refuse(
            check_own_base(base.province, message.province, "rename", "R-RENAME"),
            base.check_titled("R-RENAME"),
        )
        rename = self.rename_request(base.base_id)
        request = body.model_dump(mode="json", include={"new_title", "cause", "request"})
        changed = (body.leading_industry_changed, body.boundaries_changed)
        rename.apply_for(base.title, request, changed, **provenance(message))
        self.record(rename, upstream=upstream, position=position)
        return base.base_id

    def decide_rename(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        body = message.body
        assert isinstance(body, DecideRename)
        refuse(check_by_ministry(message.province, "decide a rename", "R-RENAME"))
        base = self.base(body.base_id)
        refuse(base.check_titled("R-RENAME"))
        rename = self.rename_request(base.base_id)
        decision = body.decision.model_dump(mode="json")
        rename.decide(body.approved, decision, body.reason, **provenance(message))
        self.record(rename, upstream=upstream, position=position)
        return base.base_id
