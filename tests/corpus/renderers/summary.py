"""Vendor-style summary attributes computed from the truth (shared by several renderers)."""

from __future__ import annotations

from typing import Any

EDGE_ATTRS = {
    "ridge": "TotalRidgesLength",
    "hip": "TotalHipsLength",
    "valley": "TotalValleysLength",
    "rake": "TotalRakesLength",
    "eave": "TotalEavesLength",
    "flashing": "TotalFlashingLength",
    "step_flashing": "TotalStepFlashingLength",
}


def pitch_text(rise: float) -> str:
    return f"{rise:g}/12" if abs(rise - round(rise)) < 1e-9 else f"{rise:.2f}/12"


def summary_attributes(truth: dict[str, Any]) -> list[tuple[str, str]]:
    attrs = [
        ("TotalRoofArea", f"{truth['total_area_sqft']:.2f}"),
        ("TotalRoofFacets", str(truth["facet_count"])),
        ("PredominantPitch", pitch_text(truth["predominant_rise"])),
    ]
    for key, name in EDGE_ATTRS.items():
        edge = truth["edges"].get(key)
        attrs.append((name, f"{edge['length_ft']:.2f}" if edge else "0"))
    for rise, area in truth["area_by_pitch"].items():
        attrs.append((f"RoofAreaPerPitch:{pitch_text(float(rise))}", f"{area:.2f}"))
    attrs.append(("SuggestedWastePercentage", "10"))
    return attrs
