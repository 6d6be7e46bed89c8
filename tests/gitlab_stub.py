"""A stand-in for GitLab's REST API (v4) on 127.0.0.1, for the tests of ``mr-note`` and of
the GitLab adapter of ``alerts sync``.

It speaks the endpoints used, the way GitLab answers them: a project named by its id or
its URL-encoded path, the token in ``PRIVATE-TOKEN``, offset pagination (``per_page`` at
most 100, ``X-Next-Page``/``X-Total-Pages`` and a ``Link`` header, or the ``Link`` header
alone with ``link_only``), issue states ``opened``/``closed`` and ``state_event`` to
close, labels by name (409 when one exists). It keeps issues, notes and labels in
memory and records every request. For the commands in docs/gitlab.md it also takes pipeline
schedules (a form, as ``curl --form`` sends it) and serves a job's latest artifacts by
branch and job name, through a redirect to its storage as GitLab.com does. Faults are planted with :meth:`GitLabStub.fail`: an
answer instead of the real one (a 500, a 429 with ``Retry-After``), or after doing the
work (``after``: a write that worked but was answered 502). Nothing leaves the machine;
each server stops with its test.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from tests import local_server

START = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
API = "/api/v4"


@dataclass
class Recorded:
    method: str
    path: str
    """After ``/api/v4``, the project as ``{project}``."""
    query: dict[str, str]
    body: Any
    token: str


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    times: int
    headers: dict[str, str]
    after: bool


@dataclass
class GitLabStub:
    project_id: int = 42
    project_path: str = "univ/progress"
    token: str = "glpat-test-token"
    bot_id: int = 900
    link_only: bool = False
    """Paginate with the ``Link`` header only (as keyset pagination does)."""
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    issue_notes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    mr_notes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    schedules: list[dict[str, Any]] = field(default_factory=list)
    artifacts: dict[tuple[str, str], bytes] = field(default_factory=dict)
    """(branch, job) → the zip file its latest successful job kept."""
    requests: list[Recorded] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    ticks: int = 0
    next_iid: int = 1
    next_note: int = 5000

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    # --- the server ----------------------------------------------------------------------

    def start(self) -> GitLabStub:
        self.server = local_server.start(self._handle, ("GET", "POST", "PUT"))
        return self

    def stop(self) -> None:
        local_server.stop(self.server)
        self.server = None

    @property
    def url(self) -> str:
        return local_server.origin(self.server)

    # --- arranging and inspecting --------------------------------------------------------

    def now(self) -> str:
        self.ticks += 1
        return (START + dt.timedelta(minutes=self.ticks)).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def add_issue(
        self,
        title: str,
        description: str | None,
        *,
        state: str = "opened",
        labels: tuple[str, ...] = ("督办提醒",),
    ) -> int:
        with self.lock:
            return self._create_issue(
                {"title": title, "description": description, "labels": ",".join(labels)}, state
            )

    def add_mr_note(self, iid: int, body: str, *, author: int, system: bool = False) -> int:
        with self.lock:
            return self._note(self.mr_notes.setdefault(iid, []), body, author, system)["id"]

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
        """The next ``times`` requests of ``method`` whose recorded path matches the
        regular expression ``path`` are answered ``status``."""
        self.faults.append(Fault(method, re.compile(path), status, times, headers or {}, after))

    @property
    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method != "GET"]

    def opened(self) -> list[dict[str, Any]]:
        return [i for i in self.issues.values() if i["state"] == "opened"]

    # --- answering -----------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        segments = parts.path.split("/")  # split before decoding: a path holds %2F
        project = self._project(segments)
        if project is not None:
            segments = [*segments[:4], "{project}", *segments[5:]]
        path = unquote("/".join(segments))
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        body = _body(handler.headers.get("Content-Type", ""), raw)
        token = handler.headers.get("PRIVATE-TOKEN", "")
        with self.lock:
            short = path[len(API) :] if path.startswith(API) else path
            self.requests.append(Recorded(method, short, query, body, token))
            if found := re.fullmatch(r"/storage/artifacts/(\d+)", path):
                stored = list(self.artifacts.values())
                number = int(found.group(1))
                if method == "GET" and number < len(stored):
                    return self._send(handler, 200, stored[number])
            if not path.startswith(API + "/"):
                return self._send(handler, 404, {"message": "404 Not Found"})
            fault = next(
                (f for f in self.faults if f.method == method and f.path.search(short) and f.times),
                None,
            )
            if fault is not None:
                fault.times -= 1
                if not fault.after:
                    message = {"message": f"stub fault {fault.status}"}
                    return self._send(handler, fault.status, message, fault.headers)
            if token != self.token:
                return self._send(handler, 401, {"message": "401 Unauthorized"})
            status, answer, headers = self._route(method, short, query, body)
            if fault is not None:
                return self._send(handler, fault.status, {"message": "late"}, fault.headers)
            return self._send(handler, status, answer, headers)

    def _project(self, segments: list[str]) -> str | None:
        if len(segments) > 4 and segments[1:4] == ["api", "v4", "projects"]:
            name = unquote(segments[4])
            if name in (str(self.project_id), self.project_path):
                return name
        return None

    def _route(
        self, method: str, path: str, query: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        if path == "/user" and method == "GET":
            return 200, {"id": self.bot_id, "username": f"project_{self.project_id}_bot"}, {}
        base = "/projects/{project}"
        if not path.startswith(base + "/"):
            return 404, {"message": "404 Project Not Found"}, {}
        rest = path[len(base) :]
        if rest == "/issues" and method == "GET":
            return self._list_issues(path, query)
        if rest == "/issues" and method == "POST":
            iid = self._create_issue(body, "opened")
            return 201, self.issues[iid], {}
        if found := re.fullmatch(r"/issues/(\d+)", rest):
            issue = self.issues.get(int(found.group(1)))
            if issue is None:
                return 404, {"message": "404 Not found"}, {}
            if method == "PUT":
                return 200, self._update(issue, body), {}
            return 200, issue, {}
        if found := re.fullmatch(r"/issues/(\d+)/notes", rest):
            iid = int(found.group(1))
            if iid not in self.issues:
                return 404, {"message": "404 Not found"}, {}
            notes = self.issue_notes.setdefault(iid, [])
            if method == "POST":
                note = self._note(notes, body["body"], self.bot_id, False)
                self.issues[iid]["updated_at"] = note["created_at"]
                self.issues[iid]["user_notes_count"] = len(notes)
                return 201, note, {}
            return self._page(path, self._sorted(notes, query), query)
        if found := re.fullmatch(r"/merge_requests/(\d+)/notes", rest):
            notes = self.mr_notes.setdefault(int(found.group(1)), [])
            if method == "POST":
                return 201, self._note(notes, body["body"], self.bot_id, False), {}
            return self._page(path, self._sorted(notes, query), query)
        if found := re.fullmatch(r"/merge_requests/(\d+)/notes/(\d+)", rest):
            notes = self.mr_notes.get(int(found.group(1)), [])
            note = next((n for n in notes if n["id"] == int(found.group(2))), None)
            if note is None:
                return 404, {"message": "404 Note Not Found"}, {}
            if method == "PUT":
                if note["author"]["id"] != self.bot_id:
                    return 403, {"message": "403 Forbidden"}, {}
                note["body"] = body["body"]
                note["updated_at"] = self.now()
            return 200, note, {}
        if rest == "/labels" and method == "POST":
            name = body["name"]
            if name in self.labels:
                return 409, {"message": "Label already exists"}, {}
            self.labels[name] = {"id": len(self.labels) + 1, **body}
            return 201, self.labels[name], {}
        if rest == "/pipeline_schedules" and method == "POST":
            missing = [k for k in ("description", "ref", "cron") if not (body or {}).get(k)]
            if missing:
                return 400, {"error": f"{', '.join(missing)} is missing"}, {}
            schedule = {
                "id": len(self.schedules) + 1,
                "description": body["description"],
                "ref": body["ref"],
                "cron": body["cron"],
                "cron_timezone": body.get("cron_timezone", "UTC"),
                "active": str(body.get("active", "true")).lower() == "true",
                "owner": {"id": self.bot_id, "username": f"project_{self.project_id}_bot"},
            }
            self.schedules.append(schedule)
            return 201, schedule, {}
        if found := re.fullmatch(r"/jobs/artifacts/([^/]+)/download", rest):
            key = (found.group(1), query.get("job", ""))
            if method != "GET" or key not in self.artifacts:
                return 404, {"message": "404 Not found"}, {}
            number = list(self.artifacts).index(key)
            return 302, {}, {"Location": f"{self.url}/storage/artifacts/{number}"}
        if found := re.fullmatch(r"/labels/(.+)", rest):
            label = self.labels.get(found.group(1))
            return (200, label, {}) if label else (404, {"message": "404 Label Not Found"}, {})
        return 404, {"message": "404 Not Found"}, {}

    def _create_issue(self, body: dict[str, Any], state: str) -> int:
        iid = self.next_iid
        self.next_iid += 1
        stamp = self.now()
        labels = [name for name in str(body.get("labels") or "").split(",") if name]
        self.issues[iid] = {
            "id": 7000 + iid,
            "iid": iid,
            "project_id": self.project_id,
            "title": body["title"],
            "description": body.get("description"),
            "state": state,
            "labels": labels,
            "author": {"id": self.bot_id, "username": f"project_{self.project_id}_bot"},
            "user_notes_count": 0,
            "created_at": stamp,
            "updated_at": stamp,
            "closed_at": stamp if state == "closed" else None,
            "web_url": f"{self.url}/{self.project_path}/-/issues/{iid}",
        }
        return iid

    def _update(self, issue: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        stamp = self.now()
        for key in ("title", "description"):
            if key in body:
                issue[key] = body[key]
        if body.get("state_event") == "close" and issue["state"] == "opened":
            issue["state"], issue["closed_at"] = "closed", stamp
        if body.get("state_event") == "reopen":
            issue["state"], issue["closed_at"] = "opened", None
        issue["updated_at"] = stamp
        return issue

    def _note(
        self, notes: list[dict[str, Any]], body: str, author: int, system: bool
    ) -> dict[str, Any]:
        self.next_note += 1
        note = {
            "id": self.next_note,
            "body": body,
            "system": system,
            "author": {"id": author, "username": f"user{author}"},
            "created_at": self.now(),
        }
        notes.append(note)
        return note

    def _sorted(self, notes: list[dict[str, Any]], query: dict[str, str]) -> list[dict[str, Any]]:
        return list(reversed(notes)) if query.get("sort", "desc") == "desc" else list(notes)

    def _list_issues(self, path: str, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        wanted = [name for name in query.get("labels", "").split(",") if name]
        state = query.get("state", "all")
        after = query.get("updated_after")
        found = [
            issue
            for issue in self.issues.values()
            if all(name in issue["labels"] for name in wanted)
            and (state == "all" or issue["state"] == state)
            and (after is None or issue["updated_at"] >= after)
        ]
        key = "updated_at" if query.get("order_by") == "updated_at" else "created_at"
        found.sort(key=lambda issue: (issue[key], issue["iid"]))
        if query.get("sort", "desc") == "desc":
            found.reverse()
        return self._page(path, found, query)

    def _page(
        self, path: str, items: list[dict[str, Any]], query: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        per_page = max(1, min(int(query.get("per_page", "20")), 100))
        page = max(1, int(query.get("page", "1")))
        pages = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        real = path.replace("{project}", str(self.project_id))

        def link(number: int) -> str:
            return f"<{self.url}{API}{real}?{urlencode({**query, 'page': number})}>"

        links = [f'{link(page + 1)}; rel="next"'] if page < pages else []
        links.append(f'{link(1)}; rel="first"')
        headers = {"Link": ", ".join(links)}
        if not self.link_only:
            headers.update(
                {
                    "X-Page": str(page),
                    "X-Per-Page": str(per_page),
                    "X-Next-Page": str(page + 1) if page < pages else "",
                    "X-Prev-Page": str(page - 1) if page > 1 else "",
                    "X-Total": str(len(items)),
                    "X-Total-Pages": str(pages),
                }
            )
        return 200, chunk, headers

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        answer: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        binary = isinstance(answer, bytes)
        data = answer if binary else json.dumps(answer, ensure_ascii=False).encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "application/zip" if binary else "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)


def _body(kind: str, raw: bytes) -> Any:
    """A request's body: JSON, or the fields of a form (``curl --form``, ``--data``)."""
    if not raw:
        return None
    if kind.startswith("multipart/form-data"):
        message = BytesParser(policy=policy.HTTP).parsebytes(
            f"Content-Type: {kind}\r\n\r\n".encode() + raw
        )
        return {
            part.get_param("name", header="content-disposition"): part.get_content()
            for part in message.iter_parts()
        }
    if kind.startswith("application/x-www-form-urlencoded"):
        return {k: v[-1] for k, v in parse_qs(raw.decode("utf-8")).items()}
    return json.loads(raw)
