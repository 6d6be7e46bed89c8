"""告诫提醒: the alert plan, a pure function of the computed portfolio and today.

One alert per department on the departments page's "falling behind" list. The plan is data
(Terraform's *plan*): :mod:`generator.sync` compares it with what a forge holds and an
adapter (:mod:`generator.adapters.github`, …) makes the fewest calls that reach it. Nothing
here talks to a network or reads the clock.

The contract between the plan and the sync:

- ``Alert.key`` is stable (``dept:<id>``) and is what an issue is found by, through the
  hidden marker at the end of its body (never by its title).
- ``Alert.items`` are the stable keys of what the department is behind on
  (``overdue:<project>/<milestone key>``, ``stale:<project>``, …), sorted; the marker
  carries them and their digest, so the next sync knows which items are new.
- ``Alert.labels`` names each item in the site's language, for the comment that tells
  people what newly fell behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field

MARKER_PREFIX = "<!-- progress-site:alert "
MARKER_SUFFIX = " -->"
_MARKER = re.compile(r"<!-- progress-site:alert (\{.*?\}) -->")
MAX_MARKER_ITEMS = 500
"""A marker lists at most this many item keys (an issue body is bounded by the forge)."""


@dataclass(frozen=True)
class Alert:
    """The issue one department should have open today."""

    key: str
    """``dept:<department id>``."""
    department: str
    """The department's id."""
    title: str
    """The issue's title, in the site's language."""
    body: str
    """The issue's body (Markdown), ending with :func:`marker`'s line."""
    items: tuple[str, ...]
    """Sorted stable keys of the items behind."""
    labels: dict[str, str] = field(default_factory=dict)
    """Item key → the item in words (for the comment naming new items)."""
    since: dt.date | None = None
    """The day the department went on the "falling behind" list."""
    contacts: tuple[str, ...] = ()
    """The department's handles, as written in site.yaml."""

    @property
    def digest(self) -> str:
        return items_digest(self.items)


@dataclass(frozen=True)
class Plan:
    """Every alert due as of ``as_of``, in the order of the departments in site.yaml."""

    as_of: dt.date
    language: str
    alerts: tuple[Alert, ...]


@dataclass(frozen=True)
class Marker:
    """What an issue's hidden marker says: whose it is and what it listed."""

    key: str
    digest: str
    items: tuple[str, ...]


def items_digest(items: tuple[str, ...]) -> str:
    """A short digest of the sorted item keys: equal digests, equal items."""
    return hashlib.sha256("\n".join(items).encode()).hexdigest()[:16]


def marker(key: str, items: tuple[str, ...]) -> str:
    """The hidden line at the end of an alert's body (an HTML comment: not shown)."""
    payload = {"key": key, "digest": items_digest(items), "items": list(items[:MAX_MARKER_ITEMS])}
    text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    return MARKER_PREFIX + text.replace("--", "\\u002d\\u002d") + MARKER_SUFFIX


def parse_marker(body: str | None) -> Marker | None:
    """The marker in an issue's body, or ``None`` when it has none or it was tampered
    with (a body comes from the forge: it is untrusted, and bounded here)."""
    if not body:
        return None
    found = _MARKER.search(body[-200_000:])
    if not found:
        return None
    try:
        data = json.loads(found.group(1))
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    key, digest, items = data.get("key"), data.get("digest"), data.get("items", [])
    if not (isinstance(key, str) and key.startswith("dept:") and len(key) <= 200):
        return None
    if not (isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{16}", digest)):
        return None
    if not (isinstance(items, list) and all(isinstance(i, str) for i in items)):
        return None
    return Marker(key=key, digest=digest, items=tuple(items[:MAX_MARKER_ITEMS]))
