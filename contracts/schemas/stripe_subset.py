"""Cut the part of Stripe's OpenAPI description the Stripe simulator answers for.

Stripe's description is a multi-megabyte file; the project keeps only what
its checks read (``stripe.subset.openapi.json``): the operations the
simulator implements (``OPERATIONS``) and every component schema they reach.
Other API resources a simulated object merely points at (``customer``,
``invoice``, ``balance_transaction``...) are the simulator's ids or nulls, so
their schemas become stubs (``{"type": "object"}``, marked) instead of pulling
in half the API. Descriptions and Stripe's ``x-`` annotations are dropped;
everything else is copied verbatim.

Regenerate from a local copy of the full description (JSON or YAML), e.g. the
file ``openapi/spec3.yaml`` of the ``stripe/openapi`` repository at the pinned
commit::

    git -C stripe-openapi show COMMIT:openapi/spec3.yaml > spec3.yaml
    .venv/bin/python -m contracts.schemas.stripe_subset spec3.yaml --commit COMMIT
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from contracts.schemas.cutting import clean, load

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "stripe.subset.openapi.json"
STUB = "x-booking-harness-stub"

# (method, path) of every operation the simulator implements under /stripe.
OPERATIONS = (
    ("post", "/v1/checkout/sessions"),
    ("get", "/v1/checkout/sessions"),
    ("get", "/v1/checkout/sessions/{session}"),
    ("post", "/v1/checkout/sessions/{session}/expire"),
    ("get", "/v1/checkout/sessions/{session}/line_items"),
    ("get", "/v1/payment_intents/{intent}"),
    ("get", "/v1/charges/{charge}"),
    ("post", "/v1/refunds"),
    ("get", "/v1/refunds"),
    ("get", "/v1/refunds/{refund}"),
    ("post", "/v1/refunds/{refund}"),
    ("get", "/v1/events"),
    ("get", "/v1/events/{id}"),
    ("post", "/v1/webhook_endpoints"),
    ("get", "/v1/webhook_endpoints"),
    ("get", "/v1/webhook_endpoints/{webhook_endpoint}"),
    ("post", "/v1/webhook_endpoints/{webhook_endpoint}"),
    ("delete", "/v1/webhook_endpoints/{webhook_endpoint}"),
)
# The API resources the simulator returns (or carries in events): copied whole, the rest are stubs.
RESOURCES = (
    "checkout.session",
    "item",
    "price",
    "payment_intent",
    "charge",
    "refund",
    "event",
    "webhook_endpoint",
    "deleted_webhook_endpoint",
    "error",
)


def _clean(node: Any) -> Any:
    return clean(node, prose=("description", "summary"))


def _refs(node: Any) -> set[str]:
    if isinstance(node, list):
        return set().union(*map(_refs, node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found = {node["$ref"].rsplit("/", 1)[-1]} if "$ref" in node else set()
    return found.union(*map(_refs, node.values())) if node else found


def subset(document: dict[str, Any], commit: str, source_path: str) -> dict[str, Any]:
    schemas = document["components"]["schemas"]
    paths: dict[str, Any] = {}
    for method, path in OPERATIONS:
        paths.setdefault(path, {})[method] = _clean(document["paths"][path][method])
    kept: dict[str, Any] = {}
    todo = sorted(_refs(paths) | set(RESOURCES))
    while todo:
        name = todo.pop()
        if name in kept:
            continue
        schema = schemas[name]
        if "x-resourceId" in schema and name not in RESOURCES:
            kept[name] = {"type": "object", STUB: schema["x-resourceId"]}
            continue
        kept[name] = _clean(schema)
        todo.extend(sorted(_refs(kept[name]) - set(kept)))
    info = {
        "title": "Stripe API (subset: the operations and objects the Stripe simulator implements)",
        "version": document["info"]["version"],
        "x-booking-harness-source": {"repository": "stripe/openapi", "commit": commit, "path": source_path},
    }
    return {
        "openapi": document["openapi"],
        "info": info,
        "servers": document.get("servers", []),
        "paths": paths,
        "components": {"schemas": dict(sorted(kept.items()))},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="a local copy of Stripe's full OpenAPI description")
    parser.add_argument("--commit", required=True, help="the stripe/openapi commit the copy was taken from")
    parser.add_argument("--path", default="openapi/spec3.yaml", help="the copy's path in that repository")
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    result = subset(load(args.source), args.commit, args.path)
    args.out.write_text(json.dumps(result, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(
        f"{args.out}: {len(result['paths'])} paths, {len(result['components']['schemas'])} schemas, "
        f"API version {result['info']['version']}, {args.out.stat().st_size // 1024} KiB"
    )


if __name__ == "__main__":
    main()
