"""Choosing the carrier once at start-up, from settings."""

from __future__ import annotations

from faxgate.carriers.base import Carrier, CarrierUnavailable
from faxgate.carriers.simulator import SimulatorCarrier
from faxgate.carriers.spandsp import SpandspCarrier, spandsp_available
from faxgate.config import Settings


def _spandsp(settings: Settings) -> Carrier:
    if not spandsp_available():
        raise CarrierUnavailable("libspandsp2 is not installed (apt-get install libspandsp2)")
    return SpandspCarrier(settings)


def _virtual(settings: Settings) -> Carrier:
    """The spandsp carrier when libspandsp is present, else the simulator."""
    try:
        return _spandsp(settings)
    except CarrierUnavailable:
        return SimulatorCarrier(settings)


def _sip(settings: Settings) -> Carrier:
    from faxgate.carriers.sip.carrier import SipCarrier  # noqa: PLC0415 - only when chosen

    virtual = _spandsp(settings)  # the SIP line's media needs libspandsp as well
    try:
        return SipCarrier(settings, virtual)
    except ValueError as exc:
        raise CarrierUnavailable(str(exc)) from exc


def create_carrier(settings: Settings) -> Carrier:
    """`auto`: the spandsp carrier when libspandsp is present, else the simulator."""
    choice = settings.carrier.lower()
    if choice == "simulator":
        return SimulatorCarrier(settings)
    if choice == "spandsp":
        return _spandsp(settings)
    if choice == "sip":
        return _sip(settings)
    if choice != "auto":
        raise CarrierUnavailable(
            f"unknown carrier {settings.carrier!r} (auto|simulator|spandsp|sip)"
        )
    return _virtual(settings)


def routes(carrier: Carrier, settings: Settings) -> list[str]:
    """Where numbers go with this carrier, one line each, for the start-up banner."""
    lines = [
        "  +999… (the test plan): the virtual fax network, nothing leaves this machine",
        "  this installation's inbound numbers: received here, into Fax-In",
    ]
    if carrier.name == "sip":
        lines.append(f"  every other number: the SIP trunk at {settings.sip_proxy or 'its domain'}")
    else:
        lines.append(
            "  every other number: a virtual fax machine that answers OK; nothing leaves this "
            "machine (FAXGATE_CARRIER=sip connects a SIP trunk)"
        )
    return lines
