import datetime as dt

from roofkit_ratelimit.limiter import FixedWindowLimiter


class FakeWindows:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, dt.datetime], int] = {}

    async def take(
        self, bucket: str, window_start: dt.datetime, expires_at: dt.datetime, cost: int, limit: int
    ) -> tuple[bool, int]:
        count = self.counts.get((bucket, window_start), 0)
        if cost > 0 and count + cost <= limit:
            self.counts[(bucket, window_start)] = count + cost
            return True, count + cost
        return cost == 0 and count < limit, count

    async def purge(self, before: dt.datetime) -> int:
        return 0


async def test_fixed_window_admits_exactly_the_limit_then_resets() -> None:
    now = [dt.datetime(2026, 12, 3, 15, 30, 10, tzinfo=dt.UTC)]
    limiter = FixedWindowLimiter(FakeWindows(), now=lambda: now[0])
    decisions = [await limiter.take("b", limit=3, window_s=60, cost=1) for _ in range(5)]
    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0, 0]
    assert decisions[0].reset_at == dt.datetime(2026, 12, 3, 15, 31, tzinfo=dt.UTC)
    assert decisions[-1].retry_after_s == 50
    now[0] = dt.datetime(2026, 12, 3, 15, 31, 0, tzinfo=dt.UTC)
    assert (await limiter.take("b", limit=3, window_s=60, cost=1)).allowed


async def test_peek_does_not_charge() -> None:
    now = dt.datetime(2026, 12, 3, 15, 30, tzinfo=dt.UTC)
    limiter = FixedWindowLimiter(FakeWindows(), now=lambda: now)
    for _ in range(5):
        assert (await limiter.take("b", limit=1, window_s=60, cost=0)).allowed
    assert (await limiter.take("b", limit=1, window_s=60, cost=1)).allowed
    assert not (await limiter.take("b", limit=1, window_s=60, cost=0)).allowed
