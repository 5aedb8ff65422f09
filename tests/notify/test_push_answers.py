"""What a push receiver answers is read in bounded steps: error bodies and token answers.

The bombs run in a child process under an address-space limit, and its peak memory is
measured: decoding a whole network chunk at once (what httpx does) blows past it, and the
serve process would do it again at every retry.
"""

from __future__ import annotations

import pytest

from faxgate.domain.notification import PushTarget
from tests.bombs import CEILING, built_bomb, require_brotli, run_limited

from .receiver import ReceiverState
from .test_push import _push

_PUSH_IN_CHILD = """
    import asyncio, sys
    from faxgate.config import Settings
    from faxgate.net.client import guarded_async_client
    from faxgate.notify.oauth import TokenCache
    from faxgate.domain.report_options import PushAuth
    from faxgate.domain.notification import PushTarget
    from faxgate.notify.push import deliver_push

    url, token_url = sys.argv[1], sys.argv[2]
    if token_url:
        target = PushTarget(url, PushAuth.OAUTH2, "client", "secret", token_url=token_url)
    else:
        target = PushTarget(url)

    async def main() -> None:
        async with guarded_async_client(Settings(allow_networks=("127.0.0.0/8",))) as client:
            result = await deliver_push(
                client, target, b"{}", "application/json", "dlv-1", None, TokenCache(), 0.0
            )
        print("delivered" if result.delivered else "failed", result.retryable, result.error)

    asyncio.run(main())
"""


def test_compressed_error_answer_is_shown_decoded(receiver: ReceiverState) -> None:
    result = _push(PushTarget(receiver.url("/reject-gzip")))
    assert not result.delivered
    assert result.error == "HTTP 400: bad report, compressed"


@pytest.mark.parametrize("path", ["/bomb-gzip-gzip", "/bomb-br"])
def test_error_answer_bomb_stays_within_a_memory_ceiling(
    receiver: ReceiverState, path: str
) -> None:
    if "br" in path:
        require_brotli()
    built_bomb(path)
    run = run_limited(_PUSH_IN_CHILD, receiver.url(path), "")
    assert run.returncode == 0, run.describe()
    assert run.stdout.startswith("failed True HTTP 500"), run.describe()
    assert len(run.stdout) < 1000  # an excerpt, not the body
    assert run.peak_rss < CEILING, run.describe()


def test_token_answer_bomb_stays_within_a_memory_ceiling(receiver: ReceiverState) -> None:
    require_brotli()
    run = run_limited(_PUSH_IN_CHILD, receiver.url("/bearer"), receiver.url("/token-bomb"))
    assert run.returncode == 0, run.describe()
    assert "failed False OAuth2" in run.stdout, run.describe()
    assert "larger than 65536 bytes" in run.stdout, run.describe()
    assert run.peak_rss < CEILING, run.describe()
