"""uvicorn's httptools protocol with a deadline and a size bound for headers, and a bound on
connections per client address.

uvicorn has none of them: a connection that sends nothing, or a header byte every few seconds,
stays open forever; httptools takes headers of any size; one address may open as many
connections as the worker has descriptors. The body has its deadline in
`app.request_body.ReadBodyFirst`, where the path is known and the answer can be the envelope
its clients parse.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from app.settings import Settings

log = logging.getLogger("crm")
# How long a refused connection may still deliver its request before it is closed: reading it
# first lets the client see the 503 instead of a reset.
LINGER_S = 1.0
# Request line and headers of one request, at most (h11's limit, which httptools lacks, is
# 16 KiB; nginx's default buffers hold 32 KiB): past it, 431 and the connection closes.
MAX_HEADER_BYTES = 64 * 1024
# At most one line per this many seconds about refused connections: an attack is one event.
REFUSAL_LOG_EVERY_S = 10.0


class HeadersTooLarge(Exception):
    """The request line and headers passed MAX_HEADER_BYTES."""


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """What one connection may take: time to send its headers, and company from its address."""

    header_timeout_s: float
    max_connections_per_client: int


@functools.cache
def limits_from_environment() -> ConnectionLimits:
    """The limits the settings name, read once per worker process."""
    settings = Settings()
    return ConnectionLimits(settings.header_timeout_s, settings.max_connections_per_client)


@dataclass
class ClientConnections:
    """The open connections of each client address in one worker, and refusals not yet logged."""

    open: Counter[str]
    refused: int = 0
    logged_at: float = float("-inf")


# One per uvicorn server, which is one per worker process; weak, so tests' servers go away.
_per_server: WeakKeyDictionary[ServerState, ClientConnections] = WeakKeyDictionary()


def _raw_response(state: ServerState, status: int, text: str, *headers: bytes) -> bytes:
    """A whole plain-text response that closes the connection, as uvicorn writes its own 400."""
    body = text.encode()
    lines = [STATUS_LINE[status]]
    lines += [name + b": " + value + b"\r\n" for name, value in state.default_headers]
    lines += [header + b"\r\n" for header in headers]
    lines += [
        b"content-type: text/plain; charset=utf-8\r\n",
        b"content-length: " + str(len(body)).encode() + b"\r\n",
        b"connection: close\r\n\r\n",
        body,
    ]
    return b"".join(lines)


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """`HttpToolsProtocol` that bounds the time and size of headers and refuses crowds.

    uvicorn builds one per connection from `config.http_protocol_class` with keyword arguments
    only, in each worker process; the limits come from the settings (the environment), so the
    class can be named by import path and works with any number of workers.
    """

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        limits: ConnectionLimits | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits or limits_from_environment()
        self.clients = _per_server.setdefault(server_state, ClientConnections(Counter()))
        self.counted_as: str | None = None
        self.refused = False
        self.header_deadline: asyncio.TimerHandle | None = None
        # Part of a request has arrived and its headers are not complete.
        self.reading_headers = False
        # The request line and headers as parsed, and the chunks received while they were
        # incomplete: httptools keeps a header's value to itself until the value ends.
        self.header_bytes = 0
        self.header_chunk_bytes = 0
        self.completed_in_chunk = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Admit the connection, or answer 503 if its address holds too many already."""
        super().connection_made(transport)
        address = self.client[0] if self.client else None
        if address is not None:
            if self.clients.open[address] >= self.limits.max_connections_per_client:
                self._refuse(address)
                return
            self.clients.open[address] += 1
            self.counted_as = address
        # From accept: a connection that never sends a byte is closed as well.
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the connection in its address's count."""
        self._disarm_header_deadline()
        if self.counted_as is not None:
            self.clients.open[self.counted_as] -= 1
            if self.clients.open[self.counted_as] <= 0:
                del self.clients.open[self.counted_as]
            self.counted_as = None
        super().connection_lost(exc)

    def handle_websocket_upgrade(self) -> None:
        """Hand the connection to the WebSocket protocol; it stays counted until it closes."""
        self._disarm_header_deadline()
        super().handle_websocket_upgrade()
        counted, self.counted_as = self.counted_as, None
        socket: Any = self.transport.get_protocol()
        if counted is None or socket is self:
            return
        lost = socket.connection_lost
        clients = self.clients

        def forget(exc: Exception | None) -> None:
            clients.open[counted] -= 1
            if clients.open[counted] <= 0:
                del clients.open[counted]
            lost(exc)

        socket.connection_lost = forget

    def data_received(self, data: bytes) -> None:
        """Parse the bytes, unless the connection is refused and only lingers."""
        if self.refused:
            return
        self.completed_in_chunk = False
        super().data_received(data)
        # Headers still incomplete: the chunk was all headers, unless it also held the end of
        # a pipelined request before them (not counted: one chunk at most goes uncounted).
        if self.reading_headers and not self.completed_in_chunk:
            self.header_chunk_bytes += len(data)
            if self.header_chunk_bytes > MAX_HEADER_BYTES and not self.transport.is_closing():
                self._headers_too_large()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request it cannot parse; 431 when the headers are too large."""
        if self.header_bytes > MAX_HEADER_BYTES:
            self._headers_too_large()
        else:
            super().send_400_response(msg)

    def _headers_too_large(self) -> None:
        self.transport.write(
            _raw_response(self.server_state, 431, "The request headers are too large.")
        )
        self.transport.close()

    def on_url(self, url: bytes) -> None:
        """Part of the request's target."""
        self._count_header_bytes(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        """One header, whole."""
        self._count_header_bytes(len(name) + len(value))
        super().on_header(name, value)

    def _count_header_bytes(self, size: int) -> None:
        self.header_bytes += size
        if self.header_bytes > MAX_HEADER_BYTES:
            # Stops the parser; uvicorn then answers through send_400_response.
            raise HeadersTooLarge

    def on_message_begin(self) -> None:
        """The first byte of a request: its headers are due within the deadline."""
        super().on_message_begin()
        self.reading_headers = True
        self.header_bytes = self.header_chunk_bytes = 0
        if self.header_deadline is None:
            self._arm_header_deadline()

    def on_headers_complete(self) -> None:
        """The headers are in; the body's deadline is ReadBodyFirst's."""
        self.reading_headers = False
        self._disarm_header_deadline()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        """A request has been read to its end."""
        self.completed_in_chunk = True
        super().on_message_complete()

    def _arm_header_deadline(self) -> None:
        self.header_deadline = self.loop.call_later(
            self.limits.header_timeout_s, self._headers_too_late
        )

    def _disarm_header_deadline(self) -> None:
        if self.header_deadline is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def _headers_too_late(self) -> None:
        self.header_deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            # A pipelined request is late while an earlier one is answered: writing 408 now
            # would cut into that answer, so the connection closes once it is sent.
            self.cycle.keep_alive = False
            return
        if self.reading_headers:
            self.transport.write(
                _raw_response(self.server_state, 408, "The request headers took too long.")
            )
        # A connection that sent nothing gets no answer to a request it never made.
        self.transport.close()

    def _refuse(self, address: str) -> None:
        self.refused = True
        self.transport.write(
            _raw_response(
                self.server_state,
                503,
                "Too many connections from this address; retry after a moment.",
                b"retry-after: 1",
            )
        )
        if self.transport.can_write_eof():
            self.transport.write_eof()
        # Closed when the client closes its side (eof_received) or after the linger; the timer
        # takes the header deadline's place, which connection_lost cancels.
        self.header_deadline = self.loop.call_later(LINGER_S, self.transport.close)
        self._log_refusal(address)

    def _log_refusal(self, address: str) -> None:
        self.clients.refused += 1
        now = time.monotonic()
        if now - self.clients.logged_at >= REFUSAL_LOG_EVERY_S:
            log.warning(
                "refused %d connection(s) over %d per client address (latest from %s)",
                self.clients.refused,
                self.limits.max_connections_per_client,
                address,
            )
            self.clients.refused = 0
            self.clients.logged_at = now
