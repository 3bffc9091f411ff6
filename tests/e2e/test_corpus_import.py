"""Every generated sample, in every format, imported through the HTTP endpoint and compared with
its exact truth (report-model.md tolerances). The stored report validates against the published
schema of roofkit.report/v1."""

from __future__ import annotations

import uuid

import httpx
import pytest

from roofkit_cli.devstack import DevStack
from roofkit_importer.report.model import RoofReport
from tests.corpus.compare import compare, tally
from tests.corpus.generate import CorpusItem
from tests.corpus.renderers import dxf_drawings, pdf_reports, renderers, zip_packages
from tests.corpus.roofs import all_roofs, roof_truth
from tests.e2e.helpers import new_key


def _corpus() -> list[CorpusItem]:
    items = []
    for roof in all_roofs():
        truth = roof_truth(roof)
        for render in [*renderers(), pdf_reports.render, dxf_drawings.render, zip_packages.render]:
            items.extend(CorpusItem(roof.name, sample, truth) for sample in render(roof, truth))
    return items


CORPUS = _corpus()


@pytest.fixture(scope="module")
def corpus_key(stack: DevStack) -> str:
    token, _, _ = new_key(stack, importsPerMinute=100000, readsPerMinute=100000)
    return token


@pytest.mark.parametrize("item", CORPUS, ids=[item.sample.name for item in CORPUS])
def test_generated_sample_imports_over_http_to_its_truth(
    item: CorpusItem, client: httpx.Client, corpus_key: str
) -> None:
    response = client.post(
        "/api/v1/reports/import",
        headers={"Authorization": f"Bearer {corpus_key}", "Idempotency-Key": str(uuid.uuid4())},
        files={"file": (item.sample.name, item.sample.data)},
        data={"format": "zip" if item.sample.format == "zip" else item.sample.format},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    report = RoofReport.model_validate(body["report"])
    compared, wrong = compare(report, item.truth, item.sample.expects)
    tally(f"http {item.sample.format}", compared, compared - len(wrong))
    assert compared > 0
    assert wrong == []
    assert body["source"]["files"][0]["name"] == item.sample.name
    stored = client.get(
        response.headers["Location"], headers={"Authorization": f"Bearer {corpus_key}"}
    )
    assert RoofReport.model_validate(stored.json()["report"]) == report
