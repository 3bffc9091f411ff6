import pytest

from roofkit_importer import tenancy


@pytest.mark.parametrize(
    "name",
    [
        "workspace",
        "workspace_id",
        "WorkspaceId",
        "workspaceId",
        "tenant-id",
        "TENANT_ID",
        "org_id",
        "organization_id",
        "account_id",
        "accountId",
    ],
)
def test_selector_names_in_any_spelling_are_recognised(name: str) -> None:
    assert tenancy.is_selector(name)


@pytest.mark.parametrize("name", ["file", "external_id", "format", "metadata", "limit", "cursor"])
def test_ordinary_fields_are_not_selectors(name: str) -> None:
    assert not tenancy.is_selector(name)


@pytest.mark.parametrize(
    "header", ["x-workspace-id", "X-Tenant-Id", "x-org-id", "x-account-id", "workspace"]
)
def test_selector_headers(header: str) -> None:
    assert tenancy.is_selector_header(header)


@pytest.mark.parametrize(
    "header",
    ["x-request-id", "authorization", "content-type", "idempotency-key", "x-forwarded-for"],
)
def test_ordinary_headers_are_not_selectors(header: str) -> None:
    assert not tenancy.is_selector_header(header)
