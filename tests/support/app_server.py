"""The ASGI app served by uvicorn on a loopback port inside the running event loop."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn


@asynccontextmanager
async def app_serving(app: Any, port: int, **config: Any) -> AsyncIterator[asyncio.Task[None]]:
    """Yields once uvicorn accepts connections on 127.0.0.1:`port` (its serving task, to watch);
    a server that fails to start raises its error here. Stops the server on the way out."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **config))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield task
    finally:
        server.should_exit = True
        await task
