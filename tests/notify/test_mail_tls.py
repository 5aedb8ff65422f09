"""Report mail over STARTTLS and implicit TLS, against a real aiosmtpd server on 127.0.0.1.

The CA and the server certificate are made per test run with trustme, so nothing here depends on
the system trust store except the test that expects it not to know our CA.
"""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Literal

import pytest
import trustme

from faxgate.config import Settings
from faxgate.domain.report_options import ImageMode, ReportMailOptions
from faxgate.notify.mail import MailError, build_report_mail, send_mail

from .conftest import sample_report
from .smtp_server import SMTP_PASSWORD, SMTP_USER, Mailbox, running_smtp

pytestmark = pytest.mark.anyio

Mode = Literal["starttls", "tls"]


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server_cert(ca: trustme.CA) -> trustme.LeafCert:
    # The client connects to 127.0.0.1, so that is the name (an IP SAN) it checks.
    return ca.issue_cert("127.0.0.1")


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "relay-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def starttls_box(server_cert: trustme.LeafCert) -> Iterator[Mailbox]:
    with running_smtp(tls="starttls", cert=server_cert) as box:
        yield box


@pytest.fixture
def tls_box(server_cert: trustme.LeafCert) -> Iterator[Mailbox]:
    with running_smtp(tls="tls", cert=server_cert) as box:
        yield box


def _settings(box: Mailbox, tls: str, **changes: object) -> Settings:
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=box.port,
        smtp_tls=tls,
        mail_from="fax@example.org",
        push_timeout_secs=10.0,
    ).with_overrides(**changes)


def _mail() -> EmailMessage:
    options = ReportMailOptions("ok@example.com", "fail@example.com", ImageMode.NEVER)
    msg = build_report_mail(sample_report(), options, None, Settings(), False)
    assert msg is not None
    return msg


def _assert_arrived_over_tls(box: Mailbox) -> None:
    [(sender, rcpts, raw)] = box.messages
    assert (sender, rcpts) == ("fax@example.org", ["ok@example.com"])
    got = message_from_bytes(raw, policy=policy.default)
    assert got["Subject"] == f"Fax {sample_report().job_id}: sent"
    [version] = box.tls_versions
    assert version is not None and version.startswith("TLSv1."), version


async def test_starttls_with_the_ca_file(starttls_box: Mailbox, ca_file: Path) -> None:
    await send_mail(_mail(), _settings(starttls_box, "starttls", smtp_ca_file=ca_file))
    _assert_arrived_over_tls(starttls_box)


async def test_implicit_tls_with_the_ca_file(tls_box: Mailbox, ca_file: Path) -> None:
    await send_mail(_mail(), _settings(tls_box, "tls", smtp_ca_file=ca_file))
    _assert_arrived_over_tls(tls_box)


async def test_mode_is_case_and_space_insensitive(tls_box: Mailbox, ca_file: Path) -> None:
    await send_mail(_mail(), _settings(tls_box, " TLS ", smtp_ca_file=ca_file))
    _assert_arrived_over_tls(tls_box)


async def test_starttls_with_login(server_cert: trustme.LeafCert, ca_file: Path) -> None:
    # The server refuses AUTH before STARTTLS (aiosmtpd's auth_require_tls), so a working login
    # shows it went over the upgraded connection.
    with running_smtp(with_auth=True, tls="starttls", cert=server_cert) as box:
        settings = _settings(box, "starttls", smtp_ca_file=ca_file, smtp_user=SMTP_USER)
        with pytest.raises(MailError) as info:
            await send_mail(_mail(), settings.with_overrides(smtp_password="wrong"))
        assert not info.value.retryable
        assert "535" in str(info.value)
        assert box.messages == []
        await send_mail(_mail(), settings.with_overrides(smtp_password=SMTP_PASSWORD))
        _assert_arrived_over_tls(box)


# With implicit TLS aiosmtpd cannot tell the connection is encrypted, so the helper lets it take
# AUTH without insisting on TLS, which aiosmtpd warns about.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
async def test_implicit_tls_with_login(server_cert: trustme.LeafCert, ca_file: Path) -> None:
    with running_smtp(with_auth=True, tls="tls", cert=server_cert) as box:
        settings = _settings(
            box, "tls", smtp_ca_file=ca_file, smtp_user=SMTP_USER, smtp_password=SMTP_PASSWORD
        )
        await send_mail(_mail(), settings)
        _assert_arrived_over_tls(box)


@pytest.mark.parametrize("mode", ["starttls", "tls"])
async def test_untrusted_certificate_is_a_final_error(
    mode: Mode, server_cert: trustme.LeafCert
) -> None:
    # No CA file: only the system CAs are trusted, and they did not issue this certificate.
    with running_smtp(tls=mode, cert=server_cert) as box:
        with pytest.raises(MailError) as info:
            await send_mail(_mail(), _settings(box, mode))
        assert box.messages == []
    assert not info.value.retryable
    text = str(info.value)
    assert "certificate not trusted" in text
    assert "FAXGATE_SMTP_CA_FILE" in text


async def test_certificate_for_another_name_is_a_final_error(ca: trustme.CA, ca_file: Path) -> None:
    with running_smtp(tls="starttls", cert=ca.issue_cert("mail.example.org")) as box:
        with pytest.raises(MailError) as info:
            await send_mail(_mail(), _settings(box, "starttls", smtp_ca_file=ca_file))
        assert box.messages == []
    assert not info.value.retryable
    text = str(info.value)
    assert "certificate not trusted" in text
    # The CA is trusted here; the fix is the host name, not another CA file.
    assert "FAXGATE_SMTP_HOST" in text
    assert "FAXGATE_SMTP_CA_FILE" not in text


async def test_starttls_not_offered_tells_to_check_the_tls_setting(ca_file: Path) -> None:
    with running_smtp() as box:
        with pytest.raises(MailError) as info:
            await send_mail(_mail(), _settings(box, "starttls", smtp_ca_file=ca_file))
        assert box.messages == []
    assert not info.value.retryable
    text = str(info.value)
    assert "STARTTLS" in text
    assert "check FAXGATE_SMTP_TLS" in text


async def test_implicit_tls_against_a_plain_port_tells_to_check_the_tls_setting(
    ca_file: Path,
) -> None:
    with running_smtp() as box:
        with pytest.raises(MailError) as info:
            await send_mail(_mail(), _settings(box, "tls", smtp_ca_file=ca_file))
        assert box.messages == []
    assert not info.value.retryable
    assert "check FAXGATE_SMTP_TLS" in str(info.value)


async def test_missing_ca_file_is_a_final_error(starttls_box: Mailbox, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-ca.pem"
    with pytest.raises(MailError) as info:
        await send_mail(_mail(), _settings(starttls_box, "starttls", smtp_ca_file=missing))
    assert not info.value.retryable
    text = str(info.value)
    assert "FAXGATE_SMTP_CA_FILE" in text and str(missing) in text
    assert "No such file" in text
    assert starttls_box.messages == []


async def test_ca_file_that_is_not_pem_is_a_final_error(tls_box: Mailbox, tmp_path: Path) -> None:
    garbage = tmp_path / "ca.pem"
    garbage.write_text("this is not a certificate\n")
    with pytest.raises(MailError) as info:
        await send_mail(_mail(), _settings(tls_box, "tls", smtp_ca_file=garbage))
    assert not info.value.retryable
    text = str(info.value)
    assert "FAXGATE_SMTP_CA_FILE" in text and str(garbage) in text
    assert tls_box.messages == []


async def test_ca_file_is_not_read_without_tls(tmp_path: Path) -> None:
    # The setting may be left over from a TLS setup; plain SMTP must not depend on it.
    with running_smtp() as box:
        await send_mail(_mail(), _settings(box, "none", smtp_ca_file=tmp_path / "gone.pem"))
        assert box.tls_versions == [None]


def test_ca_file_comes_from_the_environment() -> None:
    env = {"FAXGATE_SMTP_CA_FILE": "/etc/faxgate/relay-ca.pem", "FAXGATE_SMTP_TLS": "starttls"}
    settings = Settings.from_env(env)
    assert settings.smtp_ca_file == Path("/etc/faxgate/relay-ca.pem")
    assert Settings.from_env({}).smtp_ca_file is None
