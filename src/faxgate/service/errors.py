"""What a use case can refuse, independent of HTTP (api/errors.py maps these to codes).

ServiceError
├── InvalidRequest        the request is malformed or breaks a rule (names the field)
│   ├── PayloadTooLarge   the body is over the configured limit
│   ├── BodyTimeout       the body stopped arriving
│   └── UnsupportedMediaType  a body that is not declared as JSON
├── Busy                  no room for the request now; it may be sent again later
├── AuthorizationMissing  no usable Basic credentials
├── AuthenticationFailed  wrong credentials, or a custNr the login does not belong to
├── TooManyFailures       this address or login failed too often; try again later
├── LoginsBusy            too many password checks waiting already
├── NotFound              no such report for this login
├── DuplicateJob          a job with the same customerDefinedId was accepted recently
├── WrongDataCenter       a report call made to an HA URL
└── StorageFull           the data directory's disk has no room for new work (503)
"""

from __future__ import annotations


class ServiceError(Exception):
    pass


class InvalidRequest(ServiceError):
    def __init__(self, field: str, fault: str) -> None:
        super().__init__(f"{field}: {fault}" if field else fault)
        self.field = field
        self.fault = fault


class PayloadTooLarge(InvalidRequest):
    pass


class BodyTimeout(InvalidRequest):
    pass


class UnsupportedMediaType(InvalidRequest):
    pass


class Busy(ServiceError):
    def __init__(self, message: str, retry_after_secs: int) -> None:
        super().__init__(message)
        self.retry_after_secs = retry_after_secs


class AuthorizationMissing(ServiceError):
    pass


class AuthenticationFailed(ServiceError):
    pass


class TooManyFailures(ServiceError):
    def __init__(self, retry_after_secs: int) -> None:
        super().__init__(
            f"too many failed logins from this address or for this login; "
            f"try again in {retry_after_secs} s"
        )
        self.retry_after_secs = retry_after_secs


class LoginsBusy(ServiceError):
    retry_after_secs = 1


class NotFound(ServiceError):
    pass


class FileNotReady(NotFound):
    pass


class DuplicateJob(ServiceError):
    def __init__(self, existing_job_id: str) -> None:
        super().__init__(f"a job with this customerDefinedId was accepted as {existing_job_id}")
        self.existing_job_id = existing_job_id


class WrongDataCenter(ServiceError):
    pass


class StorageFull(ServiceError):
    """str(exc) says why (free space below the minimum, the reserve released)."""
