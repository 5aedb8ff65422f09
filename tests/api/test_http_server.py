"""The connection cap fits the process's open-files limit."""

from __future__ import annotations

import subprocess
import sys

import pytest

from faxgate.api.http_server import FD_RESERVE

CAP_UNDER_LIMIT = """
import resource
from faxgate.api.http_server import connection_cap
resource.setrlimit(resource.RLIMIT_NOFILE, ({soft}, {hard}))
print(connection_cap({wanted}), resource.getrlimit(resource.RLIMIT_NOFILE)[0])
"""


def _cap(soft: int, hard: int, wanted: int) -> tuple[int, int]:
    done = subprocess.run(
        [sys.executable, "-c", CAP_UNDER_LIMIT.format(soft=soft, hard=hard, wanted=wanted)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    cap, soft_after = done.stdout.splitlines()[-1].split()  # after the warning, if any
    return int(cap), int(soft_after)


@pytest.mark.parametrize(
    ("soft", "hard", "wanted", "cap", "soft_after"),
    [
        (1024, 1024, 1000, 1024 - FD_RESERVE, 1024),  # cannot be raised: the cap is lowered
        (1024, 4096, 1000, 1000, 4096),  # the soft limit is raised to the hard one
        (512, 512, 100, 100, 512),  # fits as it is
    ],
)
def test_connection_cap_fits_the_open_files_limit(
    soft: int, hard: int, wanted: int, cap: int, soft_after: int
) -> None:
    assert _cap(soft, hard, wanted) == (cap, soft_after)
