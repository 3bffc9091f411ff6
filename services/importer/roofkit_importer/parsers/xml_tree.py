"""XML reports: EagleView ``EAGLEVIEW_EXPORT``, Hover ``DATA_EXPORT``, AppliCad ``SKETCH_IMPORT``,
Xactimate ``GENERIC_ROUGHDRAFT``.

The XML is untrusted: any document type declaration or entity declaration is refused before
parsing (``xml_forbidden_construct``), and lxml runs with DTD loading, entity resolution, network
access and huge-tree mode off. Depth and element count are bounded by :class:`ParseLimits`.
"""

from __future__ import annotations

import re

from lxml import etree

from roofkit_importer.parsers import roof_tree
from roofkit_importer.parsers.errors import ParseError
from roofkit_importer.parsers.limits import ParseLimits
from roofkit_importer.parsers.result import ParseResult, Source
from roofkit_importer.report.assembly import ReportBuilder

_FORBIDDEN = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.I)
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        recover=False,
    )


def _fail(name: str, reason: str, message: str) -> ParseError:
    return ParseError.for_file("report_unreadable", name, reason, message)


def load(data: bytes, name: str, limits: ParseLimits) -> etree._Element:
    """Parse ``data`` safely; the root element, or a :class:`ParseError`."""
    text: str | None = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = _DECLARATION.sub("", data.decode("utf-16"), count=1)
        except UnicodeDecodeError as exc:
            raise _fail(name, "xml_malformed", "The XML is not valid UTF-16.") from exc
        scan = text.encode("utf-8", "replace")
    else:
        scan = data
    if _FORBIDDEN.search(scan):
        raise _fail(
            name,
            "xml_forbidden_construct",
            "The XML declares a document type or entities, which are refused.",
        )
    try:
        if text is not None:
            root = etree.fromstring(text, parser=_parser())
        else:
            root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        message = str(exc)
        if "depth" in message.lower():
            raise _fail(name, "xml_too_deep", "The XML is nested too deeply.") from exc
        raise _fail(name, "xml_malformed", f"The XML is not well-formed: {message[:200]}") from exc
    except (ValueError, etree.LxmlError) as exc:
        raise _fail(name, "xml_malformed", f"The XML cannot be read: {str(exc)[:200]}") from exc
    if root is None:
        raise _fail(name, "xml_malformed", "The XML has no root element.")
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise _fail(name, "xml_forbidden_construct", "The XML declares a document type.")
    return root


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def to_tree(root: etree._Element, name: str, limits: ParseLimits) -> roof_tree.Node:
    """The element tree as :class:`roof_tree.Node` objects, with XPath-like locators."""
    top = roof_tree.Node(tag=_local(root.tag), attrs=_attrs(root), locator=f"/{_local(root.tag)}")
    stack: list[tuple[etree._Element, roof_tree.Node, int]] = [(root, top, 1)]
    elements = 1
    while stack:
        element, node, depth = stack.pop()
        if depth > limits.max_xml_depth:
            raise _fail(
                name, "xml_too_deep", f"The XML is nested deeper than {limits.max_xml_depth}."
            )
        seen: dict[str, int] = {}
        for child in element:
            tag = _local(child.tag)
            if not tag:
                continue
            elements += 1
            if elements > limits.max_xml_elements:
                raise _fail(name, "xml_too_large", "The XML has too many elements.")
            seen[tag] = seen.get(tag, 0) + 1
            child_node = roof_tree.Node(
                tag=tag, attrs=_attrs(child), locator=f"{node.locator}/{tag}[{seen[tag]}]"
            )
            node.children.append(child_node)
            stack.append((child, child_node, depth + 1))
    return top


def _attrs(element: etree._Element) -> dict[str, str]:
    # Only a namespaced name ("{uri}name") needs splitting.
    return {
        (k if isinstance(k, str) and k[:1] != "{" else _local(k)): str(v)
        for k, v in element.attrib.items()
    }


def parse(source: Source, limits: ParseLimits) -> ParseResult:
    data = source.read_bytes()
    root = load(data, source.name, limits)
    roof_tree.check_dialect(_local(root.tag), source.name, "xml_unknown_dialect")
    tree = to_tree(root, source.name, limits)
    builder = ReportBuilder(file=source.name, method="xml")
    roof_tree.interpret(tree, builder, limits)
    report = builder.build()
    return ParseResult(report=report, files=[source.as_file()], warnings=report.quality.warnings)
