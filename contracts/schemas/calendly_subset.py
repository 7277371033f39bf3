"""Cut the operations the Calendly simulator implements out of Calendly's published API description.

Source: ``openapi/openapi.yaml`` of ``speakeasy-sdks/calendly-python`` (Calendly's
API v2 description, vendored there; no repository of Calendly's own holds it).
Kept: the simulator's operations (``OPERATIONS``), the webhook payload schemas
(``WEBHOOK_SCHEMAS``) and every component they reach, prose and ``x-``
annotations dropped. Regenerate with::

    git -C calendly-python show COMMIT:openapi/openapi.yaml > calendly.yaml
    .venv/bin/python -m contracts.schemas.calendly_subset calendly.yaml --commit COMMIT
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from contracts.schemas.cutting import clean, closure, component_refs, load

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "calendly.subset.openapi.json"
OPERATIONS = (
    ("get", "/users/me"),
    ("get", "/users/{uuid}"),
    ("get", "/event_types"),
    ("get", "/event_types/{uuid}"),
    ("get", "/event_type_available_times"),
    ("get", "/scheduled_events"),
    ("get", "/scheduled_events/{uuid}"),
    ("get", "/scheduled_events/{uuid}/invitees"),
    ("get", "/scheduled_events/{event_uuid}/invitees/{invitee_uuid}"),
    ("post", "/scheduled_events/{uuid}/cancellation"),
    ("post", "/invitee_no_shows"),
    ("get", "/invitee_no_shows/{uuid}"),
    ("delete", "/invitee_no_shows/{uuid}"),
    ("post", "/webhook_subscriptions"),
    ("get", "/webhook_subscriptions"),
    ("get", "/webhook_subscriptions/{webhook_uuid}"),
    ("delete", "/webhook_subscriptions/{webhook_uuid}"),
    ("get", "/routing_forms"),
    ("get", "/routing_forms/{uuid}"),
    ("get", "/routing_form_submissions"),
    ("get", "/routing_form_submissions/{uuid}"),
)
WEBHOOK_SCHEMAS = ("WebhookPayload", "Invitee", "RoutingFormSubmission", "Cancellation")


def subset(document: dict[str, Any], commit: str) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for method, path in OPERATIONS:
        item = document["paths"][path]
        paths.setdefault(path, {})[method] = clean(item[method])
        if "parameters" in item:
            paths[path]["parameters"] = clean(item["parameters"])
    roots = component_refs(paths) | {f"schemas/{name}" for name in WEBHOOK_SCHEMAS}
    info = {
        "title": "Calendly API (subset: what the Calendly simulator implements)",
        "version": document["info"]["version"],
        "x-booking-harness-source": {
            "repository": "speakeasy-sdks/calendly-python",
            "commit": commit,
            "path": "openapi/openapi.yaml",
        },
    }
    return {
        "openapi": document["openapi"],
        "info": info,
        "servers": document.get("servers", []),
        "paths": paths,
        "components": closure(document, roots),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path)
    parser.add_argument("--commit", required=True)
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    result = subset(load(args.source), args.commit)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(
        f"{args.out}: {len(result['paths'])} paths, {sum(map(len, result['components'].values()))} components, "
        f"{args.out.stat().st_size // 1024} KiB"
    )


if __name__ == "__main__":
    main()
