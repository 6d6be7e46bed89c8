"""The GitHub adapter of ``alerts sync``, through githubkit (GitHub.com and Enterprise Server).

Everything it is given was computed and tested before it (:mod:`generator.sync`); it reads
the issues with the alert label, makes sure the label exists, and makes the writes, one
request each:

- ``GET /repos/{o}/{r}/issues?labels=L&state=open`` (100 a page, page by page while the
  answer's ``Link`` header has a ``next``; at most :data:`MAX_OPEN_PAGES` pages);
- ``GET /repos/{o}/{r}/issues?labels=L&state=closed&since=…&sort=updated`` (the most
  recently updated, at most :data:`MAX_CLOSED_PAGES` pages);
- ``GET /repos/{o}/{r}/labels/L``, and ``POST /repos/{o}/{r}/labels`` when it is missing;
- ``POST /repos/{o}/{r}/issues`` (title, body with the marker, label: one request, so a
  rerun after a failure finds the issue), ``PATCH /repos/{o}/{r}/issues/N`` (title and
  body; or closed, with the emptied marker in the same request);
- ``GET`` then ``POST /repos/{o}/{r}/issues/N/comments`` (a comment is not posted twice).

Failures: a rate limit (403 or 429 with ``Retry-After``, or ``X-RateLimit-Remaining: 0``
and ``X-RateLimit-Reset``; a bare 429, or a 403 whose message says "rate limit", waits a
minute) is waited out while the waits of the
run add up to at most ``max_wait`` seconds; a 5xx or a dropped connection is retried
(``attempts`` tries in all, with 1 s then 2 s between) for reads and edits, which are the
same when repeated; a ``POST`` is repeated only when it cannot have been done (rate limited,
or the connection was never made), since GitHub may have done one it answered with a 5xx:
the next run finds that by its marker or tag. Anything else raises one
:class:`~generator.sync.SyncError`. The answers are untrusted: shapes are checked, bodies
bounded, and no URL from an answer is followed (pages are asked for by number).

All requests declare the REST API version 2022-11-28, which GitHub.com and every supported
GitHub Enterprise Server answer; the endpoints used are the same in later versions.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal, NoReturn, TypeVar
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from githubkit import GitHub
from githubkit.exception import RateLimitExceeded, RequestError, RequestFailed
from githubkit.response import Response

from generator import forge
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

DEFAULT_API = "https://api.github.com"
API_VERSION = "2022-11-28"
PER_PAGE = 100
MAX_OPEN_PAGES = 30
"""Open issues with the label read at most (pages of 100): beyond, the sync stops, saying so."""
MAX_CLOSED_PAGES = 3
"""Recently closed issues read at most (pages of 100, the most recently updated first)."""
MAX_BODY = 1_000_000
"""A longer body is not an alert's (GitHub allows 65,536 characters): read as empty."""
MAX_TITLE = 1_000
LABEL_COLOR = "d93f0b"

_LINK = re.compile(r'<([^<>]*)>\s*;\s*rel="([a-z]+)"')
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")
_API_URL = re.compile(r"^https?://[^\s/?#]+(?:/[^\s?#]*)?$")
_LABEL_FORBIDDEN = re.compile(r"[,/?#%\x00-\x1f\x7f]")

T = TypeVar("T")
Log = Callable[[Request, bool], None]
"""Told of each write: the request, and whether it was only shown (a dry run)."""


def connect(
    site: SiteConfig,
    environ: Mapping[str, str],
    *,
    repo: str | None,
    label: str | None,
    dry_run: bool,
    language: str,
    log: Log | None = None,
) -> tuple[forge.Repository, GitHubForge]:
    """The repository (``--repo``, else ``repository:`` in site.yaml, else
    ``GITHUB_REPOSITORY``) and its adapter, from the command line's choices and the
    environment (``GITHUB_API_URL``, ``GITHUB_TOKEN``), or a :class:`SyncError` saying
    what is missing."""
    if repo is not None and (not re.match(REPOSITORY_PATTERN, repo) or repo.count("/") != 1):
        raise SyncError("bad_repo", value=repo)
    chosen = label if label is not None else DEFAULT_LABELS.get(site.language, "progress-alert")
    if not check_label(chosen):
        raise SyncError("bad_label", value=chosen)
    target = site.model_copy(update={"repository": repo}) if repo else site
    repository = forge.resolve(target, environ)
    if repository is None:
        raise SyncError("no_repository")
    if repository.platform != "github":
        raise SyncError("gitlab")
    api = environ.get("GITHUB_API_URL", "").strip().rstrip("/") or DEFAULT_API
    if not check_api_url(api):
        raise SyncError("bad_api_url", value=_short(api))
    token = environ.get("GITHUB_TOKEN", "").strip() or None
    if token is None and not dry_run:
        raise SyncError("no_token")
    adapter = GitHubForge(
        repository.slug, chosen, language, token=token, base_url=api, dry_run=dry_run, log=log
    )
    return repository, adapter


def check_label(label: str) -> bool:
    """Whether ``label`` can be a label and a filter of the issues list."""
    return 0 < len(label) <= 50 and label == label.strip() and not _LABEL_FORBIDDEN.search(label)


def check_api_url(url: str) -> bool:
    return bool(_API_URL.match(url))


class GitHubForge(IssueReader):
    """One repository's alert issues on GitHub; see the module's description."""

    def __init__(
        self,
        slug: str,
        label: str,
        language: str,
        *,
        token: str | None,
        base_url: str = DEFAULT_API,
        dry_run: bool = False,
        log: Log | None = None,
        sleep: Callable[[float], None] | None = None,
        now: Callable[[], float] | None = None,
        max_wait: float = 60.0,
        attempts: int = 3,
        timeout: float = 30.0,
    ) -> None:
        owner, _, name = slug.partition("/")
        if not owner or not name or "/" in name:
            raise SyncError("bad_repo", value=slug)
        self.owner, self.name = owner, name
        self.label = label
        self.language = language
        self.dry_run = dry_run
        self.log: Log = log or (lambda request, shown: None)
        self.sleep = sleep if sleep is not None else (lambda seconds: time.sleep(seconds))
        self.now = now if now is not None else (lambda: time.time())
        self.max_wait = max_wait
        self.attempts = attempts
        self.waited = 0.0
        """Seconds slept so far in this run (rate limits and the pauses before retries)."""
        self.unread: SyncError | None = None
        """In a dry run, why the issues could not be read (then nothing more is read)."""
        self.host = urlsplit(base_url).netloc or base_url
        self.github = GitHub(
            token,
            base_url=base_url,
            user_agent="progress-site",
            timeout=timeout,
            http_cache=False,
            auto_retry=False,
        )
        self.headers = {"X-GitHub-Api-Version": API_VERSION}

    @property
    def prefix(self) -> str:
        return f"/repos/{self.owner}/{self.name}"

    # --- reading ------------------------------------------------------------------------

    def _list(self, state: str, since: str | None, *, strict: bool) -> list[Issue]:
        max_pages = MAX_OPEN_PAGES if strict else MAX_CLOSED_PAGES
        path = f"{self.prefix}/issues"
        found: list[Issue] = []
        for page in range(1, max_pages + 1):
            params: dict[str, str | int] = {
                "state": state,
                "labels": self.label,
                "per_page": PER_PAGE,
                "page": page,
            }
            if since is not None:
                params.update(sort="updated", direction="desc", since=since)
            else:  # the oldest first: an issue opened meanwhile goes last, shifting no page
                params.update(sort="created", direction="asc")

            def call(params: dict[str, str | int] = params) -> Response[Any]:
                return self.github.request("GET", path, params=params, headers=self.headers)

            response = self._call("GET", path, call, idempotent=True)
            data = self._json(response, "GET", path)
            if not isinstance(data, list) or len(data) > PER_PAGE:
                self._bad("GET", path, "not a list of at most 100 issues")
            for item in data:
                issue = self._issue(item, "GET", path)
                if issue is not None:
                    found.append(issue)
            if "next" not in _links(response.headers.get("link", "")):
                return found
        if strict:
            raise SyncError("too_many", n=max_pages * PER_PAGE, label=self.label)
        return found

    def _issue(self, item: object, method: str, path: str) -> Issue | None:
        """An issue from the list, checked; ``None`` for a pull request (the issues list
        holds them too)."""
        if not isinstance(item, dict):
            self._bad(method, path, "an issue is not an object")
        if item.get("pull_request") is not None:
            return None
        number, state = item.get("number"), item.get("state")
        if type(number) is not int or not 0 < number < 2**53:
            self._bad(method, path, "an issue without a number")
        if state not in ("open", "closed"):
            self._bad(method, path, f"issue #{number} has no state")
        title, body, closed_at = item.get("title"), item.get("body"), item.get("closed_at")
        title = title[:MAX_TITLE] if isinstance(title, str) else ""
        body = body if isinstance(body, str) and len(body) <= MAX_BODY else ""
        closed = closed_at if isinstance(closed_at, str) and _TIMESTAMP.fullmatch(closed_at) else ""
        return Issue(number, title, body, state == "open", "" if state == "open" else closed)

    def commented(self, number: int, key: str, tag: str) -> bool:
        """Whether the issue's newest comments hold one with this tag (the first page, and
        the last one when there are more)."""
        if self.unread is not None:
            return False
        path = f"{self.prefix}/issues/{number}/comments"

        def page_of(page: int) -> Callable[[], Response[Any]]:
            return lambda: self.github.rest.issues.list_comments(
                self.owner, self.name, number, per_page=PER_PAGE, page=page, headers=self.headers
            )

        response = self._call("GET", path, page_of(1), idempotent=True)
        pages = [response]
        last = _links(response.headers.get("link", "")).get("last")
        last_page = _page_number(last) if last else None
        if last_page is not None and last_page > 1:
            pages.append(self._call("GET", path, page_of(last_page), idempotent=True))
        for page in pages:
            data = self._json(page, "GET", path)
            if not isinstance(data, list):
                self._bad("GET", path, "not a list of comments")
            for comment in data:
                if isinstance(comment, dict) and parse_comment_tag(comment.get("body")) == (
                    key,
                    tag,
                ):
                    return True
        return False

    # --- writing ------------------------------------------------------------------------

    def ensure_label(self, description: str) -> None:
        path = f"{self.prefix}/labels/{quote(self.label, safe='')}"
        if self.unread is None:
            try:
                self._call(
                    "GET",
                    path,
                    lambda: self.github.rest.issues.get_label(
                        self.owner, self.name, quote(self.label, safe=""), headers=self.headers
                    ),
                    idempotent=True,
                    missing_ok=True,
                )
                return
            except _Missing:
                pass
        summary = word("req_label", self.language, label=self.label)
        self._write(
            "POST",
            f"{self.prefix}/labels",
            summary,
            lambda: self.github.rest.issues.create_label(
                self.owner,
                self.name,
                name=self.label,
                color=LABEL_COLOR,
                description=description[:100],
                headers=self.headers,
            ),
            exists_ok=True,
        )

    def create(self, title: str, body: str) -> None:
        self._write(
            "POST",
            f"{self.prefix}/issues",
            word("req_create", self.language, title=title),
            lambda: self.github.rest.issues.create(
                self.owner,
                self.name,
                title=title,
                body=body,
                labels=[self.label],
                headers=self.headers,
            ),
        )

    def edit(self, number: int, title: str, body: str) -> None:
        self._write(
            "PATCH",
            f"{self.prefix}/issues/{number}",
            word("req_edit", self.language, number=number, title=title),
            lambda: self.github.rest.issues.update(
                self.owner, self.name, number, title=title, body=body, headers=self.headers
            ),
            idempotent=True,
        )

    def comment(self, number: int, body: str) -> None:
        self._write(
            "POST",
            f"{self.prefix}/issues/{number}/comments",
            word("req_comment", self.language, number=number),
            lambda: self.github.rest.issues.create_comment(
                self.owner, self.name, number, body=body, headers=self.headers
            ),
        )

    def close(self, number: int, body: str, reason: str) -> None:
        state_reason: Literal["completed", "not_planned"] = (
            "not_planned" if reason == "not_planned" else "completed"
        )
        self._write(
            "PATCH",
            f"{self.prefix}/issues/{number}",
            word("req_close", self.language, number=number, reason=state_reason),
            lambda: self.github.rest.issues.update(
                self.owner,
                self.name,
                number,
                state="closed",
                state_reason=state_reason,
                body=body,
                headers=self.headers,
            ),
            idempotent=True,
        )

    def _write(
        self,
        method: str,
        path: str,
        summary: str,
        call: Callable[[], Response[Any]],
        *,
        idempotent: bool = False,
        exists_ok: bool = False,
    ) -> None:
        request = Request(method, path, summary)
        if self.dry_run:
            self.log(request, True)
            return
        try:
            self._call(method, path, call, idempotent=idempotent, exists_ok=exists_ok)
        except _Exists:
            return
        self.log(request, False)

    # --- one request, its retries and its failures ----------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        call: Callable[[], T],
        *,
        idempotent: bool,
        missing_ok: bool = False,
        exists_ok: bool = False,
    ) -> T:
        tries = 0
        while True:
            tries += 1
            try:
                return call()
            except RequestFailed as exc:
                status = exc.response.status_code
                if isinstance(exc, RateLimitExceeded) or status == 429 or _rate_limit_message(exc):
                    wait = self._rate_wait(exc.response.headers)
                    self._pause(wait, SyncError("rate_limited", seconds=math.ceil(wait)))
                    continue
                if status == 404 and missing_ok:
                    raise _Missing from None
                if status == 422 and exists_ok:
                    raise _Exists from None
                if status >= 500 and idempotent and tries < self.attempts:
                    failure = SyncError(
                        "server", status=status, method=method, path=path, tries=tries
                    )
                    self._pause(float(2 ** (tries - 1)), failure)
                    continue
                self._failed(method, path, status, exc.response, tries)
            except RequestError as exc:
                cause = exc.exc
                never_sent = isinstance(cause, httpx.ConnectError)
                reason = _short(str(cause)) or type(cause).__name__
                failure = SyncError("network", host=self.host, reason=reason)
                if (idempotent or never_sent) and tries < self.attempts:
                    self._pause(float(2 ** (tries - 1)), failure)
                    continue
                raise failure from None
            except ValueError:  # githubkit reading a malformed Retry-After, say
                self._bad(method, path, "unreadable headers")

    def _rate_wait(self, headers: httpx.Headers) -> float:
        """Seconds to wait as GitHub says: ``Retry-After``, else until ``X-RateLimit-Reset``
        when none are left, else a minute."""
        after = headers.get("retry-after", "").strip()
        if after.isdigit():
            return float(max(1, min(int(after), 86_400)))
        reset = headers.get("x-ratelimit-reset", "").strip()
        if headers.get("x-ratelimit-remaining", "").strip() == "0" and reset.isdigit():
            return float(max(1, min(math.ceil(int(reset) - self.now()), 86_400)))
        return 60.0

    def _pause(self, seconds: float, failure: SyncError) -> None:
        """Sleep before trying again, or raise ``failure`` when the run's waits would add up
        to more than ``max_wait`` (at least a second each, so that the retries end)."""
        if self.waited + seconds > self.max_wait:
            raise failure
        self.sleep(seconds)
        self.waited += seconds

    def _failed(
        self, method: str, path: str, status: int, response: Response[Any], tries: int
    ) -> NoReturn:
        if status >= 500:
            raise SyncError("server", status=status, method=method, path=path, tries=tries)
        if status == 401:
            raise SyncError("unauthorized")
        if status == 403:
            raise SyncError("forbidden", method=method, path=path)
        if status == 404:
            raise SyncError("not_found", path=path, repo=f"{self.owner}/{self.name}")
        reason = ""
        try:
            data = response.json()
            if isinstance(data, dict) and isinstance(data.get("message"), str):
                reason = _short(data["message"])
        except ValueError:
            pass
        raise SyncError(
            "refused", method=method, path=path, status=status, reason=reason or str(status)
        )

    def _json(self, response: Response[Any], method: str, path: str) -> object:
        try:
            data: object = response.json()
        except ValueError:
            self._bad(method, path, "not JSON")
        return data

    def _bad(self, method: str, path: str, what: str) -> NoReturn:
        raise SyncError("bad_answer", method=method, path=path, what=what)


class _Missing(Exception):
    """A 404 that means "not there yet" (the label)."""


class _Exists(Exception):
    """A 422 that means "already there" (the label, created meanwhile)."""


def _rate_limit_message(exc: RequestFailed) -> bool:
    """A 403 that says it is a (secondary) rate limit without the headers that tell so."""
    if exc.response.status_code != 403:
        return False
    try:
        data = exc.response.json()
    except ValueError:
        return False
    message = data.get("message") if isinstance(data, dict) else None
    return isinstance(message, str) and "rate limit" in message[:500].lower()


def _links(header: str) -> dict[str, str]:
    """The ``Link`` header's targets by relation (bounded: an answer is untrusted)."""
    return {rel: url for url, rel in _LINK.findall(header[:4000])}


def _page_number(url: str) -> int | None:
    values = parse_qs(urlsplit(url).query).get("page", [])
    if values and values[0].isdigit() and 0 < int(values[0]) <= 10_000:
        return int(values[0])
    return None


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 200 else flat[:199] + "…"
