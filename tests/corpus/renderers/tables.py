"""The three spreadsheet shapes (key/value summary, facet table, edge table) as rows of text,
shared by the CSV and XLSX renderers."""

from __future__ import annotations

import math
from typing import Any

from tests.corpus.renderers.summary import pitch_text
from tests.corpus.roofs import RoofDef, facet_truth

LETTERS = {"RIDGE": "R", "HIP": "H", "VALLEY": "V", "RAKE": "K", "EAVE": "E"}
LABELS = {
    "ridge": "Ridges",
    "hip": "Hips",
    "valley": "Valleys",
    "rake": "Rakes",
    "eave": "Eaves/Starter",
    "flashing": "Flashing",
    "step_flashing": "Step flashing",
}


def feet_inches(length: float, style: int) -> str:
    feet = math.floor(length)
    inches = round((length - feet) * 12)
    if inches == 12:
        feet, inches = feet + 1, 0
    return f"{feet}'{inches}\"" if style == 0 else f"{feet}ft {inches}in"


def summary_rows(roof: RoofDef, truth: dict[str, Any], variant: int) -> list[list[Any]]:
    rows: list[list[Any]] = [
        ["Report", roof.report_id],
        ["Address", ", ".join(roof.address)],
        ["Total Roof Area", f"{truth['total_area_sqft']:,.2f} sq ft"],
        ["Total Roof Facets", truth["facet_count"]],
        ["Predominant Pitch", pitch_text(truth["predominant_rise"])],
    ]
    for key, label in LABELS.items():
        edge = truth["edges"].get(key)
        if edge:
            rows.append([label, feet_inches(edge["length_ft"], variant % 2)])
    for rise, area in truth["area_by_pitch"].items():
        rows.append([f"Roof Area per Pitch {pitch_text(float(rise))}", f"{area:.2f}"])
    return rows


def facet_rows(roof: RoofDef, variant: int) -> list[list[Any]]:
    multi = len(roof.structures) > 1
    header = (["Structure"] if multi else []) + ["Facet", "Type", "Pitch", "Area (sq ft)"]
    rows: list[list[Any]] = [header]
    for structure in roof.structures:
        for facet in structure.facets:
            truth = facet_truth(structure, facet)
            if variant % 3 == 2:
                pitch = f"{math.degrees(math.atan2(truth['rise'], 12)):.3f}°"
            elif variant % 3 == 1:
                pitch = f"{truth['rise']:.3f}:12"
            else:
                pitch = f"{truth['rise']:.3f}/12"
            kind = "Roof" if facet.kind == "roof" else "Skylight"
            rows.append(
                ([structure.id] if multi else []) + [facet.id, kind, pitch, round(truth["area"], 3)]
            )
    return rows


def edge_rows(roof: RoofDef, variant: int) -> list[list[Any]]:
    multi = len(roof.structures) > 1
    rows: list[list[Any]] = [(["Building"] if multi else []) + ["Edge", "Type", "Length"]]
    for structure in roof.structures:
        hole_edges = {
            e for f in structure.facets if f.kind != "roof" for e in structure.edge_ids_of(f)
        }
        for eid, (a, b, kind) in structure.edges.items():
            if eid in hole_edges:
                continue
            length = math.dist(structure.points[a], structure.points[b])
            word = LETTERS.get(kind, kind) if variant % 2 else kind.title()
            text = feet_inches(length, variant % 2) if variant % 3 else f"{length:.3f}"
            rows.append(([structure.id] if multi else []) + [eid, word, text])
    return rows
