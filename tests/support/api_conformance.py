"""Checks a running daemon's JSON API against its own OpenAPI document.

Reads a JSON spec on stdin: {"url", "username", "password", "steps": [...]}. Each step is
either a request, {"method", "path", "headers"?, "body"?, "auth"? (default true),
"stream"? (read the head only), "expect"? (a status), "optional"? (a JSON 404 NOT_FOUND means
the daemon does not serve this documented endpoint yet: skipped)}, or a file write,
{"write": path, "text": ...} (to change the config between requests).

The document is fetched from the daemon (GET /api/v1/openapi.json), its schemas are checked
as JSON Schema 2020-12, and every response is checked against it: the path and method must
be documented and the status declared for them (an undocumented path or method must be a JSON
404/405 error), the content type declared, a JSON body valid against the schema, declared
headers present. Never a 500, never HTML.

Prints {"failures": [...], "covered": [...], "operations": [...]} on stdout: a failure per
response that does not conform, the (method, path template) pairs exercised, and every
operation the document has, so the caller can require that each one was exercised.
"""

import base64
import http.client
import json
import sys
import urllib.parse

import jsonschema


def main():
    spec = json.load(sys.stdin)
    url = urllib.parse.urlsplit(spec["url"])
    auth = None
    if spec.get("username"):
        token = base64.b64encode(f"{spec['username']}:{spec['password']}".encode()).decode()
        auth = f"Basic {token}"

    def request(method, path, headers=None, body=None, with_auth=True, stream=False):
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        h = {"Host": url.netloc}
        if auth and with_auth:
            h["Authorization"] = auth
        h.update(headers or {})
        data = body.encode() if isinstance(body, str) else body
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        # A stream never ends: only its head is read (an error answer is a whole JSON body).
        if stream and not resp.getheader("content-type", "").startswith("application/json"):
            payload = b""
        else:
            payload = resp.read()
        result = (resp.status, {k.lower(): v for k, v in resp.getheaders()}, payload)
        conn.close()
        return result

    status, headers, raw = request("GET", "/api/v1/openapi.json")
    assert status == 200, f"GET /api/v1/openapi.json: {status}"
    doc = json.loads(raw)
    failures = check_document(doc)
    operations = sorted(
        (method.upper(), template)
        for template, item in doc["paths"].items()
        for method in item
        if method in ("get", "post", "put", "delete", "patch")
    )
    covered = set()
    for i, step in enumerate(spec["steps"]):
        if "write" in step:
            with open(step["write"], "w") as f:
                f.write(step["text"])
            continue
        method, path = step["method"], step["path"]
        status, headers, raw = request(
            method,
            path,
            step.get("headers"),
            step.get("body"),
            step.get("auth", True),
            step.get("stream", False),
        )
        if step.get("optional") and status == 404 and b'"NOT_FOUND"' in raw:
            continue
        where = f"step {i}: {method} {path} -> {status}"
        problems = check_response(doc, method, path, status, headers, raw, covered)
        if "expect" in step and step["expect"] != status:
            problems.append(f"expected status {step['expect']}: {raw[:300]!r}")
        failures.extend(f"{where}: {p}" for p in problems)
    print(
        json.dumps(
            {
                "failures": failures,
                "covered": sorted(list(c) for c in covered),
                "operations": [list(o) for o in operations],
            }
        )
    )


def check_document(doc):
    """The document's own problems: version, schemas, references, operation ids."""
    problems = []
    if not str(doc.get("openapi", "")).startswith("3.1"):
        problems.append(f"openapi is {doc.get('openapi')!r}, not 3.1.x")
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as e:
            problems.append(f"schema {name}: {e.message}")
    ids = []
    for template, item in doc["paths"].items():
        for method, op in item.items():
            ids.append(op.get("operationId"))
            if not op.get("responses"):
                problems.append(f"{method} {template}: no responses")
            for p in op.get("parameters", []):
                if "$ref" in p:
                    p = resolve(doc, p["$ref"])
                if p["in"] == "path" and "{" + p["name"] + "}" not in template:
                    problems.append(f"{method} {template}: path parameter {p['name']} unused")
    if len(ids) != len(set(ids)) or None in ids:
        problems.append("operationIds must be present and unique")
    for ref in refs(doc):
        try:
            resolve(doc, ref)
        except KeyError:
            problems.append(f"unresolved $ref {ref}")
    return problems


def refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs(v)


def resolve(doc, ref):
    node = doc
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def match(doc, path):
    """The documented path template `path` falls under (most literal segments wins)."""
    segments = urllib.parse.urlsplit(path).path.split("/")
    best, best_score = None, -1
    for template in doc["paths"]:
        parts = template.split("/")
        if len(parts) != len(segments):
            continue
        score = 0
        for t, s in zip(parts, segments):
            if t.startswith("{") and t.endswith("}"):
                if not s:
                    break
            elif t != s:
                break
            else:
                score += 1
        else:
            if score > best_score:
                best, best_score = template, score
    return best


def validate(doc, schema, value):
    """Validates `value` against `schema`, whose $refs point into the document."""
    root = dict(schema)
    root["components"] = doc["components"]
    errors = sorted(
        jsonschema.Draft202012Validator(root).iter_errors(value), key=lambda e: e.path
    )
    return [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def check_response(doc, method, path, status, headers, raw, covered):
    problems = []
    ctype = headers.get("content-type", "").split(";")[0].strip()
    if status >= 500 and status not in (502, 503):
        problems.append("a server error")
    if ctype == "text/html":
        problems.append("an HTML page")
    error_schema = {"$ref": "#/components/schemas/Error"}
    template = match(doc, path)
    op = doc["paths"].get(template, {}).get(method.lower()) if template else None
    if method == "HEAD" and template:
        op = doc["paths"][template].get("get")
    if op is None:
        # Undocumented path or method: a JSON 404 or 405.
        if status not in (404, 405):
            problems.append(f"undocumented {method} {path} answered {status}")
        if ctype != "application/json":
            return problems + [f"content type {ctype!r}, not application/json"]
        if status == 405 and "allow" not in headers:
            problems.append("a 405 without Allow")
        return problems + validate(doc, error_schema, json.loads(raw))
    covered.add((method if method != "HEAD" else "GET", template))
    declared = op["responses"].get(str(status)) or op["responses"].get("default")
    if declared is None:
        return problems + [f"status {status} not declared for {method} {template}: {raw[:300]!r}"]
    if "$ref" in declared:
        declared = resolve(doc, declared["$ref"])
    for name in declared.get("headers", {}):
        if name.lower() not in headers:
            problems.append(f"header {name} missing")
    content = declared.get("content", {})
    if not content:
        return problems
    if ctype not in content:
        return problems + [f"content type {ctype!r} not in {sorted(content)}"]
    if ctype == "application/json" and method != "HEAD":
        try:
            body = json.loads(raw)
        except ValueError as e:
            return problems + [f"not JSON: {e}"]
        problems += validate(doc, content[ctype]["schema"], body)
    return problems


if __name__ == "__main__":
    main()
