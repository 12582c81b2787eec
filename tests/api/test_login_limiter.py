"""Failed logins per client and username in a sliding minute."""

from __future__ import annotations

from slipstream.api.login_limiter import LoginLimiter


def test_failed_logins_are_rate_limited():
    now = [0.0]
    limiter = LoginLimiter(3, clock=lambda: now[0])
    for _ in range(3):
        assert limiter.retry_after("1.2.3.4", "ann") == 0
        limiter.failed("1.2.3.4", "ann")
    assert limiter.retry_after("1.2.3.4", "ann") == 61
    assert limiter.retry_after("1.2.3.5", "ann") == 0
    now[0] = 60.0
    assert limiter.retry_after("1.2.3.4", "ann") == 0
