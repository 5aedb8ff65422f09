"""Choosing the carrier once at start-up, from settings."""

from __future__ import annotations

from faxgate.carriers.base import Carrier
from faxgate.carriers.simulator import SimulatorCarrier
from faxgate.carriers.spandsp import SpandspCarrier, spandsp_available
from faxgate.config import Settings


class CarrierUnavailable(RuntimeError):
    pass


def _spandsp(settings: Settings) -> Carrier:
    if not spandsp_available():
        raise CarrierUnavailable("libspandsp2 is not installed (apt-get install libspandsp2)")
    return SpandspCarrier(settings)


def create_carrier(settings: Settings) -> Carrier:
    """`auto` takes the spandsp carrier when libspandsp is present, else the simulator."""
    choice = settings.carrier.lower()
    if choice == "simulator":
        return SimulatorCarrier(settings)
    if choice == "spandsp":
        return _spandsp(settings)
    if choice != "auto":
        raise CarrierUnavailable(f"unknown carrier {settings.carrier!r} (auto|simulator|spandsp)")
    try:
        return _spandsp(settings)
    except CarrierUnavailable:
        return SimulatorCarrier(settings)
