"""Hostile ZIP packages, each with the refusal it must get (shape: tests/corpus/hostile.py).

Headers are patched in place (:func:`patch_central`, :func:`patch_local`) to make archives that
lie about their sizes or flags, since no well-behaved writer produces them.
"""

from __future__ import annotations

import io
import random
import struct
import warnings
import zipfile

from tests.corpus.hostile import BILLION_LAUGHS, Hostile
from tests.corpus.renderers import pdf_reports, zip_packages
from tests.corpus.roofs import all_roofs, roof_truth

UNREADABLE = ("report_unreadable", None)
UNSUPPORTED = ("report_unsupported", None)
OK = ("ok", None)
MALFORMED = ("report_unreadable", "zip_malformed")
REFUSED = ("report_unreadable", "zip_path_refused")
TOO_MANY = ("payload_too_large", "zip_too_many_entries")
TOO_LARGE = ("payload_too_large", "zip_expansion_too_large")
RATIO = ("payload_too_large", "zip_ratio_too_high")
DUPLICATE = ("report_unreadable", "zip_duplicate_entry")
NESTED = ("report_unsupported", "zip_nested_archive")
NOTHING = ("report_unsupported", "no_measurements")
CSV = b"Facet,Area (sq ft),Pitch\nA,500,6/12\nB,500,6/12\n"


def _records(data: bytes, signature: bytes) -> list[int]:
    found, start = [], 0
    while (i := data.find(signature, start)) != -1:
        found.append(i)
        start = i + 4
    return found


def patch_central(data: bytes, *, file_size: int | None = None, flags: int | None = None) -> bytes:
    out = bytearray(data)
    for i in _records(data, b"PK\x01\x02"):
        if file_size is not None:
            struct.pack_into("<I", out, i + 24, file_size)
        if flags is not None:
            struct.pack_into("<H", out, i + 8, flags)
    return bytes(out)


def patch_local(data: bytes, *, file_size: int | None = None, flags: int | None = None) -> bytes:
    out = bytearray(data)
    for i in _records(data, b"PK\x03\x04"):
        if file_size is not None:
            struct.pack_into("<I", out, i + 22, file_size)
        if flags is not None:
            struct.pack_into("<H", out, i + 6, flags)
    return bytes(out)


def single(name: str, data: bytes, *, symlink: bool = False, stored: bool = False) -> bytes:
    buffer = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buffer, "w", method) as archive:
        info = zipfile.ZipInfo(name)
        info.compress_type = method
        if symlink:
            info.external_attr = 0o120777 << 16
        archive.writestr(info, data)
    return buffer.getvalue()


def nested(depth: int) -> bytes:
    data = single("report.csv", CSV)
    for level in range(depth):
        data = single(f"level{level}.zip", data)
    return data


def overlapping() -> bytes:
    """Two central-directory records pointing at the same local file."""
    data = single("a.csv", CSV)
    cd = data.index(b"PK\x01\x02")
    eocd = data.index(b"PK\x05\x06")
    record = data[cd:eocd]
    second = record.replace(b"a.csv", b"b.csv")
    end = bytearray(data[eocd:])
    struct.pack_into("<HH", end, 8, 2, 2)
    struct.pack_into("<I", end, 12, len(record) * 2)
    return data[:cd] + record + second + bytes(end)


def same_name() -> bytes:
    """Two entries named ``a.csv`` with different roofs: tools disagree on which one is the file."""
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore", UserWarning)
        archive.writestr(zipfile.ZipInfo("a.csv"), CSV)
        archive.writestr(zipfile.ZipInfo("a.csv"), CSV.replace(b"500", b"900"))
    return buffer.getvalue()


def _flip(data: bytes, seed: int, flips: int = 8) -> bytes:
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(flips):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def hostile_inputs() -> list[Hostile]:
    e = frozenset
    roof = all_roofs()[0]
    truth = roof_truth(roof)
    # XML + CSV only: byte-for-byte reproducible (DXF writers stamp times and GUIDs).
    package = zip_packages.render(roof, truth)[2].data
    pdf = pdf_reports.eagleview(roof, truth)
    xlsx_bomb = zip_packages.zip_bytes(
        {
            "[Content_Types].xml": b"<x/>",
            "xl/workbook.xml": b"<x/>",
            "xl/worksheets/sheet1.xml": b" " * (200 * 1024 * 1024),
        }
    )
    cases = [
        Hostile(
            "wide.zip",
            zip_packages.zip_bytes({f"f{i}.csv": CSV for i in range(300)}),
            e({TOO_MANY}),
        ),
        Hostile("nested-1.zip", nested(1), e({NESTED})),
        Hostile("nested-deep.zip", nested(12), e({NESTED})),
        Hostile("ratio-bomb.zip", single("zeros.csv", bytes(64 * 1024 * 1024)), e({RATIO})),
        Hostile(
            "declared-huge-entry.zip",
            patch_central(single("a.csv", CSV), file_size=2**31),
            e({TOO_LARGE}),
        ),
        Hostile(
            "declared-huge-total.zip",
            patch_central(
                zip_packages.zip_bytes({f"{i}.csv": CSV for i in range(3)}),
                file_size=100 * 1024 * 1024,
            ),
            e({TOO_LARGE, RATIO}),
        ),
        Hostile(
            "size-lie.zip",
            patch_local(patch_central(single("a.csv", CSV * 50), file_size=60), file_size=60),
            e({MALFORMED}),
        ),
        Hostile("overlapping-entries.zip", overlapping(), e({OK, MALFORMED})),
        Hostile("same-name-entries.zip", same_name(), e({DUPLICATE})),
        Hostile(
            "encrypted-entry.zip",
            patch_local(patch_central(single("a.csv", CSV), flags=1), flags=1),
            e({MALFORMED}),
        ),
        Hostile(
            "xlsx-bomb-inside.zip",
            zip_packages.zip_bytes({"book.xlsx": xlsx_bomb}),
            e({("payload_too_large", "xlsx_expansion_too_large"), RATIO, TOO_LARGE}),
        ),
        Hostile(
            "billion-laughs-inside.zip",
            zip_packages.zip_bytes({"m.xml": BILLION_LAUGHS}),
            e({("report_unreadable", "xml_forbidden_construct")}),
        ),
        Hostile(
            "only-junk.zip",
            zip_packages.zip_bytes(
                {"__MACOSX/._a.csv": zip_packages.APPLE_DOUBLE, ".DS_Store": zip_packages.DS_STORE}
            ),
            e({NOTHING}),
        ),
        Hostile(
            "directories-only.zip", zip_packages.zip_bytes({"a/": b"", "a/b/": b""}), e({NOTHING})
        ),
        Hostile(
            "empty-archive.zip",
            b"PK\x05\x06" + bytes(18),
            e({("report_unsupported", "unknown_format")}),
        ),
        Hostile("long-name.zip", single("n" * 5000 + ".csv", CSV), e({OK, NOTHING})),
        Hostile("pdf-polyglot.zip", single("a.pdf", pdf, stored=True), e({OK, UNREADABLE})),
        Hostile("zip-magic-then-text.zip", b"PK\x03\x04" + CSV * 10, e({MALFORMED})),
    ]
    traversal = (
        "../evil.csv",
        "a/../../evil.csv",
        "/etc/evil.csv",
        "C:\\evil.csv",
        "..\\..\\evil.csv",
    )
    for number, name in enumerate(traversal, start=1):
        cases.append(Hostile(f"path-refused-{number}.zip", single(name, CSV), e({REFUSED})))
    cases.append(
        Hostile("symlink.zip", single("link.csv", b"/etc/passwd", symlink=True), e({REFUSED}))
    )
    for fraction in (0.2, 0.5, 0.9):
        cases.append(
            Hostile(
                f"truncated-{int(fraction * 100)}.zip",
                package[: int(len(package) * fraction)],
                e({UNREADABLE, UNSUPPORTED, OK}),
            )
        )
    for seed in range(4):
        cases.append(
            Hostile(
                f"flipped-{seed}.zip",
                _flip(package, seed),
                e({UNREADABLE, UNSUPPORTED, OK, ("payload_too_large", None)}),
            )
        )
    return cases
