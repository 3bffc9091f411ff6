import orjson

from roofkit_importer import errors, http_errors


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_every_error_class_is_in_the_table() -> None:
    assert _subclasses(errors.ApiError) | {errors.ApiError} == set(http_errors.TABLE)


def test_401_without_credentials_has_no_error_attribute() -> None:
    exc = errors.AuthenticationFailed("x", code="api_key_missing", credentials_sent=False)
    status, headers, _ = http_errors.render(exc, "req_1")
    assert status == 401
    assert headers["WWW-Authenticate"] == 'Bearer realm="roofkit"'
    exc = errors.AuthenticationFailed("x", code="api_key_revoked", credentials_sent=True)
    assert http_errors.render(exc, "r")[1]["WWW-Authenticate"] == (
        'Bearer realm="roofkit", error="invalid_token"'
    )


def test_insufficient_scope_names_the_scope() -> None:
    status, headers, body = http_errors.render(
        errors.InsufficientScope("x", scope="reports.write"), "r"
    )
    assert status == 403
    assert 'error="insufficient_scope", scope="reports.write"' in headers["WWW-Authenticate"]
    assert orjson.loads(body)["error"]["code"] == "insufficient_scope"


def test_error_body_has_the_documented_shape() -> None:
    exc = errors.IdempotencyConflict("busy", code="idempotency_key_in_progress", retry_after_s=3)
    status, headers, body = http_errors.render(exc, "req_9")
    assert (status, headers["Retry-After"]) == (409, "3")
    assert orjson.loads(body) == {
        "error": {
            "type": "idempotency_error",
            "code": "idempotency_key_in_progress",
            "message": "busy",
            "param": None,
            "request_id": "req_9",
            "details": {},
        }
    }
