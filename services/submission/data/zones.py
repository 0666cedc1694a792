"""The development-zone catalogue (《中国开发区审核公告目录》) as data an operator loads.

R-ELIGIBLE-ZONE asks whether a park is listed; which parks are listed is data that changes with
each edition of the catalogue, so it is read from a CSV (``name,province_code,level``), never
written into code. Lines starting with ``#`` are comments. A file with errors is refused whole,
with every error named by line and field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast, get_args

from shared.contract.provinces import PROVINCES

ZoneLevel = Literal[
    "国家级经济技术开发区",
    "国家高新技术产业开发区",
    "海关特殊监管区域",
    "边境/跨境经济合作区",
    "其他国家级开发区",
    "省级",
]
"""The kinds of zone the catalogue lists: the national ones, and provincial-level zones."""

COLUMNS = ("name", "province_code", "level")
SAMPLE_PATH = Path(__file__).with_name("zones_sample.csv")
"""A sample of fifteen zones for demos and tests: not the catalogue."""


@dataclass(frozen=True)
class Zone:
    """One listed zone: its name as the catalogue prints it, its province, its level."""

    name: str
    province_code: str
    level: ZoneLevel


@dataclass(frozen=True)
class CatalogueProblem:
    """One error in a catalogue file, by line (1-based, as an editor shows it) and field."""

    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, field {self.field}: {self.reason}"


class CatalogueError(ValueError):
    """A catalogue file that cannot be loaded; ``problems`` lists every error found."""

    def __init__(self, source: str, problems: list[CatalogueProblem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(str(problem) for problem in problems))


def normalise(name: str) -> str:
    """Names compare without surrounding spaces and with half-width parentheses."""
    return name.strip().replace("（", "(").replace("）", ")")


class ZoneCatalogue:
    """The zones of one edition of the catalogue, looked up by name."""

    def __init__(self, zones: Iterable[Zone], edition: str = "") -> None:
        self.edition = edition
        self._zones = {normalise(zone.name): zone for zone in zones}

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and normalise(name) in self._zones

    def __iter__(self) -> Iterator[Zone]:
        return iter(self._zones.values())

    def __len__(self) -> int:
        return len(self._zones)

    def find(self, name: str) -> Zone | None:
        return self._zones.get(normalise(name))

    @classmethod
    def from_csv(cls, path: str | Path) -> ZoneCatalogue:
        """Load a catalogue file; raise :class:`CatalogueError` naming every bad line and field."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CatalogueError(str(path), [CatalogueProblem(0, "", str(error))]) from error
        return cls.from_csv_text(text, source=str(path))

    @classmethod
    def from_csv_text(cls, text: str, source: str = "<catalogue>") -> ZoneCatalogue:
        """Parse a catalogue's CSV text (see :meth:`from_csv`)."""
        lines = [
            (number, line)
            for number, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.lstrip().startswith("#")
        ]
        if not lines:
            raise CatalogueError(source, [CatalogueProblem(1, "", "no header and no zones")])
        (header_line, header), rows = lines[0], lines[1:]
        columns = next(csv.reader(io.StringIO(header)))
        if tuple(c.strip() for c in columns) != COLUMNS:
            raise CatalogueError(
                source, [CatalogueProblem(header_line, "header", f"expected {','.join(COLUMNS)}")]
            )
        zones, problems = _zones(rows)
        if problems:
            raise CatalogueError(source, problems)
        return cls(zones, edition=source)


def _zones(rows: list[tuple[int, str]]) -> tuple[list[Zone], list[CatalogueProblem]]:
    zones: list[Zone] = []
    problems: list[CatalogueProblem] = []
    seen: dict[str, int] = {}
    for number, line in rows:
        cells = [cell.strip() for cell in next(csv.reader(io.StringIO(line)))]
        if len(cells) != len(COLUMNS):
            problems.append(
                CatalogueProblem(number, "", f"{len(cells)} fields, expected {len(COLUMNS)}")
            )
            continue
        name, province, level = cells
        found = _row_problems(number, name, province, level, seen)
        problems += found
        if not found:
            seen[normalise(name)] = number
            zones.append(Zone(name, province, cast(ZoneLevel, level)))
    return zones, problems


def _row_problems(
    number: int, name: str, province: str, level: str, seen: dict[str, int]
) -> list[CatalogueProblem]:
    found = []
    if not name:
        found.append(CatalogueProblem(number, "name", "empty"))
    elif normalise(name) in seen:
        found.append(
            CatalogueProblem(number, "name", f"{name} is already on line {seen[normalise(name)]}")
        )
    if province not in PROVINCES:
        found.append(
            CatalogueProblem(
                number,
                "province_code",
                f"{province!r} is not a GB/T 2260 code of a provincial authority",
            )
        )
    if level not in get_args(ZoneLevel):
        found.append(
            CatalogueProblem(
                number, "level", f"{level!r} is not one of {'、'.join(get_args(ZoneLevel))}"
            )
        )
    return found
