"""Calls to a platform, tried again when it asks us to wait or is briefly down.

Why one place: the fetcher and the sender honour the same rules. A ``RateLimited`` waits what
the platform's headers said (bounded); a ``PlatformUnavailable`` waits 1, 2, 4... seconds. Any
other ``ConnectorError`` (a sign-in that expired, a refused request) is final at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypedDict, TypeVar

from desktop.core.connectors.base import PlatformUnavailable, RateLimited
from desktop.core.tasks import CancelToken

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    backoff_seconds: float = 1.0
    max_wait_seconds: float = 60.0
    sleep: Callable[[float], None] = time.sleep


class RunOptions(TypedDict, total=False):
    """How a fetch or a send runs (both optional): the creator's cancel, and the retry rules."""

    cancel: CancelToken | None
    policy: RetryPolicy | None


def with_retries(
    call: Callable[[], T],
    policy: RetryPolicy,
    cancel: CancelToken,
    *,
    before_retry: Callable[[], T | None] | None = None,
) -> T:
    """``call()``, tried up to ``policy.attempts`` times on rate limits and outages.

    ``before_retry`` runs before each new try; a value it returns is taken as the result
    (the sender asks the platform whether the earlier try went through after all).
    """
    for attempt in range(1, policy.attempts + 1):
        cancel.raise_if_cancelled()
        if attempt > 1 and before_retry is not None:
            found = before_retry()
            if found is not None:
                return found
        try:
            return call()
        except RateLimited as exc:
            if attempt == policy.attempts:
                raise
            wait = (
                exc.retry_after
                if exc.retry_after is not None
                else policy.backoff_seconds * 2 ** (attempt - 1)
            )
        except PlatformUnavailable:
            if attempt == policy.attempts:
                raise
            wait = policy.backoff_seconds * 2 ** (attempt - 1)
        policy.sleep(min(policy.max_wait_seconds, max(0.0, wait)))
    raise AssertionError("unreachable: the last attempt returns or raises")
