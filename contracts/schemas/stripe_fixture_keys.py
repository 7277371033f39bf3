"""Which properties Stripe's own fixtures carry, per object the simulator returns, for one API version.

The pinned description (``stripe.subset.openapi.json``) is of API version
2023-08-16, older than the 2024-06-20 the simulator announces. Stripe's
fixtures (``openapi/fixtures3.json`` in ``stripe/openapi``: one example of
every object, as the API version of that commit returns it) close the gap
for presence: every property they carry must be present on the simulator's
objects, and every property the simulator adds beyond the description must
be among them. Only the property *names* are kept (``stripe.fixture-keys.json``).
Regenerate with::

    git -C stripe-openapi show COMMIT:openapi/fixtures3.json > fixtures3.json
    .venv/bin/python -m contracts.schemas.stripe_fixture_keys fixtures3.json --commit COMMIT --api-version V
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent / "stripe.fixture-keys.json"
OBJECTS = ("checkout.session", "item", "price", "payment_intent", "charge", "refund", "event", "webhook_endpoint")
NESTED = {
    "charge.payment_method_details.card": ("charge", "payment_method_details", "card"),
    "checkout.session.automatic_tax": ("checkout.session", "automatic_tax"),
    "checkout.session.custom_text": ("checkout.session", "custom_text"),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="a local copy of openapi/fixtures3.json")
    parser.add_argument("--commit", required=True)
    parser.add_argument("--api-version", required=True, help="the API version the repository described then")
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    resources = json.loads(args.source.read_text(encoding="utf-8"))["resources"]
    keys = {name: sorted(resources[name]) for name in OBJECTS}
    for label, (name, *route) in NESTED.items():
        node = resources[name]
        for step in route:
            node = node[step]
        keys[label] = sorted(node)
    result = {
        "source": {
            "repository": "stripe/openapi",
            "path": "openapi/fixtures3.json",
            "commit": args.commit,
            "api_version": args.api_version,
        },
        "keys": keys,
    }
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(keys)} objects")


if __name__ == "__main__":
    main()
