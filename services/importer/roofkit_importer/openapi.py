"""The OpenAPI description of the Partner API, as the published page states it.

The import operation is described by hand (its body is streamed, not declared through FastAPI
parameters): both required headers, the multipart ``ReportImportForm``, every response with its
documented headers. ``docs/openapi.json`` is a copy kept current by a test.
"""

from __future__ import annotations

from typing import Any

_RATE_HEADERS: dict[str, Any] = {
    "X-RateLimit-Limit": {
        "description": "Maximum requests allowed in the current window.",
        "schema": {"type": "integer"},
    },
    "X-RateLimit-Remaining": {
        "description": "Requests remaining in the current window.",
        "schema": {"type": "integer"},
    },
    "X-RateLimit-Reset": {
        "description": "ISO timestamp when the current rate-limit window resets.",
        "schema": {"type": "string", "format": "date-time"},
    },
}
_REQUEST_ID: dict[str, Any] = {
    "X-Request-Id": {
        "description": "The request's id (echoed when the client sent a well-formed one).",
        "schema": {"type": "string"},
    }
}
_RETRY_AFTER: dict[str, Any] = {
    "Retry-After": {
        "description": "Seconds until the caller should retry.",
        "schema": {"type": "integer"},
    }
}
_WWW_AUTHENTICATE: dict[str, Any] = {
    "WWW-Authenticate": {
        "description": "Documented response header",
        "schema": {"type": "string"},
    }
}


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {**_REQUEST_ID, **(headers or {})},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }


_INVALID = "Request payload, query, or required header is invalid."
_SERVER = "Internal authentication or server error."

IMPORT_OPENAPI: dict[str, Any] = {
    "security": [{"ApiKey": ["reports.write"]}],
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": True,
            "schema": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[\\x21-\\x7E]+$",
            },
            "description": "1-255 visible ASCII characters; a UUID is recommended.",
        },
        {
            "name": "Content-Length",
            "in": "header",
            "required": True,
            "schema": {"type": "integer", "minimum": 0},
            "description": (
                "Required for multipart report imports before request parsing. Most HTTP "
                "clients compute this automatically for multipart form uploads."
            ),
        },
    ],
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"$ref": "#/components/schemas/ReportImportForm"},
                "encoding": {"file": {"contentType": "application/octet-stream"}},
            }
        },
    },
    "responses": {
        "201": {
            "description": "Report imported.",
            "headers": {
                **_RATE_HEADERS,
                "Idempotency-Replayed": {
                    "description": (
                        "Present and true when a stored successful write response was replayed."
                    ),
                    "schema": {"type": "string", "enum": ["true"]},
                },
                "Location": {
                    "description": "The imported report's URL.",
                    "schema": {"type": "string"},
                },
                **_REQUEST_ID,
            },
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/ReportImportResponse"}
                }
            },
            "links": {
                "GetReport": {
                    "operationId": "getReport",
                    "parameters": {"report_id": "$response.body#/id"},
                    "description": "The imported report, as `GET /api/v1/reports/{id}` returns it.",
                }
            },
        },
        "400": _error(_INVALID),
        "401": _error(
            "Missing, malformed, revoked, deleted, or unknown API key.", _WWW_AUTHENTICATE
        ),
        "403": _error("API key lacks the required scope or the workspace is not active."),
        "409": _error(
            "Request conflicts with idempotency or external event identity.", _RETRY_AFTER
        ),
        "411": _error(_INVALID),
        "413": _error(_INVALID),
        "429": _error(
            "Rate limit exceeded for this key and endpoint or invalid-auth bucket.",
            {**_RATE_HEADERS, **_RETRY_AFTER},
        ),
        "500": _error(_SERVER),
        "503": _error(_SERVER, _RETRY_AFTER),
    },
}

_READ_RESPONSES: dict[str, Any] = {
    "400": _error(_INVALID),
    "401": _error("Missing, malformed, revoked, deleted, or unknown API key.", _WWW_AUTHENTICATE),
    "403": _error("API key lacks the required scope or the workspace is not active."),
    "429": _error(
        "Rate limit exceeded for this key and endpoint or invalid-auth bucket.",
        {**_RATE_HEADERS, **_RETRY_AFTER},
    ),
    "500": _error(_SERVER),
    "503": _error(_SERVER, _RETRY_AFTER),
}

GET_OPENAPI: dict[str, Any] = {
    "security": [{"ApiKey": ["reports.read"]}],
    "responses": {
        "200": {
            "description": "The report.",
            "headers": {**_RATE_HEADERS, **_REQUEST_ID},
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/ReportImportResponse"}
                }
            },
        },
        "404": _error("No report with this id in the key's workspace."),
        **_READ_RESPONSES,
    },
}

LIST_OPENAPI: dict[str, Any] = {
    "security": [{"ApiKey": ["reports.read"]}],
    "parameters": [
        {
            "name": "external_id",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"},
        },
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
        },
        {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}},
    ],
    "responses": {
        "200": {
            "description": "A page of reports, newest first.",
            "headers": {**_RATE_HEADERS, **_REQUEST_ID},
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ReportList"}}
            },
        },
        **_READ_RESPONSES,
    },
}

_SOURCE_FILE: dict[str, Any] = {
    "type": "object",
    "required": ["name", "format", "media_type", "size_bytes", "sha256", "role", "status"],
    "properties": {
        "name": {"type": "string"},
        "format": {"type": "string"},
        "media_type": {"type": "string"},
        "size_bytes": {"type": "integer", "minimum": 0},
        "sha256": {"type": "string"},
        "role": {"type": "string"},
        "status": {"type": "string"},
    },
}

COMPONENTS: dict[str, Any] = {
    "securitySchemes": {
        "ApiKey": {
            "type": "http",
            "scheme": "bearer",
            "description": "A RoofKit API key: `Authorization: Bearer rk_live_…`.",
        }
    },
    "schemas": {
        "ReportImportForm": {
            "type": "object",
            "required": ["file"],
            "additionalProperties": False,
            "properties": {
                "file": {
                    "type": "string",
                    "format": "binary",
                    "description": (
                        "The report file or ZIP package; its format is detected from content."
                    ),
                },
                "external_id": {
                    "type": "string",
                    "pattern": "^[A-Za-z0-9._:-]{1,128}$",
                    "description": "Your own id for this report, unique per workspace.",
                },
                "format": {
                    "type": "string",
                    "enum": ["pdf", "xml", "json", "csv", "xlsx", "dxf", "zip"],
                    "description": "A hint; refused with format_mismatch if the content disagrees.",
                },
                "metadata": {
                    "type": "string",
                    "maxLength": 16384,
                    "description": "A JSON object (at most 16 KiB), stored and returned as given.",
                },
            },
        },
        "ReportImportResponse": {
            "type": "object",
            "required": [
                "id",
                "object",
                "workspace_id",
                "status",
                "created_at",
                "source",
                "report",
                "warnings",
                "metadata",
            ],
            "properties": {
                "id": {"type": "string"},
                "object": {"type": "string", "enum": ["report"]},
                "workspace_id": {"type": "string"},
                "external_id": {"type": ["string", "null"]},
                "status": {"type": "string", "enum": ["imported"]},
                "created_at": {"type": "string", "format": "date-time"},
                "source": {
                    "type": "object",
                    "required": ["kind", "files"],
                    "properties": {
                        "kind": {"type": "string", "enum": ["file", "package"]},
                        "files": {"type": "array", "items": _SOURCE_FILE},
                    },
                },
                "report": {
                    "type": "object",
                    "description": (
                        "The normalized roof report (roofkit.report/v1, docs/report.schema.json)."
                    ),
                },
                "warnings": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "file": {"type": ["string", "null"]},
                            "locator": {"type": ["string", "null"]},
                        },
                    },
                },
                "metadata": {"type": "object"},
            },
        },
        "ReportList": {
            "type": "object",
            "required": ["object", "data", "has_more", "next_cursor"],
            "properties": {
                "object": {"type": "string", "enum": ["list"]},
                "data": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/ReportImportResponse"},
                },
                "has_more": {"type": "boolean"},
                "next_cursor": {"type": ["string", "null"]},
            },
        },
        "ErrorResponse": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["type", "code", "message", "param", "request_id", "details"],
                    "properties": {
                        "type": {
                            "type": "string",
                            "enum": [
                                "invalid_request_error",
                                "authentication_error",
                                "permission_error",
                                "idempotency_error",
                                "rate_limit_error",
                                "api_error",
                            ],
                        },
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "param": {"type": ["string", "null"]},
                        "request_id": {"type": "string"},
                        "details": {"type": "object"},
                    },
                }
            },
        },
    },
}


def complete(document: dict[str, Any]) -> dict[str, Any]:
    """Add the shared components to FastAPI's generated document."""
    components = document.setdefault("components", {})
    components.setdefault("schemas", {}).update(COMPONENTS["schemas"])
    components["securitySchemes"] = COMPONENTS["securitySchemes"]
    for path in document.get("paths", {}).values():
        for operation in path.values():
            responses = operation.get("responses", {})
            responses.pop("422", None)
            if "200" in responses and "201" in responses:
                responses.pop("200")
    return document
