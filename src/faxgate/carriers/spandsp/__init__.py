"""A carrier that runs real T.30 sessions (spandsp, via ctypes) against a virtual network.

Importing this package does not load libspandsp: the library is loaded on the first call
that needs it, so faxgate and its tests run on machines without it.
"""

from __future__ import annotations

from faxgate.carriers.spandsp._lib import SpandspUnavailable
from faxgate.carriers.spandsp._lib import available as spandsp_available
from faxgate.carriers.spandsp.carrier import SpandspCarrier

__all__ = ["SpandspCarrier", "SpandspUnavailable", "spandsp_available"]
