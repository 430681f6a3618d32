"""config.direct_writes: Daphne's TCP transport sends at once when nothing waits, and
otherwise keeps Twisted's buffered order."""

import socket

import pytest
from twisted.internet import tcp

from config.direct_writes import install


class _Reactor:
    def __init__(self):
        self.writers = []

    def addWriter(self, writer):
        self.writers.append(writer)

    def removeWriter(self, writer):
        self.writers.remove(writer)


class _Producer:
    def pauseProducing(self):
        pass

    def resumeProducing(self):
        pass

    def stopProducing(self):
        pass


def _transport(sock, producer=None, streaming=True):
    conn = tcp.Connection.__new__(tcp.Connection)
    conn.socket, conn.reactor = sock, _Reactor()
    conn.connected, conn.producer, conn.streamingProducer = 1, producer, streaming
    conn.dataBuffer, conn._tempDataBuffer, conn._tempDataLen, conn.offset = b"", [], 0, 0
    return conn


@pytest.fixture
def pair():
    install()
    a, b = socket.socketpair()
    a.setblocking(False)
    b.settimeout(2)
    yield a, b
    a.close()
    b.close()


def test_an_idle_transport_sends_at_once_without_registering_for_writability(pair):
    a, b = pair
    conn = _transport(a)
    conn.write(b"frame-1")
    assert b.recv(100) == b"frame-1"
    assert conn._tempDataBuffer == [] and conn.reactor.writers == []


def test_a_socket_with_a_streaming_producer_sends_at_once_too(pair):
    # Daphne's websocket transports keep twisted.web's HTTPChannel as streaming producer.
    a, b = pair
    conn = _transport(a, producer=_Producer(), streaming=True)
    conn.write(b"frame-2")
    assert b.recv(100) == b"frame-2"
    assert conn.reactor.writers == []


def test_a_pull_producer_keeps_the_buffered_path(pair):
    a, b = pair
    conn = _transport(a, producer=_Producer(), streaming=False)
    conn.write(b"frame-3")
    assert conn._tempDataBuffer == [b"frame-3"] and conn.reactor.writers == [conn]


def test_bytes_already_buffered_keep_their_order(pair):
    a, b = pair
    conn = _transport(a)
    conn._tempDataBuffer, conn._tempDataLen = [b"first-"], 6
    conn.write(b"second")
    assert conn._tempDataBuffer == [b"first-", b"second"]
    assert b"".join(conn._tempDataBuffer) == b"first-second"
    conn.doWrite()
    assert b.recv(100) == b"first-second"


def test_what_the_kernel_does_not_take_is_buffered_for_later(pair):
    a, b = pair
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    conn = _transport(a)
    big = bytes(range(256)) * 4096  # 1 MiB: far more than the socket buffers hold
    conn.write(big)
    pending = b"".join(conn._tempDataBuffer)
    assert 0 < len(pending) < len(big) and big.endswith(pending)
    assert conn.reactor.writers == [conn]


TESTED_TWISTED = ("26.10",)  # the releases this patch was measured and tested on (pyproject pins them)


def test_the_twisted_internals_it_relies_on_are_still_there():
    """The patch reads private state of Twisted's transports. A Twisted release that renames
    or drops any of it must fail here, loudly, before it ships (pyproject pins the range)."""
    import inspect

    import twisted
    from twisted.internet import abstract

    assert twisted.__version__.rsplit(".", 1)[0] in TESTED_TWISTED, twisted.__version__
    source = inspect.getsource(abstract.FileDescriptor)
    for name in ("_tempDataBuffer", "_tempDataLen", "dataBuffer", "offset", "producerPaused",
                 "_writeDisconnected", "disconnecting", "streamingProducer", "def write(self, data"):
        assert name in source, name
    assert "TLS" in vars(tcp.Connection) or hasattr(tcp.Connection, "TLS")
    assert hasattr(tcp.Connection, "socket") or "socket" in inspect.getsource(tcp.Connection)
