"""When to try a push or a report mail again (pure).

The delays come from ``push_backoff_secs``; past its end the last delay repeats. Retrying
stops once ``push_retry_period_secs`` have passed since the first attempt; the last retry is
pulled in to the end of the period rather than dropped, so a receiver that comes back late in
the period still gets the report.
"""

from __future__ import annotations

from faxgate.config import Settings


def next_attempt(
    attempt_no: int, first_attempt_at: float, now: float, settings: Settings
) -> float | None:
    """The time of the next attempt after ``attempt_no`` failed attempts, or None to give up.

    ``attempt_no`` counts the attempts made so far (1 after the first failure); times are unix
    seconds.
    """
    delays = settings.push_backoff_secs
    if attempt_no < 1 or not delays:
        return None
    deadline = first_attempt_at + settings.push_retry_period_secs
    if now >= deadline:
        return None
    delay = delays[min(attempt_no, len(delays)) - 1]
    return min(now + max(delay, 0.0), deadline)
