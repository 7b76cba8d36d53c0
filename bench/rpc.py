"""Supervisor's XML-RPC API on a unix socket, two ways.

`proxy()` is the ordinary `xmlrpc.client` proxy, for calls whose answer the benchmark reads.
`RawClient` sends pre-encoded requests on one keep-alive connection and returns the raw body
without parsing it: Python's XML parsing of a 1000-process `getAllProcessInfo` costs more than a
fast daemon's answer, so latency and load measurements must not include it.
"""

from __future__ import annotations

import http.client
import re
import socket
import xmlrpc.client


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.unix_path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


class _UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path: str, timeout: float):
        super().__init__()
        self.unix_path = path
        self.timeout = timeout

    def make_connection(self, host):
        if self._connection and host == self._connection[0]:
            return self._connection[1]
        self._connection = host, _UnixConnection(self.unix_path, self.timeout)
        return self._connection[1]


def proxy(sock: str, timeout: float = 60.0) -> xmlrpc.client.ServerProxy:
    """An XML-RPC proxy talking HTTP/1.1 over the daemon's unix socket."""
    return xmlrpc.client.ServerProxy("http://localhost/RPC2", transport=_UnixTransport(sock, timeout))


def request(method: str, *params) -> bytes:
    """One complete HTTP request (head and body) calling `method`, ready for RawClient.call."""
    body = xmlrpc.client.dumps(params, methodname=method).encode()
    head = (f"POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


class ConnectionLost(OSError):
    """The daemon closed the connection before a whole response arrived."""


class RawClient:
    """One keep-alive HTTP/1.1 connection to a unix socket; call() returns raw response bodies.

    It reconnects once if the daemon closed an idle connection, and reads bodies delimited by
    Content-Length, chunked encoding or the end of the connection."""

    def __init__(self, sock: str, timeout: float = 60.0):
        self.path = sock
        self.timeout = timeout
        self._sock = None
        self._buf = bytearray()

    def close(self) -> None:
        """Closes the connection; the next call opens a new one."""
        if self._sock is not None:
            self._sock.close()
        self._sock = None
        self._buf.clear()

    def call(self, req: bytes) -> bytes:
        """Sends one request made by request(); returns the body of a 200 answer."""
        for retry in (False, True):
            fresh = self._sock is None
            if fresh:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self._sock.settimeout(self.timeout)
                self._sock.connect(self.path)
            try:
                self._sock.sendall(req)
                return self._response()
            except (ConnectionLost, ConnectionError):
                self.close()
                # A reused connection may have been closed by the daemon while idle; a fresh
                # one failing is a real error.
                if fresh or retry:
                    raise
        raise AssertionError("unreachable")

    def _fill(self) -> None:
        data = self._sock.recv(1 << 18)
        if not data:
            raise ConnectionLost("connection closed by the daemon")
        self._buf += data

    def _take(self, n: int) -> bytes:
        while len(self._buf) < n:
            self._fill()
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    def _line(self) -> bytes:
        while (end := self._buf.find(b"\r\n")) < 0:
            self._fill()
        return self._take(end + 2)[:-2]

    def _response(self) -> bytes:
        status = self._line().split(None, 2)
        headers = {}
        while line := self._line():
            key, _, value = line.decode("latin-1").partition(":")
            headers[key.strip().lower()] = value.strip().lower()
        keep = headers.get("connection") != "close" and status[0] == b"HTTP/1.1"
        if "content-length" in headers:
            body = self._take(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            body = self._chunked()
        else:
            body = self._until_closed()
            keep = False
        if not keep:
            self.close()
        if status[1] != b"200":
            raise RuntimeError(f"HTTP {status[1].decode()}: {body[:200]!r}")
        return body

    def _chunked(self) -> bytes:
        out = bytearray()
        while size := int(self._line().split(b";")[0], 16):
            out += self._take(size)
            self._take(2)
        while self._line():  # trailers, up to the blank line
            pass
        return bytes(out)

    def _until_closed(self) -> bytes:
        try:
            while True:
                self._fill()
        except ConnectionLost:
            return bytes(self._buf)


# A process's state in a raw getAllProcessInfo answer: `<name>statename</name>` then its value,
# with or without a <string> element (both are valid XML-RPC) and any whitespace between.
_STATENAME = re.compile(rb"<name>statename</name>\s*<value>\s*(?:<string>)?\s*([A-Z]+)")


def statenames(body: bytes) -> list:
    """The statename of every process in a raw getAllProcessInfo answer, without parsing the
    whole document (a poll must cost the client little, or the client sets the resolution)."""
    return [m.decode() for m in _STATENAME.findall(body)]


def is_fault(body: bytes) -> bool:
    """True if a raw answer is an XML-RPC fault."""
    return b"<fault>" in body
