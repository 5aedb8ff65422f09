"""`faxgate send`, `faxgate reports` and `faxgate jobs`: clients of the HTTP API, as an
integrator uses it."""

from __future__ import annotations

import base64
import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    import httpx


def api_options(func: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "--url",
                envvar="FAXGATE_URL",
                default="http://127.0.0.1:8080",
                show_default=True,
                help="Base URL of the service.",
            ),
            click.option(
                "--cust-nr", envvar="FAXGATE_CUST_NR", default="99999TE", show_default=True
            ),
            click.option("--login", envvar="FAXGATE_LOGIN", default="demo", show_default=True),
            click.option(
                "--password", envvar="FAXGATE_PASSWORD", required=True, help="Or FAXGATE_PASSWORD."
            ),
        ]
    ):
        func = option(func)
    return func


@contextlib.contextmanager
def _client(url: str, login: str, password: str, api: str = "/rest/v1") -> Iterator[httpx.Client]:
    """A client of the API; a service that cannot be reached is a one-line error."""
    # httpx takes a fifth of a second to import: only pay for it when a request is made.
    import httpx  # noqa: PLC0415 - see above

    base_url = url.rstrip("/") + api
    try:
        with httpx.Client(base_url=base_url, auth=(login, password), timeout=30) as client:
            yield client
    except httpx.TransportError as exc:
        raise click.ClickException(f"cannot reach faxgate at {url}: {exc}") from None


def _check(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        detail = response.text.strip() or response.reason_phrase
        raise click.ClickException(f"HTTP {response.status_code}: {detail}")
    return response.json()


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--to", "numbers", multiple=True, required=True, help="Recipient number (repeat).")
@click.option("--resolution", type=click.Choice(["HIGH", "LOW"], case_sensitive=False))
@click.option(
    "--header",
    help="Header line on every page. Codes: %Y %m %d %H %M date and time, %Z time zone, "
    "%C sender CSID, %# recipient number, %K personalisation, %P page, %T pages, "
    "%c / %r centre / right-align the rest, %n new line, %tz=Europe/Berlin; zone.",
)
@click.option("--csid", help="Sender CSID (at most 20 characters).")
@click.option(
    "--no-wait", is_flag=True, help="Print only the job ID and return at once (for scripts)."
)
@api_options
def send(
    files: tuple[Path, ...],
    numbers: tuple[str, ...],
    resolution: str | None,
    header: str | None,
    csid: str | None,
    no_wait: bool,
    url: str,
    cust_nr: str,
    login: str,
    password: str,
) -> None:
    """Send FILES as one fax job and follow it until every recipient is final."""
    job: dict[str, Any] = {
        "recipients": [{"number": n} for n in numbers],
        "documents": [
            {"name": f.name, "data": base64.b64encode(f.read_bytes()).decode()} for f in files
        ],
    }
    rendering = {k: v for k, v in {"resolution": resolution, "header": header}.items() if v}
    if rendering:
        job["renderingOptions"] = rendering
    if csid:
        job["transportOptions"] = {"csid": csid}
    with _client(url, login, password) as client:
        job_id = _check(client.post(f"/{cust_nr}/fax", json=job))["jobId"]
        if no_wait:  # JOB=$(faxgate send … --no-wait)
            click.echo(job_id)
            return
        click.echo(f"job {job_id} accepted")
        seen: dict[int, str] = {}
        while True:
            report = _check(client.get(f"/{cust_nr}/fax/reports/{job_id}"))
            for i, r in enumerate(report["recipientStatus"]):
                line = f"{r['status']} {r['reason']}"
                if seen.get(i) != line:
                    seen[i] = line
                    click.echo(f"  {r['number']}: {line}")
            if all(r["status"] != "PENDING" for r in report["recipientStatus"]):
                break
            time.sleep(0.5)
    ok = all(r["status"] == "OK" for r in report["recipientStatus"])
    click.echo(f"job {job_id}: {'OK' if ok else 'failed'}, {report['pages']} page(s)")
    if not ok:
        raise SystemExit(1)


@click.group("reports")
def reports_group() -> None:
    """Read and delete status reports through the API."""


@reports_group.command("list")
@api_options
def reports_list(url: str, cust_nr: str, login: str, password: str) -> None:
    """The oldest 1000 completed reports, one line each."""
    with _client(url, login, password) as client:
        for report in _check(client.get(f"/{cust_nr}/fax/reports"))["reports"]:
            statuses = ",".join(r["status"] for r in report["recipientStatus"])
            click.echo(f"{report['jobId']}\t{report['pages']}\t{statuses}")


@reports_group.command("get")
@click.argument("job_id")
@api_options
def reports_get(job_id: str, url: str, cust_nr: str, login: str, password: str) -> None:
    """One report as JSON (pending ones too)."""
    with _client(url, login, password) as client:
        response = client.get(f"/{cust_nr}/fax/reports/{job_id}")
        if response.status_code == 404:
            raise click.ClickException(f"no report for {job_id}")
        click.echo(json.dumps(_check(response), indent=2))


@reports_group.command("delete")
@click.argument("job_ids", nargs=-1)
@click.option("--oldest", is_flag=True, help="Delete the oldest 1000 completed reports.")
@api_options
def reports_delete(
    job_ids: tuple[str, ...], oldest: bool, url: str, cust_nr: str, login: str, password: str
) -> None:
    """Delete the given reports, or with --oldest the oldest 1000 completed ones."""
    if oldest == bool(job_ids):
        raise click.UsageError("give job IDs or --oldest, not both")
    with _client(url, login, password) as client:
        if oldest:
            body = _check(client.delete(f"/{cust_nr}/fax/reports"))
        else:
            body = _check(
                client.post(
                    f"/{cust_nr}/fax/reports", json={"action": "DELETE", "jobIds": list(job_ids)}
                )
            )
    for item in body["reports"]:
        click.echo(f"{item['jobId']}\t{'deleted' if item['deleted'] else item.get('reason')}")


@click.command("jobs")
@click.option("--status", help="Jobs with a recipient in this status (PENDING, OK, BUSY, …).")
@click.option("--final/--pending", default=None, help="Only finished, or only pending jobs.")
@click.option("--number", help="Jobs with a recipient of this number (any spelling).")
@click.option("--customer-defined-id", help="Jobs with this reference.customerDefinedId.")
@click.option("--from", "created_from", help="Created at or after (ISO 8601).")
@click.option("--to", "created_to", help="Created before (ISO 8601).")
@click.option("--limit", type=int, default=50, show_default=True, help="Jobs per page.")
@click.option("--all", "every_page", is_flag=True, help="Follow every page, not just the first.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per job.")
@api_options
def jobs(
    status: str | None,
    final: bool | None,
    number: str | None,
    customer_defined_id: str | None,
    created_from: str | None,
    created_to: str | None,
    limit: int,
    every_page: bool,
    as_json: bool,
    url: str,
    cust_nr: str,
    login: str,
    password: str,
) -> None:
    """Your jobs, pending ones included, newest first (GET /faxgate/v1/jobs)."""
    query = {
        "status": status,
        "final": None if final is None else str(final).lower(),
        "number": number,
        "customerDefinedId": customer_defined_id,
        "from": created_from,
        "to": created_to,
        "limit": str(limit),
    }
    params = {k: v for k, v in query.items() if v is not None}
    with _client(url, login, password, api="/faxgate/v1") as client:
        while True:
            page = _check(client.get("/jobs", params=params))
            for job in page["jobs"]:
                click.echo(json.dumps(job) if as_json else _job_line(job))
            if not every_page or page["next"] is None:
                return
            params["cursor"] = page["next"]


def _job_line(job: dict[str, Any]) -> str:
    recipients = " ".join(f"{r['number']}:{r['status']}" for r in job["recipientStatus"])
    return f"{job['jobId']}\t{job['createdAt'][:19]}Z\t{job['pages']}\t{recipients}"
