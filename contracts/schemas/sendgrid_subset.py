"""Cut SendGrid's Mail Send operation out of its published OpenAPI description.

Source: ``oai_v3_stoplight.json`` of the ``sendgrid/sendgrid-oai`` repository
(OpenAPI 3.1, MIT licence). Kept: ``POST /mail/send`` (request body and every
response) and the components it refers to, prose and ``x-`` annotations
dropped, and the Event Webhook settings schema, whose flags name the event
kinds. The description publishes no schema for Event Webhook posts
themselves (``docs/fidelity.md`` lists that gap). Regenerate with::

    git -C sendgrid-oai show COMMIT:oai_v3_stoplight.json > sendgrid.json
    .venv/bin/python -m contracts.schemas.sendgrid_subset sendgrid.json --commit COMMIT
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from contracts.schemas.cutting import clean, closure, component_refs

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "sendgrid.subset.openapi.json"
PROSE = ("description", "summary")  # the committed copy keeps SendGrid's examples
EVENT_SETTINGS = "event-webhook-response"  # the Event Webhook's settings: the only place naming its event kinds


def subset(document: dict[str, Any], commit: str) -> dict[str, Any]:
    paths = {"/mail/send": {"post": clean(document["paths"]["/mail/send"]["post"], prose=PROSE)}}
    info = {
        "title": "SendGrid v3 API (subset: Mail Send)",
        "version": document["info"].get("version", ""),
        "x-booking-harness-source": {
            "repository": "sendgrid/sendgrid-oai",
            "commit": commit,
            "path": "oai_v3_stoplight.json",
        },
    }
    components = closure(document, component_refs(paths) | {f"schemas/{EVENT_SETTINGS}"}, prose=PROSE)
    return {
        "openapi": document["openapi"],
        "info": info,
        "servers": document.get("servers", []),
        "paths": paths,
        "components": components,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path)
    parser.add_argument("--commit", required=True)
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    result = subset(json.loads(args.source.read_text(encoding="utf-8")), args.commit)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(
        f"{args.out}: {sum(map(len, result['components'].values()))} components, {args.out.stat().st_size // 1024} KiB"
    )


if __name__ == "__main__":
    main()
