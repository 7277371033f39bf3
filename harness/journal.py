"""The simulators' delivery journal as lines a person reads in a failure report."""

from __future__ import annotations

import json
from typing import Any

BODY_HEAD = 200


def attempt_lines(deliveries: dict[str, Any]) -> str:
    """One line per attempt from the control API's ``/_sim/deliveries`` answer.

    Event type and id, endpoint, attempt number and kind, the answer's status and body head, and the
    faults the delivery's plan applied.
    """
    plans = {d["id"]: d.get("plan") or {} for d in deliveries.get("deliveries", [])}
    lines = []
    for a in deliveries.get("attempts", []):
        faults = {k: v for k, v in plans.get(a["delivery_id"], {}).items() if v not in (None, False, 0, [], {}, "")}
        body = " ".join((a.get("response_body") or a.get("error") or "").split())[:BODY_HEAD]
        lines.append(
            f"{a['provider']} {a['event_type']} event={a.get('event_id')} -> {a['endpoint']} "
            f"attempt {a['attempt_no']} ({a.get('kind', 'original')}): {a.get('response_status')} {body}"
            + (f"  faults={json.dumps(faults, sort_keys=True)}" if faults else "")
        )
    return "\n".join(lines) or "(no deliveries)"
