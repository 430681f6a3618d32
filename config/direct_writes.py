"""Daphne's sockets write at once when nothing is waiting (a Twisted transport tweak).

Twisted's TCP transport never writes in `write()`: it buffers the bytes and registers the
socket for writability (on Daphne's asyncio reactor an `epoll_ctl` plus handle juggling in
`loop.add_writer`), writes on the next loop turn, then unregisters it (`remove_writer`,
another `epoll_ctl`). A live auction broadcast is one small frame to each of hundreds of
sockets, so that round trip per socket was the largest single cost of the fan-out in
py-spy profiles of `bench/auction_load.py` (about a fifth of the event loop's time).

`install()` makes `write()` try `socket.send` first, as asyncio's own transports do, when
the transport is plain TCP (no TLS), connected, not closing, has nothing buffered (so bytes
still leave in order) and no producer or an unpaused streaming one (Daphne's sockets keep
twisted.web's HTTPChannel as a streaming producer after the upgrade; a pull producer needs
the buffered path, which asks it for more once the buffer drains). Whatever the kernel does not take (a slow
client), and every error, goes the ordinary buffered way, which also reports the error.
Idempotent; DAPHNE_DIRECT_WRITES=0 turns it off.
"""

import os

_installed = False


def install() -> bool:
    global _installed
    if _installed or os.environ.get("DAPHNE_DIRECT_WRITES", "1") == "0":
        return _installed
    from twisted.internet import tcp

    buffered_write = tcp.Connection.write

    def write(self, data):
        if (
            data
            and type(data) is bytes
            and not self.TLS
            and self.connected
            and not self.disconnecting
            and not self._writeDisconnected
            and (self.producer is None or (self.streamingProducer and not self.producerPaused))
            and not self._tempDataBuffer
            and self.offset >= len(self.dataBuffer)
        ):
            try:
                sent = self.socket.send(data)
            except OSError:  # EAGAIN, or an error the buffered path will find and report
                sent = 0
            if sent >= len(data):
                return
            data = data[sent:]
        buffered_write(self, data)

    tcp.Connection.write = write
    _installed = True
    return True
