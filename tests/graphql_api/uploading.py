"""Uploads as the tests send them: the file posted to ``/uploads/<kind>`` for a key, then the kind's import
mutation with that key (graphql_api.imports). ``upload_post`` answers in the shape the upload view answered with
before the key flow (``status_code`` and ``json()``: the import as plain JSON with lower-case statuses, a
refused input as ``{"errors": [{field, code, message}]}`` with 400, a refused caller as the GraphQL error with
the HTTP status the view gave it), so the tests' assertions read the same as they did."""

import json
import re

# kind → (mutation field, variables it takes from the form, the node it answers, the node's selection)
_BATCH = "batch { id kind status mode encoding rowsTotal rowsLoaded errors { line field code message } }"
_IMPORT = ("paymentImport { id kind layout filename status phase mode rowsRejected rowsTotal rowsPosted amountTotal "
           "amountPosted matched ambiguous unmatched duplicates errors { line field code message } }")
_CONFIRMATION = ("confirmation { confirmed already notInStatement mismatches { payoutId number line "
                 "fields { field expected actual } } unknown { number date amount payeeAccount line } }")
MUTATIONS = {
    "readings": ("readingsImport", {"mode": "ImportMode"}, _BATCH),
    "opening-balances": ("openingBalancesImport", {"mode": "ImportMode", "month": "String!"}, _BATCH),
    "own-receipts": ("ownReceiptsImport", {"mode": "ImportMode", "encoding": "String"}, _BATCH),
    "payment-registry": ("paymentRegistryImport", {"layout": "String", "mode": "ImportMode",
                                                   "background": "Boolean"}, _IMPORT),
    "bank-statement": ("bankStatementImport", {}, _IMPORT),
    "payout-confirmation": ("payoutConfirmationImport", {}, _CONFIRMATION),
}
# the HTTP status the upload view gave each refusal of the caller
_VARIABLE = re.compile(r"Variable '\$(\w+)'")
REFUSAL_STATUS = {"UNAUTHENTICATED": 401, "PERMISSION_DENIED": 403, "FOREIGN_PRINCIPAL": 403, "CSRF_FAILED": 403}


def import_request(kind: str, key: str, fields: dict) -> dict:
    """The GraphQL request that imports the file under ``key`` with the form's other fields."""
    field, takes, selection = MUTATIONS[kind]
    variables = {"key": key}
    for name in takes:
        if name in fields:
            variables[name] = _variable(name, fields[name])
    declared = ", ".join(["$key: String!", *(f"${n}: {takes[n]}" for n in variables if n != "key")])
    arguments = ", ".join(f"{n}: ${n}" for n in variables)
    return {"query": f"mutation Upload({declared}) {{ {field}({arguments}) {{ {selection} errors {{ field code "
                     f"message }} }} }}", "variables": variables}


def _variable(name: str, value):
    if name == "mode":
        return str(value).upper()
    if name == "background":
        return str(value).lower() in ("1", "true")
    return value


def legacy_answer(kind: str, body: dict) -> tuple[int, dict]:
    """The GraphQL answer of an import as (HTTP status, JSON) the way the upload view answered."""
    if body.get("errors"):
        named = [_VARIABLE.match(e["message"]) for e in body["errors"]]
        if all(named):
            # a form field GraphQL refused by its type (a mode that is none of the enum's): named by the field
            return 400, {"errors": [{"field": m[1], "code": e["extensions"]["code"], "message": e["message"]}
                                    for m, e in zip(named, body["errors"], strict=True)]}
        code = (body["errors"][0].get("extensions") or {}).get("code")
        return REFUSAL_STATUS.get(code, 400), {"errors": body["errors"]}
    payload = body["data"][MUTATIONS[kind][0]]
    node = next((v for k, v in payload.items() if k != "errors"), None)
    if node is None:
        return 400, {"errors": payload["errors"]}
    return 200, _legacy_node(node)


def _legacy_node(node: dict) -> dict:
    plain = dict(node)
    if "id" in plain:
        plain["id"] = int(plain["id"])
    for name in ("kind", "status", "mode"):
        if isinstance(plain.get(name), str):
            plain[name] = plain[name].lower()
    for name in ("confirmed", "already", "notInStatement"):
        if name in plain:
            plain[name] = [int(i) for i in plain[name]]
    if "rowsLoaded" in plain:  # a batch keeps a whole line's error under the field "" (GraphQL: null)
        plain["errors"] = [{**e, "field": e["field"] or ""} for e in plain["errors"]]
    for mismatch in plain.get("mismatches") or []:
        mismatch["payoutId"] = int(mismatch["payoutId"])
    return plain


class Answer:
    def __init__(self, status_code: int, body: dict):
        self.status_code = status_code
        self._body = body
        self.content = json.dumps(body, ensure_ascii=False).encode()

    def json(self) -> dict:
        return self._body


def upload_post(client, kind: str, form: dict, **extra):
    """``client.post(f"/uploads/{kind}", form, **extra)`` as it was: the file stored, then imported by key."""
    file = form.get("file")
    stored = client.post(f"/uploads/{kind}", {"file": file} if file is not None else {}, **extra)
    if stored.status_code != 200 or kind not in MUTATIONS:
        return stored
    fields = {k: v for k, v in form.items() if k != "file"}
    body = _graphql(client, import_request(kind, stored.json()["key"], fields), extra)
    payload = (body.get("data") or {}).get(MUTATIONS[kind][0]) or {}
    if payload.get("paymentImport") and payload.get("errors"):
        # a worker the broker refused once the import committed: the import as it stands now
        found = _graphql(client, {"query": "{ paymentImports(first: 100) { nodes { "
                                           + _IMPORT.split("{", 1)[1].rsplit("}", 1)[0] + " } } }"}, extra)
        payload["paymentImport"] = next(n for n in found["data"]["paymentImports"]["nodes"]
                                        if n["id"] == payload["paymentImport"]["id"])
    return Answer(*legacy_answer(kind, body))


def _graphql(client, request: dict, extra: dict) -> dict:
    return client.post("/graphql", json.dumps(request), content_type="application/json", **extra).json()
