"""The dynamic-template registry: what SendGrid holds under "Dynamic Templates".

Templates arrive three ways, all ending here: SendGrid's own Templates API
(so an app can provision its templates in production with the same code),
the simulator's control API, and a folder of files with a manifest (how the
project ships its own mails, see ``default_templates/``). A template has an id
``d-<32 hex>``, a name and versions; the *active* version (the first one
created, or the last one created with ``active: 1``) is what a send renders.
Sources are compiled when stored, so a syntax error fails at provisioning time
instead of inside a send.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from simulators.sendgrid.handlebars import TemplateSyntaxError, check_syntax

DYNAMIC_TEMPLATE_ID = re.compile(r"^d-[0-9a-f]{32}$")
DEFAULT_TEMPLATES_DIR = Path(__file__).parent / "default_templates"
_TAG = re.compile(r"<[^>]+>")
_PART_FILES = (("subject", "subject.hbs"), ("html_content", "html.hbs"), ("plain_content", "txt.hbs"))


class TemplateError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _timestamp(now: float) -> str:
    return datetime.fromtimestamp(now, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def plain_from_html(html: str) -> str:
    """Roughly what SendGrid's ``generate_plain_content`` does: the text without tags."""
    text = re.sub(r"(?i)<br\s*/?>|</p>|</h\d>|</li>|</tr>", "\n", html)
    text = _TAG.sub("", text)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


@dataclass
class TemplateVersion:
    id: str
    template_id: str
    name: str
    subject: str
    html_content: str
    plain_content: str
    active: int
    generate_plain_content: bool
    editor: str
    updated_at: str

    def to_api(self) -> dict[str, Any]:
        return {**asdict(self), "user_id": 1, "thumbnail_url": ""}


@dataclass
class DynamicTemplate:
    id: str
    name: str
    updated_at: str
    generation: str = "dynamic"
    versions: list[TemplateVersion] = field(default_factory=list)

    @property
    def active_version(self) -> TemplateVersion | None:
        return next((v for v in self.versions if v.active), None)

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "generation": self.generation,
            "updated_at": self.updated_at,
            "versions": [v.to_api() for v in self.versions],
        }


class TemplateStore:
    def __init__(
        self, *, new_template_id: Callable[[], str], new_version_id: Callable[[], str], now: Callable[[], float]
    ) -> None:
        self._new_template_id = new_template_id
        self._new_version_id = new_version_id
        self._now = now
        self._templates: dict[str, DynamicTemplate] = {}
        self._lock = threading.RLock()

    def clear(self) -> None:
        with self._lock:
            self._templates.clear()

    def get(self, template_id: str) -> DynamicTemplate | None:
        with self._lock:
            return self._templates.get(template_id)

    def all(self) -> list[DynamicTemplate]:
        with self._lock:
            return list(self._templates.values())

    def create(self, name: object, *, template_id: str | None = None) -> DynamicTemplate:
        if not isinstance(name, str) or not name.strip():
            raise TemplateError("name is required", "name")
        if len(name) > 100:
            raise TemplateError("name must be 100 characters or fewer", "name")
        if template_id is not None and not DYNAMIC_TEMPLATE_ID.match(template_id):
            raise TemplateError("a dynamic template id is 'd-' followed by 32 lowercase hex digits", "id")
        with self._lock:
            template = DynamicTemplate(template_id or self._new_template_id(), name, _timestamp(self._now()))
            self._templates[template.id] = template
            return template

    def delete(self, template_id: str) -> bool:
        with self._lock:
            return self._templates.pop(template_id, None) is not None

    def add_version(self, template_id: str, body: dict[str, Any]) -> TemplateVersion:
        """Add a version from a Templates-API body (``name``, ``subject``, ``html_content``...)."""
        name, subject = body.get("name"), body.get("subject")
        if not isinstance(name, str) or not name.strip():
            raise TemplateError("name is required", "name")
        if not isinstance(subject, str):
            raise TemplateError("subject is required", "subject")
        html = body.get("html_content") or ""
        plain = body.get("plain_content") or ""
        if not isinstance(html, str) or not isinstance(plain, str):
            raise TemplateError("html_content and plain_content must be strings", "html_content")
        generate_plain = body.get("generate_plain_content", True)
        if generate_plain:
            plain = plain_from_html(html)
        for field_name, source in (("subject", subject), ("html_content", html), ("plain_content", plain)):
            try:
                check_syntax(source)
            except TemplateSyntaxError as exc:
                raise TemplateError(str(exc), field_name) from exc
        with self._lock:
            template = self._templates.get(template_id)
            if template is None:
                raise KeyError(template_id)
            make_active = not template.versions or bool(body.get("active", 0))
            version = TemplateVersion(
                id=self._new_version_id(),
                template_id=template_id,
                name=name,
                subject=subject,
                html_content=html,
                plain_content=plain,
                active=1 if make_active else 0,
                generate_plain_content=bool(generate_plain),
                editor=str(body.get("editor") or "code"),
                updated_at=_timestamp(self._now()),
            )
            if make_active:
                for other in template.versions:
                    other.active = 0
            template.versions.append(version)
            template.updated_at = version.updated_at
            return version

    def put(
        self, *, name: object, subject: str, html_content: str, plain_content: str, template_id: str | None = None
    ) -> DynamicTemplate:
        """Create (or replace, when the id exists) a template with one active version."""
        with self._lock:
            if template_id is not None:
                self._templates.pop(template_id, None)
            template = self.create(name, template_id=template_id)
            try:
                self.add_version(
                    template.id,
                    {
                        "name": f"{name} v1",
                        "subject": subject,
                        "html_content": html_content,
                        "plain_content": plain_content,
                        "generate_plain_content": False,
                        "active": 1,
                    },
                )
            except TemplateError:
                self._templates.pop(template.id, None)
                raise
            return template

    def load_folder(self, folder: str | Path) -> list[DynamicTemplate]:
        """Load ``manifest.json`` (``{key: {"id", "name"}}``) plus ``<key>.subject.hbs``,
        ``<key>.html.hbs`` and ``<key>.txt.hbs`` for every key."""
        folder = Path(folder)
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TemplateError(f"cannot read {folder / 'manifest.json'}: {exc}", "folder") from exc
        if not isinstance(manifest, dict):
            raise TemplateError("manifest.json must map template keys to {id, name}", "folder")
        loaded = []
        for key, entry in manifest.items():
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                raise TemplateError(f"manifest entry {key!r} needs an id", "folder")
            parts = {}
            for part, suffix in _PART_FILES:
                path = folder / f"{key}.{suffix}"
                parts[part] = path.read_text(encoding="utf-8").strip("\n") if path.exists() else ""
            loaded.append(self.put(name=str(entry.get("name") or key), template_id=entry["id"], **parts))
        return loaded
