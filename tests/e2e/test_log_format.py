"""One log format: piped, every log line of `faxgate serve` is a JSON object, uvicorn's and
httpx's records included; FAXGATE_LOG_FORMAT=console gives readable lines instead."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.documents import job
from tests.e2e.conftest import FaxgateServer, ServerFactory, run_cli
from tests.e2e.final import final_report
from tests.notify.receiver import running_receiver

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def log_lines(server: FaxgateServer) -> list[str]:
    """stderr but the start-up banner, which is for the person starting the service: from
    its "faxgate on" line to the next log record."""
    lines = server.stderr(1).splitlines()[1:]  # the first is our own separator
    start = next(i for i, line in enumerate(lines) if line.startswith("faxgate on "))
    end = next(i for i, line in enumerate(lines) if i > start and line.startswith("{"))
    return [line for line in lines[:start] + lines[end:] if line.strip()]


def test_piped_logs_are_json_lines_from_every_library(faxgate_factory: ServerFactory) -> None:
    with running_receiver() as receiver:
        server = faxgate_factory(FAXGATE_ALLOW_NETWORKS="127.0.0.0/8")
        push = {"httpStatusPush": {"targetUrl": receiver.url("/none"), "authMethod": "NONE"}}
        with server.client() as client:
            sent = client.post(server.fax_url(""), json=job("+99900", statusReportOptions=push))
            assert sent.status_code == 201, sent.text
            final_report(server, sent.json()["jobId"])
            deadline = time.monotonic() + 30
            while not receiver.received:
                assert time.monotonic() < deadline, "no push arrived"
                time.sleep(0.05)
        httpx.get(server.url + "/faxgate/v1/health", timeout=10)
    server.stop()
    lines = log_lines(server)
    assert all(line.startswith("{") for line in lines), lines  # each line a JSON object
    records = [json.loads(line) for line in lines]
    assert all({"event", "level", "timestamp"} <= set(r) for r in records), records
    loggers = {r.get("logger") for r in records}
    assert "uvicorn.error" in loggers, loggers  # uvicorn's own records, in the same format
    assert any(r["event"] == "notification" for r in records)  # the push went out (httpx)
    assert not any("HTTP Request:" in r["event"] for r in records)
    assert not any("color_message" in r for r in records)


def test_console_format_and_level_are_settings(faxgate_factory: ServerFactory) -> None:
    server = faxgate_factory(FAXGATE_LOG_FORMAT="console", FAXGATE_LOG_LEVEL="warning")
    httpx.get(server.url + "/faxgate/v1/health", timeout=10)
    server.stop()
    text = server.stderr(1)
    assert "faxgate on" in text
    assert not any(line.startswith("{") for line in text.splitlines()), text
    assert "Started server process" not in text  # an INFO record, below the level
    bad = faxgate_factory(start=False, add_account=False, FAXGATE_LOG_FORMAT="xml")
    done = run_cli("serve", *bad.store_args(), env=bad.env, timeout=30)
    assert done.returncode == 2
    assert "FAXGATE_LOG_FORMAT: 'xml' is not auto, json, console" in done.stderr
