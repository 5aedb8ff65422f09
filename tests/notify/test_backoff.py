from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from faxgate.config import Settings
from faxgate.notify.backoff import next_attempt

SETTINGS = Settings(push_backoff_secs=(10.0, 60.0, 300.0), push_retry_period_secs=1000.0)


def test_delays_follow_the_configured_list_then_repeat_the_last() -> None:
    assert next_attempt(1, 0.0, 0.0, SETTINGS) == 10.0
    assert next_attempt(2, 0.0, 10.0, SETTINGS) == 70.0
    assert next_attempt(3, 0.0, 70.0, SETTINGS) == 370.0
    assert next_attempt(4, 0.0, 370.0, SETTINGS) == 670.0


def test_the_last_retry_is_pulled_in_to_the_end_of_the_period() -> None:
    assert next_attempt(5, 0.0, 900.0, SETTINGS) == 1000.0


def test_gives_up_after_the_period() -> None:
    assert next_attempt(6, 0.0, 1000.0, SETTINGS) is None
    assert next_attempt(2, 0.0, 5000.0, SETTINGS) is None


def test_no_delays_means_no_retry() -> None:
    assert next_attempt(1, 0.0, 0.0, Settings(push_backoff_secs=())) is None


@given(
    attempt=st.integers(min_value=1, max_value=100),
    first=st.floats(min_value=0, max_value=2e9),
    elapsed=st.floats(min_value=0, max_value=1e6),
)
def test_never_in_the_past_and_never_beyond_the_period(
    attempt: int, first: float, elapsed: float
) -> None:
    now = first + elapsed
    result = next_attempt(attempt, first, now, SETTINGS)
    if result is not None:
        assert now <= result <= first + SETTINGS.push_retry_period_secs
