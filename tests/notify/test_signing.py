from __future__ import annotations

from pathlib import Path

from faxgate.notify.signing import signature_header, verify

BODY = b'{"jobId":"FJ1"}'


def test_a_signature_verifies_with_the_same_secret_only() -> None:
    header = signature_header("whsec-1", 1_700_000_000, BODY)
    assert header.startswith("t=1700000000,v1=")
    assert verify("whsec-1", header, BODY, now=1_700_000_010)
    assert not verify("whsec-2", header, BODY, now=1_700_000_010)


def test_any_change_to_body_or_timestamp_breaks_it() -> None:
    header = signature_header("whsec-1", 1_700_000_000, BODY)
    assert not verify("whsec-1", header, BODY + b" ", now=1_700_000_000)
    forged = header.replace("t=1700000000", "t=1700000100")
    assert not verify("whsec-1", forged, BODY, now=1_700_000_100)


def test_old_signatures_are_rejected() -> None:
    header = signature_header("whsec-1", 1_700_000_000, BODY)
    assert not verify("whsec-1", header, BODY, now=1_700_000_301)
    assert verify("whsec-1", header, BODY, now=1_700_000_301, tolerance_secs=600)


def test_several_secrets_during_rotation() -> None:
    header = signature_header(["old", "new"], 1_700_000_000, BODY)
    assert verify("old", header, BODY, now=1_700_000_000)
    assert verify("new", header, BODY, now=1_700_000_000)


def test_garbage_headers_do_not_verify() -> None:
    for header in ["", "t=abc,v1=00", "v1=00", "t=1700000000", "nonsense"]:
        assert not verify("whsec-1", header, BODY, now=1_700_000_000)


def test_the_documented_example_and_snippet() -> None:
    # docs/notifications.md shows this header and a standalone verifier; both must stay true.
    docs = Path(__file__).parents[2] / "docs" / "notifications.md"
    text = docs.read_text()
    header = signature_header("whsec-example", 1_800_000_000, b'{"jobId":"FJ1"}')
    assert header in text
    snippet = text.split("```python\n")[1].split("```")[0]
    namespace: dict[str, object] = {}
    exec(snippet, namespace)  # noqa: S102 (our own documentation)
    check = namespace["verify_faxgate_signature"]
    assert callable(check)
    assert not check("whsec-example", header, b'{"jobId":"FJ1"}')  # too old by now
    assert check("whsec-example", header, b'{"jobId":"FJ1"}', tolerance_secs=1e12)
    assert not check("other", header, b'{"jobId":"FJ1"}', tolerance_secs=1e12)
