"""What a use case can refuse, independent of HTTP (api/errors.py maps these to codes).

ServiceError
├── InvalidRequest        the request is malformed or breaks a rule (names the field)
│   └── PayloadTooLarge   the body is over the configured limit
├── AuthorizationMissing  no usable Basic credentials
├── AuthenticationFailed  wrong credentials, or a custNr the login does not belong to
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


class AuthorizationMissing(ServiceError):
    pass


class AuthenticationFailed(ServiceError):
    pass


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
