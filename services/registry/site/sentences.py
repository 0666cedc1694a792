"""One sentence per event, as the public reads a register: "2028-04-20 工业和信息化部评定 2027
年度 3 星". The sentence says who did what from the event's own fields; the evidence (times,
sequence, ids, payload) stands beside it on the page, never inside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.registry.site.beijing import beijing_date
from services.registry.site.words import INCIDENTS, Words

Phrase = Callable[[dict[str, Any], str, Words], tuple[str, str]]
"""(payload, who, words) -> the sentence in Chinese and in English."""


def _rules(payload: dict[str, Any]) -> str:
    return "、".join(
        str(r.get("rule_id") or r.get("field") or "") for r in payload.get("reasons", ())
    )


def _stage(stage: str | None) -> tuple[str, str]:
    return {
        "submission": ("受理环节", "on arrival"),
        "city": ("地市初审", "at the city's review"),
        "province": ("省级审核", "at the province's review"),
        "ministry": ("部级评审", "at the ministry"),
        "review": ("评审阶段", "during the review"),
        "publicity": ("公示期间", "during the publicity"),
    }.get(stage or "", (stage or "", stage or ""))


def _submitted(p: dict[str, Any], who: str, w: Words) -> tuple[str, str]:
    return (
        f"{who}报送{p.get('name', '')}的申报（{p.get('domain', '')}）",
        f"{who} filed the application of {p.get('name', '')} ({p.get('domain', '')})",
    )


def _rejected(p: dict[str, Any], who: str, w: Words) -> tuple[str, str]:
    zh, en = _stage(p.get("stage"))
    if "R-FRAUD" in _rules(p):
        return (
            f"{who}在{zh}发现弄虚作假，取消申报资格（R-FRAUD）",
            f"{who} found fraud {en} and disqualified the application (R-FRAUD)",
        )
    return (f"{who}在{zh}不予通过（{_rules(p)}）", f"{who} turned it down {en} ({_rules(p)})")


def _review(p: dict[str, Any], who: str, w: Words) -> tuple[str, str]:
    proposed = p.get("outcome") == "proposed"
    return (
        f"{who}组织专家评审，得分 {p.get('total')}，{'拟入选' if proposed else '未入选'}",
        f"{who}'s experts scored it {p.get('total')}: {'proposed' if proposed else 'not proposed'}",
    )


def _publicity_opened(p: dict[str, Any], who: str, w: Words) -> tuple[str, str]:
    n, first, last = len(p.get("entries", ())), p.get("first_day"), p.get("last_day")
    return (
        f"{who}公示拟认定名单（{n} 个），公示期 {first} 至 {last}",
        f"{who} published the proposed list ({n}) for publicity from {first} to {last}",
    )


def _answered(p: dict[str, Any], who: str, w: Words) -> tuple[str, str]:
    objection = p.get("opinion") == "objection"
    ministry = p.get("ministry", "")
    return (
        f"{ministry}反馈意见：{'有异议' if objection else '无异议'}",
        f"{ministry} answered the consultation: {'objection' if objection else 'no objection'}",
    )


def _objection(p: dict[str, Any], who: str, w: Words) -> tuple[str, str]:
    source = p.get("source", "")
    zh_source = "社会公众" if source == "public" else source
    en_source = "the public" if source == "public" else source
    return (
        f"{who}受理对 {p.get('application_id')} 的异议（来源：{zh_source}）",
        f"{who} took up an objection to {p.get('application_id')} (from {en_source})",
    )


def _resolved(p: dict[str, Any], who: str, w: Words) -> tuple[str, str]:
    upheld = p.get("outcome") == "upheld"
    reasoning = p.get("reasoning", "")
    return (
        f"{who}核实异议：{'异议成立' if upheld else '异议不成立'}（{reasoning}）",
        f"{who} decided the objection: {'upheld' if upheld else 'dismissed'} ({reasoning})",
    )


def _closed(p: dict[str, Any], who: str, w: Words) -> tuple[str, str]:
    cleared, withheld = len(p.get("cleared", ())), len(p.get("withheld", ()))
    return (
        f"公示期满：{cleared} 个通过，{withheld} 个不予认定",
        f"the publicity closed: {cleared} cleared, {withheld} withheld",
    )


def _awarded(p: dict[str, Any], who: str, w: Words) -> tuple[str, str]:
    return (f"{who}授予“{p.get('title')}”称号", f"{who} awarded the title “{p.get('title')}”")


def _rated(p: dict[str, Any], who: str, w: Words) -> tuple[str, str]:
    year, stars = p.get("evaluation_year"), p.get("stars")
    score = f"，得分 {p['score']}" if p.get("score") else ""
    en_score = f", score {p['score']}" if p.get("score") else ""
    return (
        f"{who}评定 {year} 年度 {stars} 星{score}",
        f"{who} rated it {stars}★ for {year}{en_score}",
    )


def _renamed(p: dict[str, Any], who: str, w: Words) -> tuple[str, str]:
    return (
        f"{who}同意更名为“{p.get('new_title')}”（原“{p.get('old_title')}”，{p.get('cause')}）",
        f"{who} approved the new name “{p.get('new_title')}” (was “{p.get('old_title')}”; "
        f"{p.get('cause')})",
    )


def _revoked(p: dict[str, Any], who: str, w: Words) -> tuple[str, str]:
    rule, reason = p.get("rule_id"), p.get("reason")
    return (f"{who}撤销称号（{rule}）：{reason}", f"{who} revoked the title ({rule}): {reason}")


def _incident(p: dict[str, Any], who: str, w: Words) -> tuple[str, str]:
    zh, en = INCIDENTS.get(p.get("kind", ""), (p.get("kind", ""), p.get("kind", "")))
    text = p.get("description", "")
    return (f"{who}报告{zh}事件：{text}", f"{who} reported a {en} incident: {text}")


TIER_REASONS = {
    "title awarded: a titled base enters the national tier": "授予称号，示范基地进入国家级梯队",
}
"""The reasons the services write on TierChanged (in English on the log, which never changes), in
Chinese for the page; a reason not listed is shown as it was written."""


def _tier(p: dict[str, Any], who: str, w: Words) -> tuple[str, str]:
    reason = str(p.get("reason", ""))
    zh, _ = _TIER_CHANGED({**p, "reason": TIER_REASONS.get(reason, reason)}, who, w)
    return zh, _TIER_CHANGED(p, who, w)[1]


def _plain(zh: str, en: str) -> Phrase:
    """A sentence from a template over the payload's fields (and ``who``)."""

    def phrase(p: dict[str, Any], who: str, w: Words) -> tuple[str, str]:
        values = {k: v for k, v in p.items() if isinstance(v, str | int | float)}
        values.update(who=who, count=len(p.get("bases", p.get("entries", ()))))
        plan = p.get("plan")
        values["plan_title"] = plan.get("title", "") if isinstance(plan, dict) else ""
        notice = p.get("notice")
        values["notice_title"] = notice.get("title", "") if isinstance(notice, dict) else ""
        values["province_name"] = w.province(p.get("province"))
        values.setdefault("to_tier", "")
        return zh.format_map(_Blank(values)), en.format_map(_Blank(values))

    return phrase


_TIER_CHANGED = _plain("梯队调整为{to_tier}：{reason}", "tier changed to {to_tier}: {reason}")


class _Blank(dict[str, Any]):
    """Template values where a missing field reads as empty, not as a KeyError."""

    def __missing__(self, key: str) -> str:
        return ""


PHRASES: dict[str, Phrase] = {
    "ApplicationSubmitted": _submitted,
    "ApplicationRejected": _rejected,
    "CityReviewCompleted": _plain(
        "{who}初审通过，在本市名额内排第 {rank} 位", "{who} passed it, rank {rank} in its quota"
    ),
    "ProvinciallyRecommended": _plain(
        "{who}推荐至工业和信息化部（附件1 序号 {serial_no}）",
        "{who} recommended it to the ministry (附件1 no. {serial_no})",
    ),
    "ExpertReviewCompleted": _review,
    "PublicityOpened": _publicity_opened,
    "ConsultationAnswered": _answered,
    "ObjectionFiled": _objection,
    "ObjectionResolved": _resolved,
    "CandidateDisqualified": _plain(
        "{who}查实弄虚作假，取消申报资格（R-FRAUD）：{finding}",
        "{who} found fraud and disqualified it (R-FRAUD): {finding}",
    ),
    "PublicityClosed": _closed,
    "TitleAwarded": _awarded,
    "CreationAccepted": _plain(
        "{who}验收通过，称号为“{title}”", "{who} accepted it after creation: “{title}”"
    ),
    "CreationAcceptanceFailed": _plain(
        "{who}验收未通过：{reason}", "{who} found it failed acceptance: {reason}"
    ),
    "BatchOpened": _plain("{who}启动{title}", "{who} opened {title}"),
    "BatchForwarded": _plain(
        "{who}转发通知：{notice_title}", "{who} forwarded the call: {notice_title}"
    ),
    "SecondDomainAllowed": _plain(
        "{who}同意增报一个创建领域（{domain}）", "{who} allowed a further domain ({domain})"
    ),
    "ProvinceSuspended": _plain(
        "{province_name}暂停推荐资格（{rule_id}）",
        "{province_name} may not recommend ({rule_id})",
    ),
    "EvaluationRoundOpened": _plain(
        "{who}启动 {evaluation_year} 年度评价", "{who} opened the {evaluation_year} evaluation"
    ),
    "AnnualReportSubmitted": _plain(
        "{who}报送 {evaluation_year} 年度发展报告",
        "{who} filed the development report of {evaluation_year}",
    ),
    "AnnualMaterialsReturned": _plain(
        "{who}退回 {evaluation_year} 年度材料", "{who} returned the {evaluation_year} materials"
    ),
    "MaterialsMissing": _plain(
        "{evaluation_year} 年度材料未在 {due} 前报送",
        "the {evaluation_year} materials were not filed by {due}",
    ),
    "StarRated": _rated,
    "EvaluationResultsPublished": _plain(
        "{who}公布 {evaluation_year} 年度评价结果（{rated} 个）",
        "{who} published the {evaluation_year} results ({rated} rated)",
    ),
    "FiveStarListPublished": _plain(
        "{who}公布 {evaluation_year} 年度五星级名单（{count} 个）",
        "{who} published the five-star list of {evaluation_year} ({count})",
    ),
    "IncidentReported": _incident,
    "InspectionFindingRecorded": _plain(
        "{inspection}发现{area}问题，限 {rectify_by} 前整改：{description}",
        "{inspection} found a problem ({area}), to rectify by {rectify_by}: {description}",
    ),
    "RectificationConfirmed": _plain(
        "{who}确认 {rectified_on} 整改完成", "{who} confirmed the rectification of {rectified_on}"
    ),
    "TitleRenamed": _renamed,
    "TitleRevoked": _revoked,
    "FraudDetected": _plain("{who}查实弄虚作假：{description}", "{who} found fraud: {description}"),
    "TierChanged": _tier,
    "ActionPlanFiled": _plain(
        "{who}报送 {first_year}–{last_year} 年行动计划：{plan_title}",
        "{who} filed the action plan {first_year}–{last_year}: {plan_title}",
    ),
    "PlatformClockSet": _plain(
        "平台时钟设为 {to}（{reason}）", "the platform clock was set to {to} ({reason})"
    ),
}


def sentence(line: dict[str, Any], words: Words) -> str:
    """What the event says, with who did it, in the page's language (no date)."""
    who = words.actor(str(line.get("actor", "")))
    phrase = PHRASES.get(str(line["event_type"]))
    if phrase is None:
        return f"{who}: {line['event_type']}"
    zh, en = phrase(line.get("payload") or {}, who, words)
    return zh if words.lang == "zh" else en


def dated(line: dict[str, Any], words: Words) -> str:
    """The sentence after the Beijing day it took effect: "2028-04-20 工业和信息化部评定 …"."""
    return f"{beijing_date(line.get('occurred_at'))} {sentence(line, words)}"
