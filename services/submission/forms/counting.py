"""Counted things, listed by id so that each is counted once, and the weighted counts over them.

The forms say 同一企业不重复计算, 同一专利不重复计算, 同一人员不重复计算, and for platforms
依托同一单位建设的不同平台或多家单位参与建设的同一平台不重复计算: a thing listed under several
kinds counts once, at its heaviest weight; platforms that share a host unit count once together.
A thing listed twice under the same kind is a :class:`FormDuplicate`, counted once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from services.submission.forms.common import FormModel, ItemId, Label, Percent, Quantity, Text
from services.submission.forms.problems import (
    EXACT,
    FormDuplicate,
    FormMismatch,
    Tolerance,
    check_figure,
)
from services.submission.forms.weights import (
    AwardKind,
    PatentClass,
    PlatformKind,
    QualityFirmKind,
    SmartFactoryLevel,
    StandardKind,
    TalentKind,
)
from shared.contract.events_common import Count

K = TypeVar("K", bound=str)


@dataclass(frozen=True)
class Entry:
    """One listed thing under one kind; ``links`` are other ids it must be counted together with."""

    id: str
    kind: str
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tally:
    """Distinct things per kind and in all, the weighted count, and the duplicates found."""

    by_kind: dict[str, int]
    distinct: int
    weighted: Decimal | None
    duplicates: tuple[FormDuplicate, ...] = field(default=())


def tally(path: str, entries: Sequence[Entry], weights: Mapping[Any, Decimal] | None) -> Tally:
    """Count ``entries`` once each; weigh each group of linked things once, at its heaviest."""
    repeats = Counter((entry.id, entry.kind) for entry in entries)
    duplicates = tuple(
        FormDuplicate(f"{path}.items", item_id, kind, times)
        for (item_id, kind), times in repeats.items()
        if times > 1
    )
    by_kind: dict[str, int] = Counter(kind for _, kind in repeats)
    weighted = None
    if weights is not None:
        heaviest: dict[str, Decimal] = {}
        for group, kinds in _groups(entries).items():
            heaviest[group] = max(weights.get(kind, Decimal(0)) for kind in kinds)
        weighted = sum(heaviest.values(), Decimal(0))
    return Tally(dict(by_kind), len({entry.id for entry in entries}), weighted, duplicates)


def _groups(entries: Iterable[Entry]) -> dict[str, set[str]]:
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for entry in entries:
        for link in entry.links:
            parent[root(link)] = root(entry.id)
    groups: dict[str, set[str]] = {}
    for entry in entries:
        groups.setdefault(root(entry.id), set()).add(entry.kind)
    return groups


class CountedBlock(FormModel, Generic[K]):
    """Base of a block of things listed by id, with the counts per kind the applicant typed."""

    counts: Annotated[dict[K, Count] | None, Label("各类数量（如填写，将与清单核对）")] = None

    def entries(self) -> list[Entry]:
        raise NotImplementedError

    def tally(self, path: str, weights: Mapping[Any, Decimal] | None) -> Tally:
        return tally(path, self.entries(), weights)

    def mismatches(
        self, path: str, weights: Mapping[Any, Decimal] | None, tolerance: Tolerance
    ) -> list[FormMismatch]:
        """Each typed count against the distinct count of its kind, exactly."""
        result = self.tally(path, weights)
        found: list[FormMismatch] = []
        for kind, typed in (self.counts or {}).items():
            computed = Decimal(result.by_kind.get(kind, 0))
            found += check_figure(f"{path}.counts.{kind}", Decimal(typed), computed, EXACT)
        return found


class WeightedBlock(CountedBlock[K]):
    """A counted block with a weighted count (加权数量), weights given by the batch."""

    weighted: Annotated[Quantity | None, Label("加权数量（如填写，将与清单核对）")] = None

    def mismatches(
        self, path: str, weights: Mapping[Any, Decimal] | None, tolerance: Tolerance
    ) -> list[FormMismatch]:
        """Typed counts exactly; the typed weighted count only when ``weights`` are given."""
        weighted = self.tally(path, weights).weighted
        return [
            *super().mismatches(path, weights, tolerance),
            *check_figure(f"{path}.weighted", self.weighted, weighted, tolerance),
        ]


class QualityFirm(FormModel):
    id: Annotated[ItemId, Label("企业统一社会信用代码")]
    name: Annotated[Text | None, Label("企业名称")] = None
    kind: Annotated[QualityFirmKind, Label("类别")]


class QualityFirms(WeightedBlock[QualityFirmKind]):
    """优质企业 (同一企业不重复计算)."""

    items: Annotated[tuple[QualityFirm, ...], Label("优质企业清单")] = ()

    def entries(self) -> list[Entry]:
        return [Entry(item.id, item.kind) for item in self.items]


class Platform(FormModel):
    id: Annotated[ItemId, Label("平台标识")]
    name: Annotated[Text | None, Label("平台名称")] = None
    kind: Annotated[PlatformKind, Label("类别")]
    hosts: Annotated[tuple[ItemId, ...], Label("依托单位（统一社会信用代码）")] = ()


class Platforms(WeightedBlock[PlatformKind]):
    """国家级创新平台 (同一依托单位的不同平台、多家单位共建的同一平台不重复计算)."""

    items: Annotated[tuple[Platform, ...], Label("国家级创新平台清单")] = ()

    def entries(self) -> list[Entry]:
        return [
            Entry(item.id, item.kind, tuple(f"host:{h}" for h in item.hosts)) for item in self.items
        ]


PatentAward = Literal["中国专利奖银奖", "中国专利奖金奖"]


class Patent(FormModel):
    id: Annotated[ItemId, Label("专利号")]
    award: Annotated[PatentAward | None, Label("中国专利奖")] = None


class Patents(WeightedBlock[PatentClass]):
    """有效发明专利, first completing unit only; 中国专利奖 gold and silver weigh more."""

    items: Annotated[tuple[Patent, ...], Label("有效发明专利清单")] = ()

    def entries(self) -> list[Entry]:
        plain = [Entry(item.id, "有效发明专利") for item in self.items]
        awarded = [Entry(item.id, item.award) for item in self.items if item.award is not None]
        return plain + awarded


class SmartFactory(FormModel):
    id: Annotated[ItemId, Label("智能工厂标识")]
    level: Annotated[SmartFactoryLevel, Label("等级")]
    firm: Annotated[ItemId, Label("所属企业统一社会信用代码")]


class SmartFactories(WeightedBlock[SmartFactoryLevel]):
    """智能工厂 领航/卓越/先进/基础; 智能工厂占比 is computed by the park form."""

    items: Annotated[tuple[SmartFactory, ...], Label("智能工厂清单")] = ()
    share_pct: Annotated[Percent | None, Label("智能工厂占比（如填写，将核对）", "%")] = None

    def entries(self) -> list[Entry]:
        return [Entry(item.id, item.level) for item in self.items]

    def firms(self) -> int:
        return len({item.firm for item in self.items})


class Award(FormModel):
    id: Annotated[ItemId, Label("奖励标识（证书号）")]
    kind: Annotated[AwardKind, Label("类别")]
    rank: Annotated[Count | None, Label("本单位排序")] = None


class Awards(WeightedBlock[AwardKind]):
    """科技奖励 (one award counted once)."""

    items: Annotated[tuple[Award, ...], Label("科技奖励清单")] = ()

    def entries(self) -> list[Entry]:
        return [Entry(item.id, item.kind) for item in self.items]


class Standard(FormModel):
    id: Annotated[ItemId, Label("标准号")]
    kind: Annotated[StandardKind, Label("类别")]
    rank: Annotated[Count | None, Label("本单位排序")] = None


class Standards(WeightedBlock[StandardKind]):
    """制修订的国际、国家、行业标准 (one standard counted once)."""

    items: Annotated[tuple[Standard, ...], Label("标准清单")] = ()

    def entries(self) -> list[Entry]:
        return [Entry(item.id, item.kind) for item in self.items]


class Person(FormModel):
    id: Annotated[ItemId, Label("人员标识（化名编号，勿填身份证号）")]
    kind: Annotated[TalentKind, Label("类别")]


class Talent(CountedBlock[TalentKind]):
    """高水平人才: 研究生学历, 高级职称, 高技能人才; one person counted once across the three."""

    items: Annotated[tuple[Person, ...], Label("高水平人才清单")] = ()
    employees: Annotated[Count, Label("从业人员总数量", "人")]
    high_level: Annotated[Count | None, Label("高水平人才数量（如填写，将核对）", "人")] = None
    share_pct: Annotated[Percent | None, Label("高水平人才占比（如填写，将核对）", "%")] = None

    def entries(self) -> list[Entry]:
        return [Entry(item.id, item.kind) for item in self.items]

    def share(self) -> Decimal | None:
        """Distinct high-level people over all employees, in per cent."""
        if self.employees == 0:
            return None
        return Decimal(self.tally("", None).distinct) * 100 / self.employees

    def mismatches(
        self, path: str, weights: Mapping[Any, Decimal] | None, tolerance: Tolerance
    ) -> list[FormMismatch]:
        distinct = Decimal(self.tally(path, None).distinct)
        typed = None if self.high_level is None else Decimal(self.high_level)
        return [
            *super().mismatches(path, None, tolerance),
            *check_figure(f"{path}.high_level", typed, distinct, EXACT),
            *check_figure(f"{path}.share_pct", self.share_pct, self.share(), tolerance),
        ]
