"""Assembling a :class:`RoofReport` from what a parser found.

A parser fills a :class:`ReportBuilder`: the report's identity, one draft per structure with the
summary the file *states* (``reported``) and the one its rows or geometry *imply* (``computed``),
provenance for each value it read and warnings. :meth:`ReportBuilder.build` combines reported and
computed values, derives the rest, runs the cross-checks and scores the confidence, so every
format ends in the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import TypeAdapter

from roofkit_importer.report import checks, totals
from roofkit_importer.report.model import (
    Check,
    Conflict,
    ConflictValue,
    Geometry,
    Method,
    Party,
    PropertyInfo,
    Provenance,
    Quality,
    ReportInfo,
    ReportWarning,
    RoofReport,
    Structure,
    Summary,
)

MAX_WARNINGS_PER_CODE = 20
"""Warnings listed per code; the rest are counted in one ``WARNINGS_OMITTED`` warning."""
MAX_CONFLICT_VALUES = 20
"""Values listed in one field's conflict; a table repeating a label 60,000 times lists 20."""
FIRST_STATEMENT = "first statement in the file"

# One validation of the whole list in pydantic-core: about a third of the cost of building each
# Provenance on its own (pydantic 2.14: 0.8 µs per item against 2.3 µs), and still validated.
_PROVENANCE_LIST = TypeAdapter(list[Provenance])


class IdScope:
    """Ids that must be unique together: a report's structures, or one structure's facets.

    A source can repeat one (two CSV rows labelled ``Front``, two XML ``ROOF``s with one id);
    the second becomes ``Front#2``, the third ``Front#3``, so that provenance and checks, which
    name things by id, name one thing each. The label keeps the source's text.
    """

    __slots__ = ("_next", "_taken")

    def __init__(self) -> None:
        self._taken: set[str] = set()
        self._next: dict[str, int] = {}

    def claim(self, wanted: str) -> str:
        if wanted not in self._taken:
            self._taken.add(wanted)
            return wanted
        number = self._next.get(wanted, 2)
        while f"{wanted}#{number}" in self._taken:
            number += 1
        self._next[wanted] = number + 1
        claimed = f"{wanted}#{number}"
        self._taken.add(claimed)
        return claimed


@dataclass
class StructureDraft:
    id: str
    name: str | None = None
    reported: Summary | None = None
    computed: Summary | None = None
    geometry: Geometry | None = None
    computed_from: str = "rows"


@dataclass
class ReportBuilder:
    file: str
    method: Method
    info: ReportInfo = field(default_factory=ReportInfo)
    property: PropertyInfo = field(default_factory=PropertyInfo)
    parties: list[Party] = field(default_factory=list)
    reported: Summary | None = None
    structures: list[StructureDraft] = field(default_factory=list)
    records: list[tuple[str, str | None, str | None, Method]] = field(default_factory=list)
    """What :meth:`record` noted, in order: field, locator, raw text and method of each value."""
    warnings: list[ReportWarning] = field(default_factory=list)
    _warned: set[tuple[str, str, str | None]] = field(default_factory=set)
    _per_code: dict[str, int] = field(default_factory=dict)
    _omitted: dict[str, int] = field(default_factory=dict)
    extra_checks: list[Check] = field(default_factory=list)
    """Checks a parser ran itself (e.g. stated facet areas against the geometry's)."""
    conflicts: dict[str, Conflict] = field(default_factory=dict)
    """Per field: the values the file states for it that disagree, the first one chosen."""

    def record(
        self,
        field_path: str,
        locator: str | None,
        raw: object = None,
        method: Method | None = None,
    ) -> None:
        """Note where ``field_path`` came from (``raw`` is the text as the file wrote it).

        The :class:`Provenance` entries are validated together when the report is built.
        """
        self.records.append(
            (field_path, locator, None if raw is None else str(raw)[:200], method or self.method)
        )

    def provenance(self) -> list[Provenance]:
        """The recorded provenance, validated."""
        file = self.file
        return _PROVENANCE_LIST.validate_python(
            [
                {"field": path, "file": file, "method": method, "locator": locator, "raw": raw}
                for path, locator, raw, method in self.records
            ]
        )

    def warn(self, code: str, message: str, locator: str | None = None) -> None:
        """Add a warning; the same one (code, message and locator) is listed once, and each code
        at most :data:`MAX_WARNINGS_PER_CODE` times (a table of 60,000 odd rows must not become
        60,000 warnings)."""
        key = (code, message, locator)
        if key in self._warned:
            return
        self._warned.add(key)
        if self._per_code.get(code, 0) >= MAX_WARNINGS_PER_CODE:
            self._omitted[code] = self._omitted.get(code, 0) + 1
            return
        self._per_code[code] = self._per_code.get(code, 0) + 1
        self.warnings.append(
            ReportWarning(code=code, message=message, file=self.file, locator=locator)
        )

    def conflict(
        self, field_path: str, first: float | str, later: float | str, locator: str | None
    ) -> None:
        """The file states ``field_path`` again, as ``later``: the first statement stands."""
        known = self.conflicts.get(field_path)
        if known is None:
            known = self.conflicts[field_path] = Conflict(
                field=field_path,
                values=[ConflictValue(file=self.file, value=first)],
                chosen=first,
                rule=FIRST_STATEMENT,
            )
        if len(known.values) < MAX_CONFLICT_VALUES:
            known.values.append(ConflictValue(file=self.file, value=later))
        self.warn(
            "VALUE_CONFLICT",
            f"The file states {field_path} as {first} and again as {later}; "
            "the first statement is kept.",
            locator,
        )

    def _computed(self, prefix: str, names: list[str], source: str) -> None:
        for name in names:
            self.record(f"{prefix}{name}", source, method="computed")

    def build(self) -> RoofReport:
        found: list[Check] = list(self.extra_checks)
        structures: list[Structure] = []
        for draft in self.structures:
            scope = f"structures[{draft.id}]"
            if draft.reported is not None and draft.computed is not None:
                found.extend(checks.compare(draft.reported, draft.computed, scope))
            summary, taken = totals.combine(draft.reported, draft.computed)
            derived = totals.derive(summary)
            self._computed(f"{scope}.summary.", taken, f"computed from {draft.computed_from}")
            self._computed(f"{scope}.summary.", derived, "derived from summary")
            found.extend(checks.internal(summary, scope))
            structures.append(
                Structure(id=draft.id, name=draft.name, summary=summary, geometry=draft.geometry)
            )
        from_structures: Summary | None = None
        if len(structures) == 1:
            # combine() copies a summary it takes whole; one it borrows fields from must be a
            # copy already, so that the report and the structure share no objects.
            from_structures = structures[0].summary
            if self.reported is not None:
                from_structures = totals.copy_summary(from_structures)
        elif structures:
            from_structures = totals.add_summaries([s.summary for s in structures])
        if self.reported is not None and from_structures is not None:
            found.extend(checks.compare(self.reported, from_structures, "report"))
        summary, taken = totals.combine(self.reported, from_structures)
        if self.reported is not None:
            self._computed("summary.", taken, "computed from structures")
        derived = totals.derive(summary)
        self._computed("summary.", derived, "derived from summary")
        found.extend(checks.internal(summary, "report"))
        report = RoofReport(
            report=self.info,
            property=self.property,
            parties=self.parties,
            summary=summary,
            structures=structures,
            provenance=self.provenance(),
        )
        found.extend(checks.structures_sum(report))
        if summary.total_area_sqft is None:
            self.warn("AREA_MISSING", "The file states no roof area and none could be computed.")
        for check in found:
            if not check.passed:
                self.warn(
                    "CHECK_FAILED",
                    f"Cross-check {check.name} failed: expected {check.expected}, "
                    f"found {check.actual} (tolerance {check.tolerance}).",
                    check.scope,
                )
        for code, count in self._omitted.items():
            self.warnings.append(
                ReportWarning(
                    code="WARNINGS_OMITTED",
                    message=f"{count} more {code} warnings are not listed.",
                    file=self.file,
                )
            )
        report.quality = Quality(
            checks=found,
            conflicts=list(self.conflicts.values()),
            warnings=list(self.warnings),
            confidence=checks.confidence(self.method, found, self.warnings),
        )
        return report
