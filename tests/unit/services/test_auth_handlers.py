from roofkit_auth import handlers
from roofkit_events import apikeys
from roofkit_events.auth.v1 import auth_pb2
from roofkit_events.common.v1 import error_code_pb2 as codes
from tests.unit.services.test_verifier import FakeStore, make, record


def _ok_count() -> float:
    return handlers.AUTH_DECISIONS.labels(decision="ok")._value.get()  # type: ignore[attr-defined,no-any-return]


async def test_the_cached_answer_is_the_same_reply_as_the_full_path() -> None:
    store, key = FakeStore(), apikeys.generate()
    store.records[apikeys.key_hash(key)] = record(key, scopes=("reports.write", "reports.read"))
    verifier = make(store)
    now, full = handlers.verify_now(verifier), handlers.verify_handler(verifier)
    request = auth_pb2.VerifyRequest(api_key=key)
    assert now(request) is None  # not cached yet: the full path looks it up
    before = _ok_count()
    reply = await full(request)
    assert (
        reply.ok
        and reply.workspace_id == "ws_1"
        and list(reply.scopes)
        == [
            "reports.write",
            "reports.read",
        ]
    )
    cached = now(request)
    assert cached == reply.SerializeToString()
    assert now(request) == cached
    assert _ok_count() == before + 3
    assert store.lookups == 1


async def test_malformed_and_missing_keys_are_answered_at_once() -> None:
    now = handlers.verify_now(make(FakeStore()))
    malformed = now(auth_pb2.VerifyRequest(api_key="rk_live_nope"))
    missing = now(auth_pb2.VerifyRequest())
    assert isinstance(malformed, auth_pb2.VerifyReply) and not malformed.ok
    assert malformed.error == codes.ERROR_CODE_API_KEY_MALFORMED
    assert isinstance(missing, auth_pb2.VerifyReply)
    assert missing.error == codes.ERROR_CODE_API_KEY_MISSING
