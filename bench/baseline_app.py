"""The intake baseline: the least an HTTP server can do for `POST /fax`.

A raw ASGI callable that reads the whole body, parses it with json.loads and answers
201 {"jobId": "..."} — no routing, authentication, validation or storage. It is served
exactly as `faxgate serve` serves faxgate (same uvicorn.Config: httptools, no access log;
Server.serve() inside asyncio.run, hence the same stdlib asyncio event loop), so the
difference to faxgate is what faxgate does per request.

    .venv/bin/python -m bench.baseline_app --port 8081
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
from typing import Any

import uvicorn

_ids = itertools.count()


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    request = json.loads(b"".join(chunks))
    status = 201 if isinstance(request, dict) and request.get("recipients") else 400
    body = json.dumps({"jobId": f"FJ{next(_ids):020d}"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args()
    # Exactly as faxgate.cli.main.serve runs uvicorn: the same Config, and Server.serve()
    # inside asyncio.run (so the same event loop: uvicorn's loop setup does not run there).
    config = uvicorn.Config(app, host=args.host, port=args.port, access_log=False, log_config=None)
    asyncio.run(uvicorn.Server(config).serve())


if __name__ == "__main__":
    main()
