"""A stand-in for GitHub's REST API on 127.0.0.1, for the tests of ``alerts sync``.

It speaks the endpoints the GitHub adapter uses, the way GitHub answers them (pages of at
most 100 with a ``Link`` header, the issues list holding pull requests too, labels by
name), keeps the issues, comments and labels in memory, and records every request. Faults
are planted with :meth:`GitHubStub.fail`: an answer instead of the real one (a 500, a 429
with ``Retry-After``), or after doing the work (a create that worked but was answered 502).
Nothing leaves the machine; each server stops with its test.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from tests import local_server

START = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    authorization: str
    version: str


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    times: int
    headers: dict[str, str]
    after: bool
    """Do the work, then answer ``status`` (GitHub did it, the client does not know)."""


@dataclass
class GitHubStub:
    owner: str = "univ"
    repo: str = "progress"
    prefix: str = ""
    """A path before ``/repos`` (GitHub Enterprise Server answers under ``/api/v3``)."""
    token: str | None = "test-token"
    """The token writes need (reads are allowed without one, as for a public repository)."""
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    ticks: int = 0
    next_number: int = 1

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    # --- the server ----------------------------------------------------------------------

    def start(self) -> GitHubStub:
        self.server = local_server.start(self._handle, ("GET", "POST", "PATCH"))
        return self

    def stop(self) -> None:
        local_server.stop(self.server)
        self.server = None

    @property
    def url(self) -> str:
        return local_server.origin(self.server) + self.prefix

    # --- arranging and inspecting --------------------------------------------------------

    def now(self) -> str:
        self.ticks += 1
        return (START + dt.timedelta(minutes=self.ticks)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def add_issue(
        self,
        title: str,
        body: str | None,
        *,
        state: str = "open",
        labels: tuple[str, ...] = ("督办提醒",),
        pull_request: bool = False,
    ) -> int:
        with self.lock:
            return self._create(
                {"title": title, "body": body, "labels": list(labels)}, state, pull_request
            )

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        after: bool = False,
    ) -> None:
        """The next ``times`` requests of ``method`` whose path (after the prefix) matches
        the regular expression ``path`` are answered ``status``."""
        self.faults.append(Fault(method, re.compile(path), status, times, headers or {}, after))

    @property
    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method != "GET"]

    def open_issues(self) -> list[dict[str, Any]]:
        return [i for i in self.issues.values() if i["state"] == "open"]

    # --- answering -----------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        path = unquote(parts.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        with self.lock:
            self.requests.append(
                Recorded(
                    method,
                    path,
                    query,
                    body,
                    handler.headers.get("Authorization", ""),
                    handler.headers.get("X-GitHub-Api-Version", ""),
                )
            )
            if not path.startswith(self.prefix):
                return self._send(handler, 404, {"message": "Not Found"})
            path = path[len(self.prefix) :]
            fault = next(
                (f for f in self.faults if f.method == method and f.path.search(path) and f.times),
                None,
            )
            if fault is not None:
                fault.times -= 1
                if not fault.after:
                    message = {"message": f"stub fault {fault.status}"}
                    return self._send(handler, fault.status, message, fault.headers)
            status, answer, headers = self._route(method, path, query, body, handler)
            if fault is not None:
                return self._send(handler, fault.status, {"message": "late"}, fault.headers)
            return self._send(handler, status, answer, headers)

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: Any,
        handler: BaseHTTPRequestHandler,
    ) -> tuple[int, Any, dict[str, str]]:
        base = f"/repos/{self.owner}/{self.repo}"
        if not path.startswith(base + "/"):
            return 404, {"message": "Not Found"}, {}
        rest = path[len(base) :]
        if method != "GET" and self.token is not None:
            auth = handler.headers.get("Authorization", "")
            if auth not in (f"token {self.token}", f"Bearer {self.token}"):
                return 401, {"message": "Requires authentication"}, {}
        if rest == "/issues" and method == "GET":
            return self._list_issues(query)
        if rest == "/issues" and method == "POST":
            number = self._create(body, "open", False)
            return 201, self.issues[number], {}
        if found := re.fullmatch(r"/issues/(\d+)", rest):
            issue = self.issues.get(int(found.group(1)))
            if issue is None:
                return 404, {"message": "Not Found"}, {}
            if method == "PATCH":
                return 200, self._update(issue, body), {}
            return 200, issue, {}
        if found := re.fullmatch(r"/issues/(\d+)/comments", rest):
            number = int(found.group(1))
            if number not in self.issues:
                return 404, {"message": "Not Found"}, {}
            comments = self.comments.setdefault(number, [])
            if method == "POST":
                comment = {
                    "id": 1000 + sum(len(c) for c in self.comments.values()),
                    "body": body["body"],
                    "created_at": self.now(),
                    "user": {"login": "github-actions[bot]"},
                }
                comments.append(comment)
                self.issues[number]["comments"] = len(comments)
                self.issues[number]["updated_at"] = comment["created_at"]
                return 201, comment, {}
            return self._page(f"{base}/issues/{number}/comments", comments, query)
        if rest == "/labels" and method == "POST":
            name = body["name"]
            if name in self.labels:
                return 422, {"message": "Validation Failed"}, {}
            self.labels[name] = {"name": name, **body}
            return 201, self.labels[name], {}
        if found := re.fullmatch(r"/labels/(.+)", rest):
            label = self.labels.get(found.group(1))
            return (200, label, {}) if label else (404, {"message": "Not Found"}, {})
        return 404, {"message": "Not Found"}, {}

    def _create(self, body: dict[str, Any], state: str, pull_request: bool) -> int:
        number = self.next_number
        self.next_number += 1
        stamp = self.now()
        issue: dict[str, Any] = {
            "id": 5000 + number,
            "node_id": f"I_{number}",
            "number": number,
            "title": body["title"],
            "body": body.get("body"),
            "state": state,
            "state_reason": "completed" if state == "closed" else None,
            "labels": [{"name": name} for name in body.get("labels", [])],
            "user": {"login": "github-actions[bot]"},
            "comments": 0,
            "created_at": stamp,
            "updated_at": stamp,
            "closed_at": stamp if state == "closed" else None,
            "html_url": f"https://github.com/{self.owner}/{self.repo}/issues/{number}",
        }
        if pull_request:
            issue["pull_request"] = {"url": "https://example.invalid/pulls/1"}
        self.issues[number] = issue
        return number

    def _update(self, issue: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        for name in ("title", "body"):
            if name in body:
                issue[name] = body[name]
        stamp = self.now()
        if body.get("state") in ("open", "closed") and body["state"] != issue["state"]:
            issue["state"] = body["state"]
            issue["closed_at"] = stamp if body["state"] == "closed" else None
            issue["state_reason"] = body.get("state_reason")
        issue["updated_at"] = stamp
        return issue

    def close_by_person(self, number: int) -> None:
        """What a person's click does: closed, the body as it was."""
        with self.lock:
            self._update(self.issues[number], {"state": "closed", "state_reason": "completed"})

    def _list_issues(self, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        wanted = [name for name in query.get("labels", "").split(",") if name]
        state = query.get("state", "open")
        since = query.get("since")
        chosen = [
            issue
            for issue in self.issues.values()
            if (state == "all" or issue["state"] == state)
            and all(name in {lab["name"] for lab in issue["labels"]} for name in wanted)
            and (since is None or issue["updated_at"] >= _stamp(since))
        ]
        sort = query.get("sort", "created")
        chosen.sort(
            key=lambda i: (i["updated_at"] if sort == "updated" else i["created_at"], i["number"]),
            reverse=query.get("direction", "desc") == "desc",
        )
        return self._page(f"/repos/{self.owner}/{self.repo}/issues", chosen, query)

    def _page(
        self, path: str, items: list[dict[str, Any]], query: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        per_page = min(int(query.get("per_page", "30")), 100)
        page = int(query.get("page", "1"))
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []

        def link(number: int, rel: str) -> str:
            target = urlencode({**query, "page": str(number)})
            return f'<{self.url}{path}?{target}>; rel="{rel}"'

        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links += [link(1, "first"), link(page - 1, "prev")]
        return 200, chunk, {"Link": ", ".join(links)} if links else {}

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        answer: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(answer).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)


def _stamp(value: str) -> str:
    """A ``since`` value as the stub's timestamps are written (UTC, seconds, Z)."""
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
