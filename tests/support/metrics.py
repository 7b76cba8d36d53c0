"""Scrapes a daemon's /metrics and parses it with Prometheus's own text parser.

Reads a JSON request on stdin: {"port": N} or {"unix": PATH}, "method" (default GET), "path"
(default /metrics), "auth": [user, password] or null. Prints one JSON object: "status",
"content_type", "text" (the body), "families" (each with name, type, help and samples, as
prometheus_client parsed them) or null for a non-200 answer, and "parse_error" when the parser
refused the text.
"""

import base64
import http.client
import json
import socket
import sys

from prometheus_client.parser import text_string_to_metric_families


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=20)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def main():
    req = json.load(sys.stdin)
    if "unix" in req:
        conn = UnixConnection(req["unix"])
    else:
        conn = http.client.HTTPConnection("127.0.0.1", req["port"], timeout=20)
    headers = {}
    if req.get("auth"):
        token = base64.b64encode(":".join(req["auth"]).encode()).decode()
        headers["Authorization"] = "Basic " + token
    conn.request(req.get("method", "GET"), req.get("path", "/metrics"), headers=headers)
    resp = conn.getresponse()
    text = resp.read().decode("utf-8")
    out = {
        "status": resp.status,
        "content_type": resp.getheader("Content-Type"),
        "text": text,
        "families": None,
        "parse_error": None,
    }
    if resp.status == 200 and req.get("method", "GET") == "GET":
        try:
            out["families"] = [
                {
                    "name": f.name,
                    "type": f.type,
                    "help": f.documentation,
                    "samples": [
                        {"name": s.name, "labels": s.labels, "value": s.value}
                        for s in f.samples
                    ],
                }
                for f in text_string_to_metric_families(text)
            ]
        except Exception as e:  # the parser's own refusal, reported to the test
            out["parse_error"] = repr(e)
    json.dump(out, sys.stdout)


main()
