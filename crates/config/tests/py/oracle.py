"""Answers questions about Python's behaviour for the supervisor-config differential tests.

Reads one JSON request per line on stdin and writes one JSON answer per line on stdout:
  {"op": "ini", "files": [TEXT, ...], "here": bool}
      -> {"ok": {"sections": [[NAME, [[KEY, VALUE], ...]], ...], "defaults": [[KEY, VALUE], ...]}}
       | {"err": MESSAGE}
  {"op": "expand", "fmt": TEXT, "names": {KEY: STR or INT}}
      -> {"ok": TEXT} | {"key": KEY} | {"bad": MESSAGE} | {"unnamed": true}
  {"op": "shlex", "text": TEXT}  -> {"ok": [TOKEN, ...]} | {"err": MESSAGE}
  {"op": "env", "text": TEXT}    -> {"ok": [[KEY, VALUE], ...]} | {"err": MESSAGE}
  {"op": "repr", "text": TEXT}   -> {"ok": repr(TEXT)}
  {"op": "datatype", "name": FUNCTION, "value": TEXT}
      -> {"ok": RESULT} | {"err": MESSAGE}   (a supervisor.datatypes converter)
"""
import io
import json
import shlex
import sys

from supervisor import datatypes
from supervisor.datatypes import dict_of_key_value_pairs
from supervisor.options import UnhosedConfigParser


class Unnamed(Exception):
    """Raised when the mapping itself is used as a formatting argument."""


class Mapping:
    """Looks up names like a dict, but refuses to be formatted itself (quirk Q16 detection)."""

    def __init__(self, names):
        self.names = names

    def __getitem__(self, key):
        return self.names[key]

    def _refuse(self, *args):
        raise Unnamed()

    __str__ = __repr__ = __format__ = __index__ = __int__ = __float__ = _refuse


def ini(req):
    parser = UnhosedConfigParser()
    try:
        for i, text in enumerate(req["files"]):
            parser.read_file(io.StringIO(text, newline=None), source="/t/f%d.conf" % i)
            if req.get("here"):
                parser.expand_here("/dir%d" % i)
    except Exception as e:  # noqa: BLE001 - the message is the answer
        return {"err": str(e)}
    sections = [
        [name, [[k, v] for k, v in parser._sections[name].items()]]
        for name in parser.sections()
    ]
    defaults = [[k, v] for k, v in parser._defaults.items()]
    return {"ok": {"sections": sections, "defaults": defaults}}


def expand(req):
    try:
        return {"ok": req["fmt"] % Mapping(req["names"])}
    except Unnamed:
        return {"unnamed": True}
    except KeyError as e:
        return {"key": e.args[0]}
    except Exception as e:  # noqa: BLE001
        return {"bad": str(e)}


def split(req):
    try:
        return {"ok": shlex.split(req["text"])}
    except ValueError as e:
        return {"err": str(e)}


def env(req):
    try:
        return {"ok": [[k, v] for k, v in dict_of_key_value_pairs(req["text"]).items()]}
    except ValueError as e:
        return {"err": str(e)}


def datatype(req):
    try:
        value = getattr(datatypes, req["name"])(req["value"])
    except Exception as e:  # noqa: BLE001 - the message is the answer
        return {"err": str(e)}
    if req["name"] == "auto_restart":
        value = {
            datatypes.RestartUnconditionally: "always",
            datatypes.RestartWhenExitUnexpected: "unexpected",
            False: "never",
        }[value]
    return {"ok": value}


def py_repr(req):
    return {"ok": repr(req["text"])}


OPS = {"repr": py_repr, "ini": ini, "expand": expand, "shlex": split, "env": env, "datatype": datatype}

for line in sys.stdin:
    request = json.loads(line)
    sys.stdout.write(json.dumps(OPS[request["op"]](request)) + "\n")
    sys.stdout.flush()
