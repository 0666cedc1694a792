"""The site's words in Chinese (the default: the register is the ministry's) and in English.

Every text a page shows is looked up here by a key, so that a page in one language holds no word
of the other; a key missing from :data:`TEXTS` is a KeyError in the tests, never a blank.
"""

from __future__ import annotations

from typing import Final, Literal

from shared.contract.provinces import PROVINCES

Lang = Literal["zh", "en"]
LANGS: Final = ("zh", "en")
HTML_LANG: Final = {"zh": "zh-CN", "en": "en"}

TEXTS: Final[dict[str, tuple[str, str]]] = {
    # the frame of every page
    "site": ("国家级示范基地名录", "Register of national demonstration bases"),
    "site.lead": (
        "国家新型工业化产业示范基地与国家新兴产业发展示范基地的申报、评价与撤销，"
        "每一项变化均附其事件记录（共 {events} 个事件）。时间均为北京时间。",
        "Applications, evaluations and revocations of the national demonstration bases, every "
        "change with the event that caused it ({events} events). Times are Beijing time.",
    ),
    "nav.home": ("名录", "Register"),
    "nav.publicity": ("公示", "Publicity"),
    "nav.revocations": ("撤销", "Revocations"),
    "nav.stars": ("星级分布", "Stars"),
    "nav.docs": ("接口文档", "API docs"),
    "nav.as_of": ("历史查询", "As of"),
    "nav.quarantine": ("隔离事件：{n}", "quarantine: {n} events"),
    "nav.switch": ("English", "中文"),
    "back": ("← 返回名录", "← register"),
    # the list
    "filter": ("筛选", "Filter"),
    "search.placeholder": ("名称、曾用名、称号或编号", "name, former name, title or id"),
    "all.programme": ("全部计划", "all programmes"),
    "all.province": ("全部省份", "all provinces"),
    "all.status": ("全部状态", "all statuses"),
    "all.domain": ("全部领域", "all domains"),
    "all.stars": ("不限星级", "any stars"),
    "all.year": ("最近年度星级", "stars of the latest year"),
    "stars.of": ("{year} 年度星级", "stars of {year}"),
    "shown": ("共 {total} 条，第 {first}–{last} 条", "{total} shown, {first}–{last}"),
    "shown.none": ("共 0 条", "0 shown"),
    "page.prev": ("上一页", "previous page"),
    "page.next": ("下一页", "next page"),
    "page.of": ("第 {page} / {pages} 页", "page {page} of {pages}"),
    "col.id": ("编号", "id"),
    "col.name": ("名称", "name"),
    "col.province": ("省份", "province"),
    "col.programme": ("计划", "programme"),
    "col.domain": ("领域", "domain"),
    "col.status": ("状态", "status"),
    "col.stars": ("星级", "stars"),
    "col.since": ("状态起始", "since"),
    "col.title": ("称号", "title"),
    "col.sort": ("按{column}排序", "sort by {column}"),
    "former": ("曾用名：{names}", "formerly: {names}"),
    "export": ("导出", "export"),
    "batches": ("批次", "Batches"),
    "years": ("年度评价", "Evaluations"),
    "programme.NIID": ("国家新型工业化产业示范基地", "NIID (new industrialisation)"),
    "programme.EIDB": ("国家新兴产业发展示范基地", "EIDB (emerging industries)"),
    # an entry
    "kind.application": ("申报", "application"),
    "kind.base": ("示范基地", "base"),
    "title": ("称号", "Title"),
    "tier": ("梯队", "tier"),
    "plan": ("行动计划", "action plan"),
    "revoked.under": (
        "依据 {rule} 撤销：{reason}。起因：",
        "Revoked under {rule}: {reason}. Cause:",
    ),
    "timeline": ("时间线", "Timeline"),
    "history": ("版本历史", "History"),
    "stars.over.years": ("历年星级", "Stars over the years"),
    "correlation": ("决定链", "decision"),
    "ev.who": ("主体", "by"),
    "ev.business": ("业务时间", "took effect"),
    "ev.recorded": ("记录时间", "recorded"),
    "ev.sequence": ("流序号", "stream sequence"),
    "ev.id": ("事件编号", "event id"),
    "ev.cause": ("起因", "caused by"),
    "ev.proof": ("存在性证明", "inclusion proof"),
    "ev.trace": ("同一决定的全部事件", "the whole decision"),
    "ev.payload": ("事件内容（JSON）", "payload (JSON)"),
    "ev.hash": ("哈希", "hash"),
    "ev.none": ("—", "—"),
    "version": ("版本", "version"),
    "name.or.title": ("名称或称号", "name or title"),
    "revoked.rule": ("撤销依据", "revoked under"),
    # batches
    "batch": ("批次 {batch}", "Batch {batch}"),
    "batch.notice": ("通知：{notice}", "notice: {notice}"),
    "funnel": ("各环节申报数", "Applications reaching each stage"),
    "by.stage": ("按环节列出的申报", "Applications by stage"),
    "deadlines": ("各级截止日期", "Deadlines per level"),
    "quotas": ("推荐名额使用情况（R-QUOTAS）", "Put forward against quota (R-QUOTAS)"),
    "annex1": ("附件1 推荐汇总表下载", "附件1 (summary table) to download"),
    "col.stage": ("环节", "stage"),
    "col.count": ("数量", "applications"),
    "col.level": ("报送至", "to"),
    "col.issuer": ("发布方", "set by"),
    "col.due": ("截止日期", "due"),
    "col.postmark": ("以邮戳为准", "postmark counts"),
    "col.city": ("城市", "city"),
    "col.category": ("类别", "category"),
    "col.put_forward": ("已推荐", "put forward"),
    "col.quota": ("名额", "quota"),
    "on.merit": ("择优推荐", "on merit"),
    "every.province": ("各省", "every province"),
    "level.city": ("地市", "cities"),
    "level.province": ("省级", "the province"),
    "level.ministry": ("工业和信息化部", "the ministry"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "category.park": ("园区", "park"),
    "category.enterprise": ("企业", "enterprise"),
    "none.yet": ("暂无", "none yet"),
    # years and charts
    "year": ("{year} 年度评价", "Evaluation {year}"),
    "five.star": (
        "{year} 年度五星级示范基地（R-FIVE-STAR-LIST）：{n} 个",
        "Five-star bases of {year} (R-FIVE-STAR-LIST): {n}",
    ),
    "stars.by.province": ("各省份星级分布", "Stars by province"),
    "stars.by.domain": ("各领域星级分布", "Stars by domain"),
    "stars.grid": ("各省份历年平均星级", "Mean stars by province and year"),
    "stars.grid.note": ("格内为平均星级（评定个数）", "each cell: mean stars (bases rated)"),
    "chart.table": ("图表数据", "the chart's figures"),
    "n.stars": ("{n} 星", "{n}★"),
    "revocations": ("已撤销的称号", "Revoked titles"),
    "col.base": ("示范基地", "base"),
    "col.rule": ("依据", "rule"),
    "col.reason": ("原因", "reason"),
    "col.causes": ("起因事件", "causing events"),
    # publicity
    "publicities": ("公示", "Publicity"),
    "publicity": ("{programme}拟认定名单公示", "Publicity of the proposed {programme} list"),
    "publicity.open": ("公示中", "open"),
    "publicity.closed": ("已结束", "closed"),
    "publicity.window": (
        "公示期：{first} 至 {last}，共 {days} 个工作日；公示于 {closes}（北京时间）结束。",
        "Window: {first} to {last}, {days} working days; it closes at {closes} (Beijing time).",
    ),
    "publicity.published": ("发布日期：{day}", "published on {day}"),
    "publicity.days": ("公示期内的工作日：{days}", "Working days of the window: {days}"),
    "publicity.list": ("拟认定名单（{n} 个）", "Proposed list ({n})"),
    "col.proposed_title": ("拟授予称号", "proposed title"),
    "consulted": ("征求意见的部门", "Ministries consulted"),
    "consulted.answer": ("意见", "opinion"),
    "consulted.pending": ("尚未反馈", "not yet answered"),
    "opinion.no_objection": ("无异议", "no objection"),
    "opinion.objection": ("有异议", "objection"),
    "how.to.object": ("如何提出异议", "How to object"),
    "how.to.object.text": (
        "对名单中的申报对象有异议的，请于公示期最后一个工作日（{last}）24:00（北京时间）前，"
        "以书面形式向工业和信息化部提出，写明异议对象、具体理由，并附证明材料。以单位名义提出的"
        "须加盖公章，以个人名义提出的须署真实姓名并留联系方式。逾期或无具体理由的异议不予受理。"
        "异议人的身份不在本页公开，只列明来源类别。",
        "An objection to an applicant on the list is made in writing to the Ministry of Industry "
        "and Information Technology before 24:00 Beijing time on the window's last working day "
        "({last}), naming the applicant, the grounds and the evidence. An organisation's "
        "objection bears its seal; a person's bears their real name and a contact. Objections "
        "made late or without grounds are not taken up. Objectors are not named here, only the "
        "kind of source.",
    ),
    "objections": ("异议及处理结果", "Objections and their resolutions"),
    "objections.pending": (
        "{n} 件异议正在核实，处理结果确定后在此公布。",
        "{n} objection(s) under examination: shown here once decided.",
    ),
    "objections.none": ("公示期内未收到异议。", "No objection was filed."),
    "col.source": ("来源", "source"),
    "col.grounds": ("异议理由", "grounds"),
    "col.outcome": ("处理结果", "outcome"),
    "col.reasoning": ("理由", "reasoning"),
    "source.public": ("社会公众", "the public"),
    "outcome.upheld": ("异议成立", "upheld"),
    "outcome.dismissed": ("异议不成立", "dismissed"),
    "publicity.result": (
        "公示结果：{cleared} 个通过，{withheld} 个不予认定。",
        "Result: {cleared} cleared, {withheld} withheld.",
    ),
    "publicity.none": ("目前没有公示。", "No publicity yet."),
    "col.publicity": ("公示", "publicity"),
    "col.window": ("公示期", "window"),
    "col.state": ("状态", "state"),
    # as of, events, errors
    "as_of": ("{moment} 时的名录", "As of {moment}"),
    "as_of.form": ("查询某日的名录：", "The register as it stood on "),
    "as_of.show": ("查询", "Show"),
    "as_of.by": (
        "按{time}：显示 {n} 条，依据版本历史（已应用 {applied} 个事件）。",
        "By {time}: {n} entries shown, from the registry's history ({applied} events applied).",
    ),
    "as_of.other": ("改按{time}", "by {time}"),
    "as_of.partial": (
        "本名录的版本历史自流序号 {first} 起保存："
        "重建（demobase registry rebuild）可得到全部历史。",
        "This registry keeps its history from sequence {first} on: a rebuild "
        "(demobase registry rebuild) holds all of it.",
    ),
    "time.effective": ("业务时间", "business time"),
    "time.recorded": ("记录时间", "recording time"),
    "col.took_effect": ("生效", "took effect"),
    "col.recorded": ("记录", "recorded"),
    "event": ("事件 #{sequence}", "Event #{sequence}"),
    "trace": ("同一决定在各服务中的事件", "One decision across the services"),
    "trace.lead": ("决定链 {correlation}，共 {n} 个事件", "correlation {correlation}, {n} events"),
    "quarantine": ("隔离事件", "Quarantine"),
    "quarantine.lead": (
        "{n} 个无法应用的事件。每个仍在哈希链中占有其位置；名录继续应用其后的事件。",
        "{n} events of the log that the registry could not apply. Each keeps its place in the "
        "hash chain; the registry went on with the next one.",
    ),
    "missing.entry": (
        "没有编号、名称或称号为“{id}”的申报或示范基地",
        "no application or base with id, name or title {id!r}",
    ),
    "missing.batch": ("没有编号为“{id}”的批次", "no batch {id!r}"),
    "missing.event": ("没有流序号为 {id} 的事件", "no event at sequence {id}"),
    "missing.trace": (
        "没有编号或决定链为“{id}”的事件",
        "no event with id or correlation id {id!r}",
    ),
    "missing.publicity": ("没有编号为“{id}”的公示", "no publicity {id!r}"),
    "missing.page": ("没有这个页面：{id}", "no such page: {id}"),
    "error.title": ("出错了（{status}）", "Error {status}"),
    "error.404": ("未找到：{detail}", "Not found: {detail}"),
    "error.422": ("请求有误：{detail}", "The request is not understood: {detail}"),
    "error.other": ("请求未能完成：{detail}", "The request failed: {detail}"),
    "error.hint": (
        "可返回名录，或用名称、曾用名、称号或编号检索。",
        "Go back to the register, or search it by name, former name, title or id.",
    ),
}

STATUS: Final[dict[str, tuple[str, str]]] = {
    "submitted": ("已申报", "submitted"),
    "rejected": ("未通过", "rejected"),
    "city_reviewed": ("地市初审通过", "passed the city's review"),
    "recommended": ("省级推荐", "recommended by the province"),
    "reviewed": ("专家评审完成", "reviewed by experts"),
    "publicised": ("公示中", "under publicity"),
    "disqualified": ("取消申报资格", "disqualified"),
    "withheld": ("不予认定", "withheld"),
    "awarded": ("已获称号", "awarded"),
    "under_creation": ("创建期", "under creation"),
    "titled": ("示范基地", "titled"),
    "revoked": ("已撤销", "revoked"),
    "acceptance_failed": ("验收未通过", "failed acceptance"),
    "recorded": ("已记录", "recorded"),
}
"""An entry's status in words; a status unknown here shows as its code."""

STATUSES: Final = tuple(s for s in STATUS if s != "recorded")

STAGES: Final[dict[str, tuple[str, str]]] = {
    "submitted": ("申报", "submitted"),
    "rejected_on_arrival": ("受理时退回", "rejected on arrival"),
    "rejected_by_city": ("地市未推荐", "rejected by the city"),
    "rejected_by_province": ("省级未推荐", "rejected by the province"),
    "disqualified": ("取消申报资格", "disqualified"),
    "city_reviewed": ("地市初审通过", "passed the city"),
    "recommended": ("省级推荐", "recommended"),
    "reviewed": ("专家评审", "reviewed"),
    "proposed": ("拟入选", "proposed"),
    "publicised": ("公示", "publicised"),
    "withheld": ("不予认定", "withheld"),
    "awarded": ("授予称号", "awarded"),
}
"""The funnel's stages (services/registry/selection.py ``FUNNEL``) in words."""

INCIDENTS: Final[dict[str, tuple[str, str]]] = {
    "environmental": ("环境污染", "environmental"),
    "production_safety": ("安全生产", "production-safety"),
    "other_serious": ("其他重大", "other serious"),
}


SERVICES: Final[dict[str, tuple[str, str]]] = {
    "evaluation": ("评价服务", "evaluation"),
    "review": ("评审服务", "review"),
    "submission": ("申报服务", "submission"),
    "registry": ("名录服务", "registry"),
}
"""The services whose rules act on their own (``system:<service>``), as the public names them."""


class Words:
    """The words of one language: ``words("key", n=3)``."""

    def __init__(self, lang: Lang) -> None:
        self.lang: Lang = lang
        self._at = LANGS.index(lang)

    def __call__(self, key: str, **values: object) -> str:
        text = TEXTS[key][self._at]
        return text.format(**values) if values else text

    def pick(self, table: dict[str, tuple[str, str]], key: str | None) -> str:
        """``key`` in words from ``table``, or the key itself where the table has none."""
        if key is None:
            return ""
        found = table.get(key)
        return found[self._at] if found else key

    def status(self, status: str | None) -> str:
        return self.pick(STATUS, status)

    def stage(self, stage: str) -> str:
        return self.pick(STAGES, stage)

    def province(self, code: str | None) -> str:
        if code is None:
            return ""
        if code == "000000":
            return self("level.ministry")
        name = PROVINCES.get(code, code)
        return name if self.lang == "zh" else f"{name} ({code})"

    def programme(self, programme: str | None) -> str:
        return self(f"programme.{programme}") if programme in ("NIID", "EIDB") else programme or ""

    def category(self, category: str | None) -> str:
        return (
            self(f"category.{category}") if category in ("park", "enterprise") else category or ""
        )

    def actor(self, actor: str) -> str:
        """Who acted, as the public knows them: the ministry, a province's or a city's
        department of industry, or a rule the platform applied."""
        kind, _, who = actor.partition(":")
        zh = self.lang == "zh"
        if kind == "ministry":
            if who == "operator":
                return "平台运维" if zh else "the platform's operator"
            return "工业和信息化部" if zh else "the Ministry (MIIT)"
        if kind == "province":
            name = PROVINCES.get(who, who)
            return f"{name}工业和信息化主管部门" if zh else f"{name}'s department of industry"
        if kind == "city":
            return f"{who}工业和信息化主管部门" if zh else f"{who}'s department of industry"
        if kind == "system":
            service = SERVICES.get(who, (who, who))[0 if zh else 1]
            return f"平台规则（{service}）" if zh else f"the platform's rules ({service})"
        return actor
