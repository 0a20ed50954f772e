"""Drive a plan change (procedure B) through Posventa's API, from the
customer's request to the quality call, as the team's roles would.

Standard library only. Each role's token comes from the environment
(`manage.py api_token <user>` prints one):

    POSVENTA_URL=https://posventa.example \\
    EXECUTIVE_TOKEN=pv_… COMMERCIAL_MANAGER_TOKEN=pv_… \\
    python docs/examples/plan_change.py 1020304050 12 carta.pdf

opens the request for the customer's NIT and product id, attaches the signed
letter (a PDF) wherever a step asks for a document, fills every other
required field from the step's JSON Schema (its default, its first option,
a checkbox that must be ticked), answers the quality call as "conforme",
and prints each step and, at the end, the order request's PDF it saved.

A step's form is read, never guessed: `GET /tasks/{id}` gives its JSON
Schema, whose `required` lists every field the form refuses without.
docs/api.md walks through it.
"""

import json
import os
import sys
import time
import uuid
from urllib.error import HTTPError
from urllib.request import Request, urlopen

BASE = os.environ.get("POSVENTA_URL", "http://127.0.0.1:8000").rstrip("/") + "/api/v1"
TOKENS = {
    "executive": os.environ.get("EXECUTIVE_TOKEN", ""),
    "commercial_manager": os.environ.get("COMMERCIAL_MANAGER_TOKEN", ""),
}

# What the people decide, by step (form key); the rest comes from the schema.
ANSWERS = {
    "common/quality_call": {
        "conform": "yes",
        "interaction_channel": "phone",
        "interaction_summary": "El cliente confirma el nuevo plan.",
    },
}


def call(role, method, path, *, json_body=None, files=None, fields=None):
    """One request as `role` (a path under /api/v1, or a URL the API gave); the
    answer's JSON (or bytes), or SystemExit on a refusal."""
    headers = {"Authorization": f"Bearer {TOKENS[role]}"}
    body = None
    if method == "POST":
        # A retry after a lost connection is safe with the same key.
        headers["Idempotency-Key"] = str(uuid.uuid4())
    if files:
        body, headers["Content-Type"] = multipart(fields or {}, files)
    elif json_body is not None:
        body = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    url = path if path.startswith("http") else BASE + path
    for attempt in range(1, 4):
        request = Request(url, data=body, method=method, headers=headers)
        try:
            with urlopen(request, timeout=30) as response:
                payload = response.read()
                if response.headers.get_content_type() == "application/json":
                    return json.loads(payload)
                return payload
        except HTTPError as refusal:
            if refusal.code == 503 and attempt < 3:
                # Posventa restarting or its database busy: again, with the same key.
                time.sleep(float(refusal.headers.get("Retry-After") or 1))
                continue
            error = json.loads(refusal.read() or b"{}")
            # One shape: code, detail (the Spanish sentence), errors (per field).
            sys.exit(f"{method} {path}: {refusal.code} {error.get('code')}: {error}")


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def fill(task: dict, pdf: tuple[str, bytes]) -> tuple[dict, dict]:
    """The step's data and files: the people's answers, then what the schema requires."""
    schema = task["form"]
    data = dict(ANSWERS.get(task["form_key"], {}))
    files = {}
    for name, field in schema["properties"].items():
        if field.get("format") == "binary":
            files[name] = pdf  # every document the step takes: the signed letter
            continue
        if name in data or name not in schema["required"]:
            continue
        options = field.get("oneOf") or field.get("items", {}).get("oneOf") or []
        if "const" in field:
            data[name] = field["const"]  # a checkbox that must be ticked
        elif "default" in field:
            data[name] = field["default"]
        elif options:
            first = options[0]["const"]
            data[name] = [first] if field.get("type") == "array" else first
        else:
            sys.exit(f"{task['form_key']}: no answer for the required field {name!r}")
    return data, files


def main(nit: str, product_id: int, letter_path: str) -> None:
    with open(letter_path, "rb") as letter:
        pdf = (os.path.basename(letter_path), letter.read())
    case = call(
        "executive",
        "POST",
        "/cases",
        json_body={
            "nit": nit,
            "procedure": "B",
            "channel": "email",
            "subject": "Cambio de plan",
            "product_id": product_id,
        },
    )
    print(f"Caso {case['number']} abierto")
    while case["current_tasks"]:
        pending = case["current_tasks"][0]
        role = pending["role"]
        task = call(role, "GET", f"/tasks/{pending['id']}")
        data, files = fill(task, pdf)
        path = f"/tasks/{task['id']}/complete"
        if files:
            case = call(role, "POST", path, fields=data, files=files)
        else:
            case = call(role, "POST", path, json_body={"data": data})
        print(f"  {task['name']} ({role}): hecho")
    print(f"Caso {case['number']}: {case['status']}, {case['outcome']}")
    for document in call("executive", "GET", f"/cases/{case['number']}/documents"):
        if document["generated"] and document["download"]:  # rendered by the worker
            content = call("executive", "GET", document["download"])
            with open(document["filename"], "wb") as out:
                out.write(content)
            print(f"  {document['title']}: {document['filename']} ({len(content)} bytes)")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
