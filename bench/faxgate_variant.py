"""`faxgate serve` with parts of the intake path switched off, for bench/intake_layers.py.

Only for measuring what each part costs; never a way to run faxgate. The parts:

- `store`: the job is not committed (the writer returns at once);
- `pdfcheck`: the submitted PDF is not opened at submit time;
- `logs`: no log lines are written.

    .venv/bin/python -m bench.faxgate_variant --without store,pdfcheck -- serve --port 8080 ...
"""

from __future__ import annotations

import logging
import sys

import structlog

from faxgate import logs
from faxgate.cli import main as cli_main
from faxgate.service import intake, submit
from faxgate.store.jobs import NewJob

PARTS = ("store", "pdfcheck", "logs")


async def _store_nothing(_self: intake.JobWriter, _job: NewJob) -> None:
    return None


def _no_check(*_args: object) -> None:
    return None


_configure_logs = logs.configure


def _configure_without_logs(level: str = "INFO") -> None:
    _configure_logs(level)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))


def switch_off(parts: set[str]) -> None:
    unknown = parts - set(PARTS)
    if unknown:
        raise SystemExit(f"unknown parts {sorted(unknown)}; known: {', '.join(PARTS)}")
    # setattr: these replace module attributes that the running code looks up by name.
    if "store" in parts:
        setattr(intake.JobWriter, "store", _store_nothing)  # noqa: B010
    if "pdfcheck" in parts:
        setattr(submit, "precheck_document", _no_check)  # noqa: B010
    if "logs" in parts:
        setattr(logs, "configure", _configure_without_logs)  # noqa: B010


def main() -> None:
    args = sys.argv[1:]
    if len(args) < 3 or args[0] != "--without" or args[2] != "--":
        raise SystemExit("usage: python -m bench.faxgate_variant --without PART,... -- serve ...")
    switch_off({part for part in args[1].split(",") if part})
    sys.argv = ["faxgate", *args[3:]]
    cli_main.main()


if __name__ == "__main__":
    main()
