"""Drives a supervisord's XML-RPC API through Python's xmlrpc.client and prints what it saw.

Used by tests/it/rpc_compat.rs to run the same script against our daemon and Python's. Reads
one JSON object on stdin:

    {"url": "unix:///path/s.sock" | "http://127.0.0.1:PORT",
     "username": null | "user", "password": null | "123",
     "replace": {"/tmp/dir": "<DIR>"},          # text replacements applied to every string
     "steps": [STEP, ...]}

A STEP is one of
    {"call": "supervisor.getState", "params": [...]}
    {"wait": "group:name", "state": "RUNNING", "timeout": 10}   # poll getProcessInfo
    {"write": "/path", "text": "..."}                            # rewrite a file (config)
    {"until": "supervisor.tailProcessLog", "params": [...], "equals": VALUE, "timeout": 10}
                                                  # repeat a call until it returns VALUE

and prints a JSON list with one entry per step: {"ok": VALUE}, {"fault": [CODE, STRING]},
{"http": STATUS} (ProtocolError) or {"error": "..."} (anything else). Values that differ
between two runs by nature (pids, times, uptimes, log text) are normalised here so that
the outputs of two daemons can be compared with ==.
"""

import json
import re
import sys
import time
import xmlrpc.client

from supervisor.xmlrpc import SupervisorTransport

TIME_KEYS = ("start", "stop", "now")
UPTIME = re.compile(r"^pid \d+, uptime \d+:\d\d:\d\d$")
STOPTIME = re.compile(r"^[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M$")


def normalise(value, replace, key=None):
    if isinstance(value, dict):
        return {k: normalise(v, replace, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, replace) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if key in TIME_KEYS or key == "pid":
            return "<NZ>" if value else 0
        return value
    if isinstance(value, str):
        for old, new in replace.items():
            value = value.replace(old, new)
        if key == "description":
            if UPTIME.match(value):
                return "pid <PID>, uptime <UPTIME>"
            if STOPTIME.match(value):
                return "<STOPTIME>"
        # AUTO log files carry a random part: NAME-stdout---supervisor-XXXXXX.log
        value = re.sub(r"---([A-Za-z0-9_.-]+)-[A-Za-z0-9_]{6,8}\.log", r"---\1-<RAND>.log", value)
        return value
    return value


def main():
    spec = json.load(sys.stdin)
    url = spec["url"]
    replace = spec.get("replace", {})
    transport = SupervisorTransport(spec.get("username"), spec.get("password"), url)
    proxy = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)
    out = []
    for step in spec["steps"]:
        try:
            if "call" in step:
                method = proxy
                for part in step["call"].split("."):
                    method = getattr(method, part)
                value = method(*step.get("params", []))
                out.append({"ok": normalise(value, replace)})
            elif "wait" in step:
                deadline = time.monotonic() + step.get("timeout", 20)
                while True:
                    info = proxy.supervisor.getProcessInfo(step["wait"])
                    if info["statename"] == step["state"]:
                        break
                    if time.monotonic() > deadline:
                        raise RuntimeError("%s stayed %s" % (step["wait"], info["statename"]))
                    time.sleep(0.02)
                out.append({"ok": step["state"]})
            elif "until" in step:
                method = proxy
                for part in step["until"].split("."):
                    method = getattr(method, part)
                deadline = time.monotonic() + step.get("timeout", 20)
                while True:
                    value = normalise(method(*step.get("params", [])), replace)
                    if value == step["equals"]:
                        break
                    if time.monotonic() > deadline:
                        raise RuntimeError("%s kept returning %r" % (step["until"], value))
                    time.sleep(0.02)
                out.append({"ok": value})
            elif "write" in step:
                with open(step["write"], "w") as f:
                    f.write(step["text"])
                out.append({"ok": True})
            else:
                out.append({"error": "unknown step %r" % (step,)})
        except xmlrpc.client.Fault as f:
            out.append({"fault": [f.faultCode, normalise(f.faultString, replace)]})
        except xmlrpc.client.ProtocolError as e:
            transport.close()
            out.append({"http": e.errcode})
        except Exception as e:  # the daemon must keep answering: record and go on
            transport.close()
            out.append({"error": "%s: %s" % (type(e).__name__, e)})
    json.dump(out, sys.stdout)


main()
