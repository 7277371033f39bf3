"""Can this version of the booking service be deployed?  ``python -m contracts.can_i_deploy``

Without a Pact Broker (none runs here) the answer comes from the committed pact
files and the verification results the provider tests wrote: every pact file
is one consumer version (its content hash); it is deployable when a
verification of exactly that version exists and every interaction in the file
passed. The matrix (consumer version x provider x verified) is printed, and
the exit code is 0 only when everything is verified:

  0  every interaction of every pact is verified
  1  something is unverified or failing
  2  nothing to decide on (no pact files)

With ``--broker-url`` (or ``PACT_BROKER_BASE_URL``) the pacts come from the
broker instead, through pact-python's broker source: each simulator is
verified against the consumer's pacts there (``--publish`` sends the results
back), and the same matrix is printed from that run. Credentials are read by
pact-python from ``PACT_BROKER_TOKEN`` or ``PACT_BROKER_USERNAME``/``_PASSWORD``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from contracts.support.names import CONSUMER, PACTS_DIR, RESULTS_DIR, ROOT, VERIFY_COMMAND
from contracts.support.verification import pact_participants, pending_interactions, report_path
from contracts.support.versions import pact_version


@dataclass
class Row:
    consumer: str
    version: str
    provider: str
    interactions: int
    verified: bool
    detail: str


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def local_row(pact_file: Path, results_dir: Path) -> Row:
    consumer, provider, descriptions = pact_participants(pact_file)
    version = pact_version(pact_file)
    path = report_path(consumer, provider, version, results_dir)
    row = Row(consumer, version, provider, len(descriptions), False, "")
    if not path.exists():
        others = sorted(path.parent.glob("*.json"), key=lambda p: p.stat().st_mtime) if path.parent.is_dir() else []
        row.detail = (
            f"never verified: `{VERIFY_COMMAND}` writes the results into {_display(results_dir)}"
            if not others
            else f"this version was never verified (last verified: {others[-1].stem}, a different pact); "
            f"`{VERIFY_COMMAND}` verifies it"
        )
        return row
    report = json.loads(path.read_text(encoding="utf-8"))
    results = {i["description"]: i["result"] for i in report.get("interactions", [])}
    pending = pending_interactions(pact_file)
    unverified = [d for d in descriptions if d not in results and d not in pending]
    failing = [d for d in descriptions if results.get(d, "OK") != "OK" and d not in pending]
    pending_failing = [d for d in descriptions if d in pending and results.get(d, "NotRun") != "OK"]
    if failing or unverified:
        parts = []
        if failing:
            parts.append(f"{len(failing)} failing: " + "; ".join(failing))
        if unverified:
            parts.append(f"{len(unverified)} unverified: " + "; ".join(unverified))
        row.detail = ", ".join(parts)
        return row
    if not report.get("success"):
        row.detail = "the verification run failed (see its report)"
        return row
    row.verified = True
    row.detail = f"verified {report.get('verified_at')} (provider version {report.get('provider_version')})"
    if pending_failing:
        row.detail += f"; {len(pending_failing)} pending, not yet produced by the provider: " + "; ".join(
            pending_failing
        )
    return row


def local_matrix(pacts_dir: Path, results_dir: Path) -> list[Row]:
    return [local_row(path, results_dir) for path in sorted(pacts_dir.glob("*.json"))]


def print_matrix(rows: list[Row], out: TextIO | None = None) -> None:
    out = out or sys.stdout  # the stdout of the call, not of the import (a test may have closed that one)
    headers = ("CONSUMER", "VERSION", "PROVIDER", "INTERACTIONS", "VERIFIED", "DETAIL")
    table = [
        (r.consumer, r.version, r.provider, str(r.interactions), "yes" if r.verified else "NO", r.detail) for r in rows
    ]
    widths = [max(len(h), *(len(t[i]) for t in table)) if table else len(h) for i, h in enumerate(headers[:-1])]
    for line in (headers, *table):
        cells = [
            cell.ljust(width) if i != 3 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line[:-1], widths, strict=False))
        ]
        print("  ".join([*cells, line[-1]]).rstrip(), file=out)


def verdict(rows: list[Row], out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if not rows:
        print("can-i-deploy: no pact files found: nothing to decide on", file=out)
        return 2
    blocked = [r for r in rows if not r.verified]
    if blocked:
        names = ", ".join(r.provider for r in blocked)
        print(f"can-i-deploy: NO - {len(blocked)} of {len(rows)} pacts are not fully verified ({names})", file=out)
        return 1
    total = sum(r.interactions for r in rows)
    print(f"can-i-deploy: yes - all {total} interactions of {len(rows)} pacts are verified", file=out)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m contracts.can_i_deploy",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--pacts", type=Path, default=PACTS_DIR, help="folder of pact files (default: %(default)s)")
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS_DIR,
        help=f"folder of verification results, e.g. a CI artefact (default: %(default)s, or $PACT_RESULTS_DIR; "
        f"written by `{VERIFY_COMMAND}`)",
    )
    parser.add_argument(
        "--broker-url",
        default=os.environ.get("PACT_BROKER_BASE_URL"),
        help="verify against the pacts in this Pact Broker instead of the local files",
    )
    parser.add_argument("--consumer-branch", help="with a broker: the consumer branch whose latest pacts to verify")
    parser.add_argument("--publish", action="store_true", help="with a broker: publish the verification results")
    args = parser.parse_args(argv)
    os.environ.setdefault("PACT_DO_NOT_TRACK", "true")  # the Pact library would otherwise report usage over the network
    if args.broker_url:
        from contracts.broker_gate import broker_matrix  # starts simulators: only when asked

        print(f"can-i-deploy: {CONSUMER} against the pacts in {args.broker_url}")
        rows = broker_matrix(args.broker_url, branch=args.consumer_branch, publish=args.publish)
    else:
        print(f"can-i-deploy: {CONSUMER} pacts in {_display(args.pacts)}, results in {_display(args.results)}")
        rows = local_matrix(args.pacts, args.results)
    print_matrix(rows)
    return verdict(rows)


if __name__ == "__main__":
    sys.exit(main())
