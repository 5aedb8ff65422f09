"""What happens after a failed call: dial again (which number, when) or end the recipient.

Calls that never reached a fax machine and sessions that broke off have separate budgets.
A recipient's alternative numbers are tried in turn; the back-off applies once every
number of the recipient was tried in a round.
"""

from __future__ import annotations

from dataclasses import dataclass

from faxgate.domain.statuses import FailureClass, FaxStatus, failure_class


@dataclass(frozen=True)
class RetryPolicy:
    no_connect_attempts: int  # calls in all that may fail without connecting
    mid_fax_attempts: int  # calls in all that may break off mid-fax
    backoff_secs: tuple[float, ...]  # delay before round n+1; the last value repeats


@dataclass(frozen=True)
class FailureCounts:
    no_connect: int = 0
    mid_fax: int = 0

    def after(self, cls: FailureClass) -> FailureCounts:
        if cls is FailureClass.NO_CONNECT:
            return FailureCounts(self.no_connect + 1, self.mid_fax)
        if cls is FailureClass.MID_FAX:
            return FailureCounts(self.no_connect, self.mid_fax + 1)
        return self


@dataclass(frozen=True)
class Redial:
    number_index: int  # 0 = the main number, 1.. = alternativeNumbers
    delay_secs: float
    failures: FailureCounts


@dataclass(frozen=True)
class Finish:
    status: FaxStatus
    failures: FailureCounts


def decide(
    policy: RetryPolicy,
    status: FaxStatus,
    failures: FailureCounts,
    number_index: int,
    number_count: int,
) -> Redial | Finish:
    """Decide after a call ended with `status` on number `number_index` of `number_count`."""
    cls = failure_class(status)
    counted = failures.after(cls)
    if status is FaxStatus.OK or cls is FailureClass.PERMANENT:
        return Finish(status, counted)
    budget = (
        policy.no_connect_attempts if cls is FailureClass.NO_CONNECT else policy.mid_fax_attempts
    )
    spent = counted.no_connect if cls is FailureClass.NO_CONNECT else counted.mid_fax
    if spent >= budget:
        return Finish(status, counted)
    next_index = (number_index + 1) % number_count
    if next_index != 0:
        return Redial(next_index, 0.0, counted)
    round_no = (counted.no_connect + counted.mid_fax) // number_count
    backoff = policy.backoff_secs or (0.0,)
    delay = backoff[min(round_no - 1, len(backoff) - 1)] if round_no > 0 else backoff[0]
    return Redial(0, delay, counted)
