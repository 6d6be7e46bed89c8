"""GitLab's REST API (v4) through python-gitlab: where it is, who speaks, one request at a
time with its retries and failures. Used by ``mr-note`` (:mod:`generator.mrnote`) and by
the GitLab adapter of ``alerts sync`` (:mod:`generator.adapters.gitlab`).

- The server: ``CI_SERVER_URL`` (set in every GitLab CI job), else ``server:`` in
  site.yaml. The token: ``PROGRESS_SITE_TOKEN``, else ``GITLAB_TOKEN`` (a project access
  token, kept in a masked CI/CD variable; GitLab's ``CI_JOB_TOKEN`` may not write notes
  or issues).
- Every request goes through :meth:`Api.call`, python-gitlab's own retries switched off:
  a rate limit (429, waiting as ``Retry-After`` says, else until ``RateLimit-Reset``,
  else a minute) is waited out while the run's waits add up to at most ``max_wait``
  seconds; a 5xx or a dropped connection is retried (``attempts`` tries in all, 1 s then
  2 s apart) for a read or a ``PUT``, which are the same when repeated, and for a ``POST``
  only when it cannot have been done (rate limited, or never sent). Anything else raises
  one :class:`GitLabError`, which says what happened in one line.
- Answers are untrusted: their size and shape are checked by the callers, a redirect is
  refused (it would carry the token elsewhere), and no URL from an answer is followed:
  pages are asked for by number (``X-Next-Page``, else the ``page`` of the ``Link``
  header's ``next``).
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import parse_qs, quote, urlsplit

import gitlab
import requests
from gitlab.exceptions import GitlabAuthenticationError, GitlabError, GitlabHttpError

MAX_ANSWER = 20_000_000
"""A longer answer is not what was asked for: refused."""
_SERVER = re.compile(r"^https?://[^\s/?#@]+(?:/[^\s?#]*)?$")
_PROJECT = re.compile(r"^(?:[1-9][0-9]{0,12}|[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+)$")
_LINK = re.compile(r'<([^<>]*)>\s*;\s*rel="([a-z]+)"')


class GitLabError(Exception):
    """A request that failed, or a setting that is missing: a code and its values, worded
    (in the site's language) at the edge."""

    def __init__(self, code: str, **args: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = args

    def message(self, language: str) -> str:
        return word(self.code, language, **self.values)


@dataclass(frozen=True)
class Settings:
    server: str
    """The web address, no trailing slash: ``https://git.example.edu.cn``."""
    token: str | None
    ca_file: str | None = None
    """The certificate authorities to trust (an intranet's own), from GitLab CI's
    ``CI_SERVER_TLS_CA_FILE``; else the system's."""


def settings(environ: Mapping[str, str], site_server: str | None) -> Settings:
    """The server and the token from the environment (and site.yaml's ``server:``)."""
    server = environ.get("CI_SERVER_URL", "").strip().rstrip("/") or (site_server or "")
    if not server:
        raise GitLabError("no_server")
    if not _SERVER.match(server):
        raise GitLabError("bad_server", value=_short(server))
    token = (
        environ.get("PROGRESS_SITE_TOKEN", "").strip()
        or environ.get("GITLAB_TOKEN", "").strip()
        or None
    )
    ca_file = environ.get("CI_SERVER_TLS_CA_FILE", "").strip() or None
    return Settings(server, token, ca_file if ca_file and os.path.isfile(ca_file) else None)


def project_ref(value: str) -> str:
    """A project as the API names it in a path: its id, or its path URL-encoded."""
    if not _PROJECT.match(value) or len(value) > 500:
        raise GitLabError("bad_project", value=_short(value))
    return quote(value, safe="")


@dataclass(frozen=True)
class Answer:
    data: object
    headers: Mapping[str, str]

    def next_page(self) -> int | None:
        """The next page's number (``X-Next-Page``, else the ``Link`` header's ``next``)."""
        given = self.headers.get("X-Next-Page", "").strip()
        if given:
            return _page(given)
        for url, rel in _LINK.findall(self.headers.get("Link", "")[:4000]):
            if rel == "next":
                values = parse_qs(urlsplit(url).query).get("page", [])
                return _page(values[0]) if values else None
        return None


def _page(text: str) -> int | None:
    return int(text) if text.isdigit() and 0 < int(text) <= 10_000 else None


class Api:
    """One GitLab server, one token; see the module's description."""

    def __init__(
        self,
        server: str,
        token: str | None,
        *,
        ca_file: str | None = None,
        sleep: Callable[[float], None] | None = None,
        now: Callable[[], float] | None = None,
        max_wait: float = 60.0,
        attempts: int = 3,
        timeout: float = 30.0,
    ) -> None:
        self.host = urlsplit(server).netloc or server
        self.sleep = sleep or (lambda seconds: time.sleep(seconds))
        self.now = now or (lambda: time.time())
        self.max_wait = max_wait
        self.attempts = attempts
        self.waited = 0.0
        """Seconds slept so far (rate limits and the pauses before retries)."""
        self.session = requests.Session()
        self.session.max_redirects = 0
        self._last: requests.Response | None = None
        self.session.hooks["response"].append(self._seen)
        self.gitlab = gitlab.Gitlab(
            server,
            private_token=token,
            timeout=timeout,
            session=self.session,
            user_agent="progress-site",
            retry_transient_errors=False,
            ssl_verify=ca_file or True,
        )

    def _seen(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._last = response

    def call(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str | int] | None = None,
        body: Mapping[str, object] | None = None,
        missing_ok: bool = False,
        exists_ok: bool = False,
    ) -> Answer | None:
        """One request, with its retries; ``None`` for a 404 when ``missing_ok`` or a 409
        when ``exists_ok`` (the label is not there / already there)."""
        idempotent = method in ("GET", "PUT")
        tries = 0
        while True:
            tries += 1
            self._last = None
            try:
                response = self.gitlab.http_request(
                    method.lower(),
                    path,
                    query_data=dict(query or {}),
                    post_data=dict(body) if body is not None else None,
                    obey_rate_limit=False,
                    retry_transient_errors=False,
                    max_retries=0,
                )
            except GitlabHttpError as exc:
                status = exc.response_code or 0
                last = self._last  # a Response is false when not ok: compare with None
                headers: Mapping[str, str] = last.headers if last is not None else {}
                if status == 429:
                    wait = self._rate_wait(headers)
                    self._pause(wait, GitLabError("rate_limited", seconds=math.ceil(wait)))
                    continue
                if status == 404 and missing_ok:
                    return None
                if status == 409 and exists_ok:
                    return None
                if status >= 500 and idempotent and tries < self.attempts:
                    failure = GitLabError(
                        "server", status=status, method=method, path=path, tries=tries
                    )
                    self._pause(float(2 ** (tries - 1)), failure)
                    continue
                self._failed(method, path, status, exc, tries)
            except GitlabAuthenticationError:
                raise GitLabError("unauthorized") from None
            except requests.TooManyRedirects:
                raise GitLabError("redirected", method=method, path=path) from None
            except requests.RequestException as exc:
                never_sent = isinstance(exc, requests.ConnectTimeout) or (
                    isinstance(exc, requests.ConnectionError) and "NewConnectionError" in repr(exc)
                )
                failure = GitLabError("network", host=self.host, reason=_reason(exc))
                if (idempotent or never_sent) and tries < self.attempts:
                    self._pause(float(2 ** (tries - 1)), failure)
                    continue
                raise failure from None
            except GitlabError as exc:  # a redirect of a write, refused by python-gitlab
                raise GitLabError(
                    "refused", method=method, path=path, status="-", reason=_short(str(exc))
                ) from None
            return self._answer(response, method, path)

    def _answer(self, response: requests.Response, method: str, path: str) -> Answer:
        raw = response.content
        if len(raw) > MAX_ANSWER:
            self.bad(method, path, "too long")
        data: object = None
        if raw.strip():
            try:
                data = response.json()
            except ValueError:
                self.bad(method, path, "not JSON")
        return Answer(data, response.headers)

    def _rate_wait(self, headers: Mapping[str, str]) -> float:
        """Seconds to wait as GitLab says: ``Retry-After``, else until ``RateLimit-Reset``
        (a Unix time), else a minute; at least a second, at most a day."""
        after = str(headers.get("Retry-After", "")).strip()
        if after.isdigit():
            return float(max(1, min(int(after), 86_400)))
        reset = str(headers.get("RateLimit-Reset", "")).strip()
        if reset.isdigit():
            return float(max(1, min(math.ceil(int(reset) - self.now()), 86_400)))
        return 60.0

    def _pause(self, seconds: float, failure: GitLabError) -> None:
        if self.waited + seconds > self.max_wait:
            raise failure
        self.sleep(seconds)
        self.waited += seconds

    def _failed(
        self, method: str, path: str, status: int, exc: GitlabHttpError, tries: int
    ) -> NoReturn:
        if status >= 500:
            raise GitLabError("server", status=status, method=method, path=path, tries=tries)
        if status == 401:
            raise GitLabError("unauthorized")
        if status == 403:
            raise GitLabError("forbidden", method=method, path=path)
        if status == 404:
            raise GitLabError("not_found", path=path)
        message = exc.error_message
        reason = _short(message if isinstance(message, str) else str(message)) or str(status)
        raise GitLabError("refused", method=method, path=path, status=status, reason=reason)

    def bad(self, method: str, path: str, what: str) -> NoReturn:
        raise GitLabError("bad_answer", method=method, path=path, what=what)


def _reason(exc: Exception) -> str:
    text = str(exc)
    found = re.search(r"\[Errno -?\d+\] ([^'\"]+)", text)
    return _short(found.group(1) if found else (text or type(exc).__name__))


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 200 else flat[:199] + "…"


# --- words ---------------------------------------------------------------------------------

_WORDS: dict[str, tuple[str, str]] = {
    "no_server": (
        "no GitLab server: CI_SERVER_URL is not set (GitLab CI sets it) and site.yaml has no "
        "server:; add server: https://… to site.yaml to run this outside GitLab CI",
        "不知道 GitLab 服务器地址：未设置 CI_SERVER_URL（GitLab CI 会自动设置），site.yaml "
        "中也没有 server:；在 GitLab CI 之外运行时，请在 site.yaml 中填写 server: https://…",
    ),
    "bad_server": (
        "'{value}' is not a web address of a GitLab server; write it as https://git.example.edu.cn",
        "“{value}”不是 GitLab 服务器的网址；请写成 https://git.example.edu.cn 这样的形式",
    ),
    "bad_project": (
        "'{value}' is not a GitLab project: write its path (group/name) or its number",
        "“{value}”不是 GitLab 项目：请写项目路径（群组/项目名）或项目编号",
    ),
    "no_project": (
        "no GitLab project to send alerts to: give --repo GROUP/NAME, or set repository: in "
        "site.yaml (in GitLab CI, CI_PROJECT_PATH names it)",
        "不知道向哪个 GitLab 项目发送提醒：请用 --repo 群组/项目名，或在 site.yaml 中填写 "
        "repository:（在 GitLab CI 中由 CI_PROJECT_PATH 给出）",
    ),
    "no_token": (
        "no GitLab token: add a project access token (role Reporter, scope api) as the "
        "masked CI/CD variable PROGRESS_SITE_TOKEN (Settings > CI/CD > Variables)",
        "没有 GitLab 令牌：请创建项目访问令牌（角色 Reporter，范围 api），并添加为隐藏的 "
        "CI/CD 变量 PROGRESS_SITE_TOKEN（设置 > CI/CD > 变量）",
    ),
    "network": (
        "cannot reach {host}: {reason}; nothing more was changed, run it again later "
        "(the next run finishes the work)",
        "无法连接 {host}：{reason}；未再作修改，请稍后重新运行（下次运行会补完）",
    ),
    "server": (
        "GitLab answered {status} to {method} {path} ({tries} attempt(s)); nothing more was "
        "changed, run it again later (the next run finishes the work)",
        "GitLab 对 {method} {path} 返回 {status}（共尝试 {tries} 次）；未再作修改，"
        "请稍后重新运行（下次运行会补完）",
    ),
    "rate_limited": (
        "GitLab's rate limit is reached and frees up in {seconds} s, longer than this run "
        "waits; run it again then (the next run finishes the work)",
        "已达到 GitLab 的请求频率上限，需 {seconds} 秒后恢复，超过本次运行的等待上限；"
        "请届时重新运行（下次运行会补完）",
    ),
    "unauthorized": (
        "GitLab refused the token (401): check PROGRESS_SITE_TOKEN (expired or revoked?)",
        "GitLab 拒绝了令牌（401）：请检查 PROGRESS_SITE_TOKEN（是否已过期或被撤销？）",
    ),
    "forbidden": (
        "GitLab refused {method} {path} (403): the token may not do this; give the project "
        "access token the role Reporter (or higher) and the scope api",
        "GitLab 拒绝了 {method} {path}（403）：令牌没有此权限；请为项目访问令牌设置 Reporter "
        "（或更高）角色和 api 范围",
    ),
    "not_found": (
        "GitLab does not know {path} (404): check the project and that the token may see it",
        "GitLab 找不到 {path}（404）：请检查项目，以及令牌是否有权访问",
    ),
    "refused": (
        "GitLab refused {method} {path} ({status}): {reason}",
        "GitLab 拒绝了 {method} {path}（{status}）：{reason}",
    ),
    "redirected": (
        "GitLab answered {method} {path} with a redirect, which is not followed (it would "
        "carry the token elsewhere): set CI_SERVER_URL or server: to the address GitLab "
        "answers at",
        "GitLab 对 {method} {path} 返回了重定向，为免令牌外泄不予跟随：请把 CI_SERVER_URL "
        "或 server: 设为 GitLab 实际应答的地址",
    ),
    "bad_answer": (
        "GitLab's answer to {method} {path} is not what was expected ({what}); nothing "
        "more was changed",
        "GitLab 对 {method} {path} 的应答不符合预期（{what}）；未再作修改",
    ),
    "interrupted": (
        "interrupted; what was sent is kept, the next run finishes the work",
        "已中断；已发送的请求保留，下次运行会补完",
    ),
}


def word(key: str, lang: str, **args: object) -> str:
    en, zh = _WORDS[key]
    return (zh if lang == "zh-CN" else en).format(**args)
