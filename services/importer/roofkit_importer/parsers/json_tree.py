"""EagleView's JSON export: the XML tree with ``@``-prefixed attributes.

``{"EAGLEVIEW_EXPORT": {"REPORT": {"@reportId": "…"}, "STRUCTURES": {"ROOF": {…}}}}``; a
single child may be an object instead of a one-element list. Objects become
:class:`roof_tree.Node` children, ``@name`` keys (and other scalar keys) become attributes.
"""

from __future__ import annotations

import json
from typing import Any

from roofkit_importer.parsers import roof_tree
from roofkit_importer.parsers.errors import ParseError
from roofkit_importer.parsers.limits import ParseLimits
from roofkit_importer.parsers.result import ParseResult, Source
from roofkit_importer.report.assembly import ReportBuilder


def _fail(name: str, reason: str, message: str) -> ParseError:
    return ParseError.for_file("report_unreadable", name, reason, message)


class _DuplicateName(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object, unless a name repeats in it: which copy a reader keeps differs from reader to
    reader (Python's keeps the last), so a second ``ROOF`` would silently drop the first."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        names = [key for key, _ in pairs]
        raise _DuplicateName(next(key for i, key in enumerate(names) if key in names[:i]))
    return obj


def load(data: bytes, name: str) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(name, "json_malformed", "The JSON is not UTF-8.") from exc
    try:
        return json.loads(text, object_pairs_hook=_unique)
    except _DuplicateName as exc:
        raise _fail(
            name,
            "json_duplicate_name",
            f"The JSON has the name {json.dumps(exc.key[:64])} twice in one object.",
        ) from exc
    except RecursionError as exc:
        raise _fail(name, "json_too_deep", "The JSON is nested too deeply.") from exc
    except ValueError as exc:
        raise _fail(name, "json_malformed", f"The JSON cannot be read: {str(exc)[:200]}") from exc


def _root(document: Any, name: str) -> tuple[str, dict[str, Any]]:
    if isinstance(document, dict):
        for tag in roof_tree.DIALECTS:
            value = document.get(tag)
            if isinstance(value, dict):
                return tag, value
        if "STRUCTURES" in document or "OVERALL_SUMMARY" in document:
            return "EAGLEVIEW_EXPORT", document
    raise ParseError.for_file(
        "report_unsupported",
        name,
        "json_unknown_dialect",
        "The JSON is not an EagleView measurement export.",
    )


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float):
        return str(value)
    return None


def to_tree(tag: str, body: dict[str, Any], name: str, limits: ParseLimits) -> roof_tree.Node:
    top = roof_tree.Node(tag=tag, attrs={}, locator=f"$.{tag}")
    stack: list[tuple[dict[str, Any], roof_tree.Node, int]] = [(body, top, 1)]
    count = 1
    while stack:
        obj, node, depth = stack.pop()
        if depth > limits.max_xml_depth:
            raise _fail(
                name, "json_too_deep", f"The JSON is nested deeper than {limits.max_xml_depth}."
            )
        for key, value in obj.items():
            if not isinstance(key, str) or key.startswith("#"):
                continue
            scalar = _scalar(value)
            if scalar is not None:
                node.attrs[key.removeprefix("@")] = scalar
                continue
            items = value if isinstance(value, list) else [value]
            for position, item in enumerate(items):
                if not isinstance(item, dict):
                    continue
                count += 1
                if count > limits.max_xml_elements:
                    raise _fail(name, "json_malformed", "The JSON has too many objects.")
                suffix = f"[{position}]" if isinstance(value, list) else ""
                child = roof_tree.Node(tag=key, attrs={}, locator=f"{node.locator}.{key}{suffix}")
                node.children.append(child)
                stack.append((item, child, depth + 1))
    return top


def parse(source: Source, limits: ParseLimits) -> ParseResult:
    document = load(source.read_bytes(), source.name)
    tag, body = _root(document, source.name)
    tree = to_tree(tag, body, source.name, limits)
    builder = ReportBuilder(file=source.name, method="json")
    roof_tree.interpret(tree, builder, limits)
    report = builder.build()
    return ParseResult(report=report, files=[source.as_file()], warnings=report.quality.warnings)
