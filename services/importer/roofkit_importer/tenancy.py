"""Tenant selectors: names that would let a caller pick a workspace. The key alone decides.

They are refused wherever they appear — form field, query parameter or header — in any case,
with ``-`` or ``_``, or camelCase: ``workspace_id``, ``workspaceId``, ``X-Workspace-Id``,
``Tenant-ID`` …
"""

from __future__ import annotations

import re

_SELECTORS = frozenset(
    {
        "workspace",
        "workspaceid",
        "tenant",
        "tenantid",
        "organization",
        "organizationid",
        "organisation",
        "organisationid",
        "org",
        "orgid",
        "account",
        "accountid",
    }
)
_SEPARATORS = re.compile(r"[-_.\s]")


def _normalize(name: str) -> str:
    return _SEPARATORS.sub("", name).lower()


def is_selector(name: str) -> bool:
    """True for a form field or query parameter that names a tenant."""
    return _normalize(name) in _SELECTORS


def is_selector_header(name: str) -> bool:
    """True for a header that names a tenant (``X-Workspace-Id``, ``Tenant-Id`` …)."""
    normalized = _normalize(name)
    if normalized.startswith("x"):
        stripped = normalized[1:]
        if stripped in _SELECTORS or stripped.removeprefix("roofkit") in _SELECTORS:
            return True
    return normalized in _SELECTORS
