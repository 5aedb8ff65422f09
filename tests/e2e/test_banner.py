"""What `faxgate serve` says at start about where numbers go."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ServerFactory

pytestmark = pytest.mark.parametrize("db_url", [None])


def test_the_banner_says_that_nothing_leaves_the_machine(faxgate_factory: ServerFactory) -> None:
    banner = faxgate_factory().stderr()
    assert "+999… (the test plan): the virtual fax network" in banner
    assert "inbound numbers: received here, into Fax-In" in banner
    assert "every other number: a virtual fax machine that answers OK; nothing leaves" in banner
