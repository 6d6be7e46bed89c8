"""``mr-note``: the ``diff`` summary as a note on a GitLab merge request, edited in place.

What the GitHub workflow's comment job does, for GitLab CI: the note starts with a hidden
marker (:data:`MARKER`); the note of the token's own user that carries it is found again
on each push and edited, so a merge request has one summary, always the latest. Nothing
is written when the note already says the same, nor when there is no earlier note and the
summary lists no changes (``--changes`` names ``diff --format json``'s output).

The merge request comes from GitLab CI's variables (``CI_MERGE_REQUEST_PROJECT_ID``,
``CI_MERGE_REQUEST_IID``), the server and token as :mod:`generator.adapters.gitlab_api`
says. Without a token the note is not posted and the command says so and succeeds: the
summary stays in the job's log.

The summary holds text from the merge request's own files (titles, notes), so it is
untrusted: a line starting with ``/`` would be read by GitLab as a quick action
(``/merge``, ``/close``) of the token's user, and gets a backslash before it (Markdown
shows the line as written). The note is cut to GitLab's limit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from generator.adapters.gitlab_api import Api, GitLabError, project_ref

MARKER = "<!-- progress-site: changes summary -->"
MAX_NOTE = 1_000_000
"""GitLab's limit on a note's length, in characters."""
MAX_PAGES = 20
"""Pages of 100 notes read at most, looking for the earlier summary."""
_QUICK_ACTION = re.compile(r"^([ \t]*)/", re.MULTILINE)
_NUMBER = re.compile(r"^[1-9][0-9]{0,12}$")

Outcome = Literal["created", "updated", "unchanged", "skipped"]


@dataclass(frozen=True)
class MergeRequest:
    project: str
    """The project's id (or URL-encoded path), as it goes into an API path."""
    iid: int

    @property
    def notes(self) -> str:
        return f"/projects/{self.project}/merge_requests/{self.iid}/notes"


def merge_request(environ: Mapping[str, str]) -> MergeRequest:
    """The merge request of a GitLab CI merge request pipeline."""
    iid = environ.get("CI_MERGE_REQUEST_IID", "").strip()
    project = (
        environ.get("CI_MERGE_REQUEST_PROJECT_ID", "").strip()
        or environ.get("CI_PROJECT_ID", "").strip()
    )
    if not _NUMBER.match(iid) or not project:
        raise NoteError("not_mr")
    return MergeRequest(project_ref(project), int(iid))


def note_body(summary: str) -> str:
    """The note: the marker, then the summary with its quick actions made text, cut to
    GitLab's limit."""
    text = _QUICK_ACTION.sub(lambda found: found.group(1) + "\\/", summary.replace("\r", ""))
    room = MAX_NOTE - len(MARKER) - 100
    if len(text) > room:
        text = text[:room].rstrip() + "\n\n… (cut short: see the job's log)\n"
    return f"{MARKER}\n{text}"


def has_changes(diff_json: str) -> bool:
    """Whether ``diff --format json``'s output lists any change (unreadable: yes)."""
    try:
        data = json.loads(diff_json)
    except ValueError:
        return True
    return not (isinstance(data, dict) and data.get("changes") == [])


def post(
    api: Api,
    target: MergeRequest,
    body: str,
    *,
    changes: bool = True,
    log: Callable[[str, str], None] | None = None,
) -> Outcome:
    """Create or edit the summary note; ``log`` is told of each write (method, path)."""
    me = _my_id(api)
    earlier = _earlier(api, target, me)
    if earlier is not None:
        number, text = earlier
        if text == body:
            return "unchanged"
        path = f"{target.notes}/{number}"
        api.call("PUT", path, body={"body": body})
        if log:
            log("PUT", path)
        return "updated"
    if not changes:
        return "skipped"
    api.call("POST", target.notes, body={"body": body})
    if log:
        log("POST", target.notes)
    return "created"


def _my_id(api: Api) -> int:
    answer = api.call("GET", "/user")
    data = answer.data if answer else None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        api.bad("GET", "/user", "no user id")
    user_id: int = data["id"]
    return user_id


def _earlier(api: Api, target: MergeRequest, me: int) -> tuple[int, str] | None:
    """The oldest note of ``me`` carrying the marker: (its id, its body)."""
    page: int | None = 1
    seen = 0
    while page is not None and seen < MAX_PAGES:
        seen += 1
        query: dict[str, str | int] = {
            "sort": "asc",
            "order_by": "created_at",
            "per_page": 100,
            "page": page,
        }
        answer = api.call("GET", target.notes, query=query)
        notes = answer.data if answer else None
        if not isinstance(notes, list):
            api.bad("GET", target.notes, "not a list of notes")
        for note in notes:
            if not isinstance(note, dict) or note.get("system"):
                continue
            author, body, number = note.get("author"), note.get("body"), note.get("id")
            mine = isinstance(author, dict) and author.get("id") == me
            if mine and isinstance(number, int) and isinstance(body, str) and MARKER in body:
                return number, body
        following = answer.next_page() if answer else None
        page = following if following is not None and following > page else None
    return None


class NoteError(GitLabError):
    def message(self, language: str) -> str:
        return word(self.code, language, **self.values)


def read_summary(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8"
        raise NoteError("unreadable", file=path, reason=reason or str(exc)) from None


# --- words ---------------------------------------------------------------------------------

_WORDS: dict[str, tuple[str, str]] = {
    "not_mr": (
        "this is not a merge request pipeline (CI_MERGE_REQUEST_IID is not set): run mr-note "
        'in a job with rules: - if: $CI_PIPELINE_SOURCE == "merge_request_event"',
        "当前不是合并请求流水线（未设置 CI_MERGE_REQUEST_IID）：请在带有 rules: - if: "
        '$CI_PIPELINE_SOURCE == "merge_request_event" 的作业中运行 mr-note',
    ),
    "unreadable": ("cannot read {file}: {reason}", "无法读取 {file}：{reason}"),
    "no_token": (
        "PROGRESS_SITE_TOKEN is not set, so the summary is not posted on the merge request "
        "and stays in this job's log; to post it, add a project access token (role "
        "Reporter, scope api) as the masked CI/CD variable PROGRESS_SITE_TOKEN",
        "未设置 PROGRESS_SITE_TOKEN，变更摘要不发布到合并请求，只保留在本作业日志中；如需"
        "发布，请创建项目访问令牌（角色 Reporter，范围 api）并添加为隐藏的 CI/CD 变量 "
        "PROGRESS_SITE_TOKEN",
    ),
    "created": (
        "posted the summary on merge request !{iid}",
        "已在合并请求 !{iid} 上发布变更摘要",
    ),
    "updated": (
        "updated the summary on merge request !{iid}",
        "已更新合并请求 !{iid} 上的变更摘要",
    ),
    "unchanged": (
        "the summary on merge request !{iid} already says this; nothing was changed",
        "合并请求 !{iid} 上的变更摘要已是最新，未作修改",
    ),
    "skipped": (
        "no changes to the project files and no earlier summary on merge request !{iid}: "
        "nothing was posted",
        "项目文件没有变化，合并请求 !{iid} 上也没有此前的摘要：未发布",
    ),
    "request": ("{method} {path}", "{method} {path}"),
}


def word(key: str, lang: str, **args: object) -> str:
    en, zh = _WORDS[key]
    return (zh if lang == "zh-CN" else en).format(**args)
