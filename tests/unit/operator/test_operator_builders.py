"""The pure builders: the key's Secret, statuses and conditions, without a cluster."""

from __future__ import annotations

import base64
import datetime as dt

from roofkit_events import apikeys
from roofkit_operator import builders

NOW = dt.datetime(2026, 12, 3, 15, 31, 0, 123456, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(minutes=5)
OWNER = builders.Owner(name="acme-ci", uid="3f1c0e6a-uid")


def _secret(key: str) -> dict[str, object]:
    return builders.secret_body(
        namespace="partners",
        name="acme-ci-api-key",
        owner=OWNER,
        workspace="acme-roofing",
        key=key,
        key_id="key_abc",
    )


def test_secret_body_holds_the_key_with_type_labels_and_a_controlling_owner_reference() -> None:
    key = apikeys.generate()
    body = _secret(key)
    assert body["type"] == "roofkit.io/api-key"
    meta = body["metadata"]
    assert isinstance(meta, dict)
    assert meta["labels"] == {
        "app.kubernetes.io/managed-by": "roofkit-operator",
        "app.kubernetes.io/part-of": "roofkit",
        "roofkit.io/apikey": "acme-ci",
        "roofkit.io/workspace": "acme-roofing",
    }
    assert meta["ownerReferences"] == [
        {
            "apiVersion": "roofkit.io/v1alpha1",
            "kind": "ApiKey",
            "name": "acme-ci",
            "uid": "3f1c0e6a-uid",
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert meta["annotations"] == {
        "roofkit.io/key-id": "key_abc",
        "roofkit.io/key-prefix": key[:12],
    }
    assert "resourceVersion" not in meta
    assert base64.b64decode(body["data"]["api-key"]).decode() == key  # type: ignore[index]


def test_the_key_appears_only_in_the_secret_data() -> None:
    key = apikeys.generate()
    body = _secret(key)
    without_data = {k: v for k, v in body.items() if k != "data"}
    assert key not in str(without_data)


def test_secret_body_carries_the_resource_version_for_a_replace() -> None:
    body = builders.secret_body(
        namespace="p",
        name="s",
        owner=OWNER,
        workspace="w",
        key=apikeys.generate(),
        key_id="key_x",
        resource_version="42",
    )
    assert body["metadata"]["resourceVersion"] == "42"


def test_a_secret_is_owned_only_with_the_roofkit_type_and_a_controller_reference_to_the_key() -> (
    None
):
    body = _secret(apikeys.generate())
    assert builders.owned_by(body, OWNER.uid)
    assert not builders.owned_by(body, "another-uid")
    assert not builders.owned_by({**body, "type": "Opaque"}, OWNER.uid)
    foreign = {"type": "Opaque", "metadata": {"name": "acme-ci-api-key"}, "data": {}}
    assert not builders.owned_by(foreign, OWNER.uid)
    not_controller = {
        **body,
        "metadata": {"ownerReferences": [{**OWNER.reference(), "controller": False}]},
    }
    assert not builders.owned_by(not_controller, OWNER.uid)


def test_key_in_returns_only_a_well_formed_key() -> None:
    key = apikeys.generate()
    assert builders.key_in(_secret(key)) == key
    garbled = {"data": {"api-key": base64.b64encode(b"rk_live_not-a-key").decode()}}
    assert builders.key_in(garbled) is None
    assert builders.key_in({"data": {"api-key": "%%%not base64%%%"}}) is None
    assert builders.key_in({"data": {}}) is None
    assert builders.key_in({}) is None


def test_rfc3339_is_utc_with_second_precision() -> None:
    east = dt.timezone(dt.timedelta(hours=2))
    assert builders.rfc3339(NOW) == "2026-12-03T15:31:00Z"
    assert builders.rfc3339(NOW.astimezone(east)) == "2026-12-03T15:31:00Z"


def test_a_condition_keeps_its_transition_time_while_its_status_stays() -> None:
    first = builders.condition(status=True, reason="Active", message="ok", generation=1, now=NOW)
    assert first == {
        "type": "Ready",
        "status": "True",
        "reason": "Active",
        "message": "ok",
        "observedGeneration": 1,
        "lastTransitionTime": "2026-12-03T15:31:00Z",
    }
    same = builders.condition(
        status=True, reason="Active", message="ok", generation=2, now=LATER, previous=[first]
    )
    assert same["lastTransitionTime"] == "2026-12-03T15:31:00Z"
    assert same["observedGeneration"] == 2
    flipped = builders.condition(
        status=False, reason="Revoked", message="no", generation=3, now=LATER, previous=[same]
    )
    assert flipped["lastTransitionTime"] == "2026-12-03T15:36:00Z"


def test_with_condition_replaces_the_same_type_in_place_and_keeps_others() -> None:
    other = {"type": "Other", "status": "True"}
    ready = {"type": "Ready", "status": "False"}
    new = {"type": "Ready", "status": "True"}
    assert builders.with_condition([ready, other], new) == [new, other]
    assert builders.with_condition([other], new) == [other, new]


def test_workspace_status_reports_id_generation_and_ready_reason() -> None:
    status = builders.workspace_status(workspace_id="ws_1", suspended=False, generation=4, now=NOW)
    assert status["workspaceId"] == "ws_1"
    assert status["observedGeneration"] == 4
    (ready,) = status["conditions"]
    assert (ready["status"], ready["reason"], ready["observedGeneration"]) == ("True", "Active", 4)
    suspended = builders.workspace_status(
        workspace_id="ws_1", suspended=True, generation=5, now=LATER, previous_status=status
    )
    (ready,) = suspended["conditions"]
    assert ready["reason"] == "Suspended"
    assert "workspace_inactive" in ready["message"]
    assert ready["lastTransitionTime"] == "2026-12-03T15:31:00Z"  # still True


def _apikey_status(**overrides: object) -> dict[str, object]:
    args: dict[str, object] = {
        "key_id": "key_1",
        "prefix": "rk_live_AbCd",
        "secret_name": "acme-ci-api-key",
        "revoked": False,
        "expires_at": None,
        "last_used_at": None,
        "generation": 2,
        "now": NOW,
    }
    args.update(overrides)
    return builders.apikey_status(**args)  # type: ignore[arg-type]


def test_apikey_status_is_ready_for_an_active_key() -> None:
    status = _apikey_status()
    assert {k: status[k] for k in ("keyId", "prefix", "secretName", "observedGeneration")} == {
        "keyId": "key_1",
        "prefix": "rk_live_AbCd",
        "secretName": "acme-ci-api-key",
        "observedGeneration": 2,
    }
    assert "lastUsedAt" not in status
    (ready,) = status["conditions"]  # type: ignore[misc]
    assert (ready["status"], ready["reason"]) == ("True", "Active")


def test_apikey_status_says_revoked_and_expired_keys_are_not_ready() -> None:
    (revoked,) = _apikey_status(revoked=True)["conditions"]  # type: ignore[misc]
    assert (revoked["status"], revoked["reason"]) == ("False", "Revoked")
    assert "api_key_revoked" in revoked["message"]
    (expired,) = _apikey_status(expires_at=NOW - dt.timedelta(seconds=1))["conditions"]  # type: ignore[misc]
    assert (expired["status"], expired["reason"]) == ("False", "Expired")
    assert "api_key_expired" in expired["message"]
    (future,) = _apikey_status(expires_at=LATER)["conditions"]  # type: ignore[misc]
    assert future["status"] == "True"


def test_apikey_status_mirrors_last_use() -> None:
    assert _apikey_status(last_used_at=NOW)["lastUsedAt"] == "2026-12-03T15:31:00Z"


def test_failed_status_keeps_other_fields_and_says_why() -> None:
    previous = _apikey_status()
    status = builders.failed_status(
        reason="SecretNotOwned",
        message="Secret x exists",
        generation=3,
        now=LATER,
        previous_status=previous,
    )
    assert set(status) == {"observedGeneration", "conditions"}
    (ready,) = status["conditions"]
    assert (ready["status"], ready["reason"], ready["observedGeneration"]) == (
        "False",
        "SecretNotOwned",
        3,
    )
    assert ready["lastTransitionTime"] == "2026-12-03T15:36:00Z"


def test_last_used_patch_only_when_the_database_shows_a_newer_use() -> None:
    assert builders.last_used_patch(None, {}) is None
    assert builders.last_used_patch(NOW, {}) == {"lastUsedAt": "2026-12-03T15:31:00Z"}
    assert builders.last_used_patch(NOW, {"lastUsedAt": "2026-12-03T15:31:00Z"}) is None
