"""The GitLab adapter of ``alerts sync``, through python-gitlab (GitLab.com and self-managed).

It carries out :mod:`generator.sync`'s actions on a GitLab project, one request each,
through :class:`~generator.adapters.gitlab_api.Api` (its retries, rate-limit waits and
failures, one line each):

- ``GET /projects/:id/issues?labels=L&state=opened`` (100 a page, oldest first, page by
  page while ``X-Next-Page`` or the ``Link`` header's ``next`` says there is one; at most
  :data:`MAX_OPEN_PAGES` pages);
- ``GET /projects/:id/issues?labels=L&state=closed&updated_after=…`` (the most recently
  updated first, at most :data:`MAX_CLOSED_PAGES` pages);
- ``GET /projects/:id/labels/L``, and ``POST /projects/:id/labels`` when it is missing
  (a 409 means another run made it meanwhile);
- ``POST /projects/:id/issues`` (title, description with the marker, label: one request,
  so a rerun after a failure finds the issue); ``PUT /projects/:id/issues/:iid`` (title and
  description; or ``state_event=close`` with the emptied marker in the same request:
  GitLab has no "not planned", the duplicate's note says why it was closed);
- ``GET`` (the newest 100) then ``POST /projects/:id/issues/:iid/notes`` (a note is not
  posted twice).

The department contacts are in the bodies the plan writes: ``@user`` and
``@group/subgroup`` mention people and groups on GitLab as on GitHub. Issues are numbered
by their ``iid`` (``#12`` in the project). Answers are untrusted: shapes checked, bodies
bounded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, NoReturn
from urllib.parse import quote

from generator import forge
from generator.adapters.gitlab_api import Api, GitLabError, project_ref, settings
from generator.models import REPOSITORY_PATTERN, SiteConfig
from generator.sync import (
    DEFAULT_LABELS,
    Issue,
    IssueReader,
    Request,
    SyncError,
    parse_comment_tag,
    word,
)

PER_PAGE = 100
MAX_OPEN_PAGES = 30
"""Open issues with the label read at most (pages of 100): beyond, the sync stops, saying so."""
MAX_CLOSED_PAGES = 3
MAX_BODY = 1_048_576
"""GitLab's limit on a description: a longer one is not an alert's, and is read as empty."""
MAX_TITLE = 1_000
LABEL_COLOR = "#d93f0b"

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")
_LABEL_FORBIDDEN = re.compile(r"[,?#%\x00-\x1f\x7f]")

Log = Callable[[Request, bool], None]
"""Told of each write: the request, and whether it was only shown (a dry run)."""


class GitLabSyncError(SyncError):
    """A :class:`~generator.sync.SyncError` worded for GitLab."""

    def __init__(self, error: GitLabError) -> None:
        super().__init__(error.code, **error.values)
        self.error = error

    def message(self, language: str) -> str:
        return self.error.message(language)


def connect(
    site: SiteConfig,
    environ: Mapping[str, str],
    *,
    repo: str | None,
    label: str | None,
    dry_run: bool,
    language: str,
    log: Log | None = None,
) -> tuple[forge.Repository, GitLabForge]:
    """The project (``--repo``, else ``repository:`` in site.yaml, else GitLab CI's
    ``CI_PROJECT_PATH``) and its adapter, from the command line's choices and the
    environment (``CI_SERVER_URL`` else ``server:``, ``PROGRESS_SITE_TOKEN`` else
    ``GITLAB_TOKEN``), or a :class:`SyncError` saying what is missing."""
    if repo is not None and not re.match(REPOSITORY_PATTERN, repo):
        raise SyncError("bad_repo", value=repo)
    chosen = label if label is not None else DEFAULT_LABELS.get(site.language, "progress-alert")
    if not check_label(chosen):
        raise SyncError("bad_label", value=chosen)
    slug = repo or site.repository or environ.get("CI_PROJECT_PATH", "").strip()
    if not slug or not re.match(REPOSITORY_PATTERN, slug):
        raise GitLabSyncError(GitLabError("no_project"))
    try:
        found = settings(environ, site.server)
    except GitLabError as exc:
        raise GitLabSyncError(exc) from None
    if found.token is None and not dry_run:
        raise GitLabSyncError(GitLabError("no_token"))
    repository = forge.Repository(
        server=found.server, slug=slug, branch=site.branch, platform="gitlab"
    )
    api = Api(found.server, found.token, ca_file=found.ca_file)
    return repository, GitLabForge(api, slug, chosen, language, dry_run=dry_run, log=log)


def check_label(label: str) -> bool:
    """Whether ``label`` can be a label and a filter of the issues list (a comma would
    separate two labels there)."""
    return 0 < len(label) <= 50 and label == label.strip() and not _LABEL_FORBIDDEN.search(label)


class GitLabForge(IssueReader):
    """One project's alert issues on GitLab; see the module's description."""

    OPEN_STATE = "opened"

    def __init__(
        self,
        api: Api,
        project: str,
        label: str,
        language: str,
        *,
        dry_run: bool = False,
        log: Log | None = None,
    ) -> None:
        try:
            self.project = project_ref(project)
        except GitLabError as exc:
            raise GitLabSyncError(exc) from None
        self.api = api
        self.label = label
        self.language = language
        self.dry_run = dry_run
        self.log: Log = log or (lambda request, shown: None)
        self.unread: SyncError | None = None
        """In a dry run, why the issues could not be read (then nothing more is read)."""

    @property
    def prefix(self) -> str:
        return f"/projects/{self.project}"

    # --- reading ------------------------------------------------------------------------

    def _list(self, state: str, since: str | None, *, strict: bool) -> list[Issue]:
        max_pages = MAX_OPEN_PAGES if strict else MAX_CLOSED_PAGES
        path = f"{self.prefix}/issues"
        found: list[Issue] = []
        page: int | None = 1
        while page is not None:
            if page > max_pages:
                if strict:
                    raise SyncError("too_many", n=max_pages * PER_PAGE, label=self.label)
                break
            query: dict[str, str | int] = {
                "labels": self.label,
                "state": state,
                "per_page": PER_PAGE,
                "page": page,
            }
            if since is not None:
                query.update(order_by="updated_at", sort="desc", updated_after=since)
            else:  # the oldest first: an issue opened meanwhile goes last, shifting no page
                query.update(order_by="created_at", sort="asc")
            answer = self._call("GET", path, query=query)
            data = answer.data if answer else None
            if not isinstance(data, list):
                self._bad("GET", path, "not a list of issues")
            found += [self._issue(item, path) for item in data]
            following = answer.next_page() if answer else None
            page = following if following is not None and following > page else None
        return found

    def _issue(self, item: object, path: str) -> Issue:
        if not isinstance(item, dict):
            self._bad("GET", path, "an issue that is not an object")
        number, state = item.get("iid"), item.get("state")
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            self._bad("GET", path, "an issue without an iid")
        if state not in ("opened", "closed"):
            self._bad("GET", path, f"issue #{number} has no state")
        title, body, closed_at = item.get("title"), item.get("description"), item.get("closed_at")
        title = title[:MAX_TITLE] if isinstance(title, str) else ""
        body = body if isinstance(body, str) and len(body) <= MAX_BODY else ""
        closed = closed_at if isinstance(closed_at, str) and _TIMESTAMP.fullmatch(closed_at) else ""
        return Issue(number, title, body, state == "opened", "" if state == "opened" else closed)

    def commented(self, number: int, key: str, tag: str) -> bool:
        """Whether the issue's newest 100 notes hold one with this tag."""
        if self.unread is not None:
            return False
        path = f"{self.prefix}/issues/{number}/notes"
        query: dict[str, str | int] = {"sort": "desc", "order_by": "created_at", "per_page": 100}
        answer = self._call("GET", path, query=query)
        notes = answer.data if answer else None
        if not isinstance(notes, list):
            self._bad("GET", path, "not a list of notes")
        return any(
            isinstance(note, dict) and parse_comment_tag(note.get("body")) == (key, tag)
            for note in notes
        )

    # --- writing ------------------------------------------------------------------------

    def ensure_label(self, description: str) -> None:
        if self.unread is None:
            path = f"{self.prefix}/labels/{quote(self.label, safe='')}"
            if self._call("GET", path, missing_ok=True) is not None:
                return
        summary = word("req_label", self.language, label=self.label)
        body = {"name": self.label, "color": LABEL_COLOR, "description": description[:255]}
        self._write("POST", f"{self.prefix}/labels", summary, body, exists_ok=True)

    def create(self, title: str, body: str) -> None:
        summary = word("req_create", self.language, title=title)
        data = {"title": title, "description": body, "labels": self.label}
        self._write("POST", f"{self.prefix}/issues", summary, data)

    def edit(self, number: int, title: str, body: str) -> None:
        summary = word("req_edit", self.language, number=number, title=title)
        data = {"title": title, "description": body}
        self._write("PUT", f"{self.prefix}/issues/{number}", summary, data)

    def comment(self, number: int, body: str) -> None:
        summary = word("req_comment", self.language, number=number)
        self._write("POST", f"{self.prefix}/issues/{number}/notes", summary, {"body": body})

    def close(self, number: int, body: str, reason: str) -> None:
        summary = word("req_close", self.language, number=number, reason=reason)
        data = {"description": body, "state_event": "close"}
        self._write("PUT", f"{self.prefix}/issues/{number}", summary, data)

    def _write(
        self,
        method: str,
        path: str,
        summary: str,
        body: Mapping[str, object],
        *,
        exists_ok: bool = False,
    ) -> None:
        request = Request(method, path, summary)
        if self.dry_run:
            self.log(request, True)
            return
        if self._call(method, path, body=body, exists_ok=exists_ok) is None:
            return  # the label was there already
        self.log(request, False)

    def _call(self, method: str, path: str, **options: Any) -> Any:
        try:
            return self.api.call(method, path, **options)
        except GitLabError as exc:
            raise GitLabSyncError(exc) from None

    def _bad(self, method: str, path: str, what: str) -> NoReturn:
        raise GitLabSyncError(GitLabError("bad_answer", method=method, path=path, what=what))
