"""docs/report.schema.json is exactly the schema of the model."""

from __future__ import annotations

import json
from pathlib import Path

from roofkit_importer.report.model import RoofReport

SCHEMA = Path(__file__).resolve().parents[3] / "docs" / "report.schema.json"


def render_schema() -> str:
    schema = RoofReport.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "roofkit.report/v1"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def test_published_report_schema_matches_the_model() -> None:
    assert SCHEMA.read_text() == render_schema(), (
        "docs/report.schema.json is stale: regenerate it with "
        "`python tests/unit/parsers/test_report_schema.py`"
    )


def test_empty_report_dumps_schema_id_under_its_public_name() -> None:
    assert RoofReport().model_dump(mode="json")["schema"] == "roofkit.report/v1"


if __name__ == "__main__":
    SCHEMA.write_text(render_schema())
