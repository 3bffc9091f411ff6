"""Drift repair: what changed behind the operator's back converges back to the resources, on
the operator's start (resume) and on its timer. See docs/operator.md, "Drift"."""

from __future__ import annotations

from tests.integration.operator.cluster import (
    Database,
    Kube,
    Partner,
    apikey,
    unique,
    wait_for,
    workspace,
)
from tests.integration.operator.conftest import RECONCILE_INTERVAL_S, Operator


def test_changes_made_while_the_operator_was_stopped_converge_when_it_starts(
    kube: Kube, partner: Partner, database: Database, operator: Operator
) -> None:
    ws, ws_suspend = unique("ws"), unique("ws")
    row_removed, row_altered, secret_lost, edited, created = (unique(p) for p in "abcde")
    kube.apply(
        workspace(ws),
        workspace(ws_suspend),
        apikey(row_removed, ws),
        apikey(row_altered, ws),
        apikey(secret_lost, ws),
        apikey(edited, ws_suspend),
    )
    keys = {
        name: wait_for(lambda n=name: kube.key(f"{n}-api-key"), timeout=10, what=f"key {name}")
        for name in (row_removed, row_altered, secret_lost, edited)
    }
    for name, key in keys.items():
        wait_for(lambda k=key: partner.probe(k)[0] == 200, timeout=5, what=f"{name} accepted")
    old_key_id = database.key_row(kube.namespace, secret_lost)["id"]  # type: ignore[index]

    operator.stop()
    try:
        database.execute(
            "delete from api_keys where namespace = %s and name = %s", kube.namespace, row_removed
        )
        database.execute(
            "update api_keys set state = 'revoked', scopes = '{reports.read}' "
            "where namespace = %s and name = %s",
            kube.namespace,
            row_altered,
        )
        kube.delete_secret(f"{secret_lost}-api-key")
        kube.patch_spec("apikeys", edited, {"revoked": True})
        kube.patch_spec("workspaces", ws_suspend, {"state": "Suspended"})
        kube.apply(apikey(created, ws))
        # Nothing reconciles while the operator is down.
        assert kube.secret(f"{created}-api-key") is None
    finally:
        operator.start()

    # A removed row is restored from the Secret: the same key works again, same scopes.
    wait_for(
        lambda: partner.probe(keys[row_removed])[0] == 200, timeout=5, what="removed row restored"
    )

    # A row altered by hand is put back to the spec. (Auth may still answer from its cache until
    # the repair is announced, so the row itself is what is waited for.)
    def restored() -> bool:
        row = database.key_row(kube.namespace, row_altered)
        return row is not None and (row["state"], sorted(row["scopes"])) == (
            "active",
            ["reports.read", "reports.write"],
        )

    wait_for(restored, timeout=5, what="altered row restored")
    wait_for(
        lambda: partner.import_report(keys[row_altered]).status_code == 201,
        timeout=5,
        what="altered key imports",
    )
    # A lost Secret means a new key in a new Secret; the old key stops working.
    new_key = wait_for(
        lambda: kube.key(f"{secret_lost}-api-key"), timeout=5, what="a new key after loss"
    )
    assert new_key != keys[secret_lost]
    wait_for(lambda: partner.probe(new_key)[0] == 200, timeout=5, what="new key accepted")
    assert partner.probe(keys[secret_lost]) == (401, "api_key_unknown")
    assert database.key_row(kube.namespace, secret_lost)["id"] == old_key_id  # type: ignore[index]
    # Edits of the resources made meanwhile take effect.
    wait_for(
        lambda: partner.probe(keys[edited]) == (401, "api_key_revoked"),
        timeout=5,
        what="revoked while down",
    )
    ready = wait_for(lambda: kube.ready("workspaces", ws_suspend), timeout=5, what="ws status")
    assert ready["reason"] == "Suspended"
    # A resource created meanwhile gets its key.
    created_key = wait_for(
        lambda: kube.key(f"{created}-api-key"), timeout=5, what="key of a resource made meanwhile"
    )
    wait_for(lambda: partner.probe(created_key)[0] == 200, timeout=5, what="created accepted")


def test_the_timer_restores_a_row_removed_while_the_operator_runs(
    kube: Kube, partner: Partner, database: Database
) -> None:
    ws, name = unique("ws"), unique("key")
    kube.apply(workspace(ws), apikey(name, ws))
    key = wait_for(lambda: kube.key(f"{name}-api-key"), timeout=10, what="the key")
    wait_for(lambda: partner.probe(key)[0] == 200, timeout=5, what="key accepted")

    database.execute(
        "delete from api_keys where namespace = %s and name = %s", kube.namespace, name
    )
    database.execute(
        "update workspaces set imports_per_minute = 1 where namespace = %s and name = %s",
        kube.namespace,
        ws,
    )
    wait_for(
        lambda: database.key_row(kube.namespace, name),
        timeout=RECONCILE_INTERVAL_S * 2 + 2,
        what="row restored by the timer",
    )
    wait_for(lambda: partner.probe(key)[0] == 200, timeout=5, what="key accepted again")
    wait_for(
        lambda: database.execute(
            "select 1 from workspaces where namespace = %s and name = %s "
            "and imports_per_minute = 60",
            kube.namespace,
            ws,
        ),
        timeout=RECONCILE_INTERVAL_S * 2 + 2,
        what="workspace limits restored by the timer",
    )
