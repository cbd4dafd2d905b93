"""Fail fast instead of reaching Google: while active, this process resolves no host name but this machine's."""

import contextlib
import socket

LOCAL_NAMES = ("127.0.0.1", "localhost", "::1")


class OfflineViolation(ConnectionRefusedError):
    """Something tried to reach a host other than 127.0.0.1; the message names it."""


@contextlib.contextmanager
def loopback_only():
    """Refuse name lookups (so connections) to any host but loopback, e.g. *.googleapis.com or a metadata server."""
    real = socket.getaddrinfo

    def lookup(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in LOCAL_NAMES and not name.startswith("127."):
            raise OfflineViolation(f"offline run: refused to reach {name} (only 127.0.0.1 is allowed)")
        return real(host, *args, **kwargs)

    socket.getaddrinfo = lookup
    try:
        yield
    finally:
        socket.getaddrinfo = real
