"""``alerts sync``: the alert plan reconciled with the issues a forge holds.

Platform-neutral and, but for :func:`run`, pure. :func:`reconcile` compares the plan
(:mod:`generator.alerts`) with the open issues carrying the alert label and those closed
recently, and returns the fewest actions that bring the forge to the plan; an adapter
(:mod:`generator.adapters.github`) carries them out. The rules:

- an issue is found by the hidden marker at the end of its body (its key, ``dept:<id>``),
  never by its title: a renamed issue is still found; a labelled issue without a marker is
  someone else's and is left alone;
- a new alert → a new issue, the marker in the body of the one request that creates it
  (so a run that failed after it finds it again);
- the same items as the open issue's marker (equal digests) → nothing at all: a second run
  of the same state writes nothing, and the counts of days in the body are those of the
  day the list last changed;
- other items → one comment naming the items that newly fell behind (none when items were
  only removed), then the title and body rewritten;
- a department no longer behind → a closing comment (what was resolved, as of which day),
  then the issue closed; the marker is rewritten with no items as it closes, so that a
  closed issue whose marker still lists items was closed by a person;
- two open issues with one key → the older is kept, each newer one gets a comment that
  links the older and is closed ("not planned");
- the most recently closed issue of a department still behind, closed by a person with
  the very items of today's alert, is respected: no new issue until the items change;
  then a new issue is opened whose body links that closed one (and keeps linking it when
  it is rewritten).

Comments go before the edit or close that follows them, and each carries a hidden tag
(:func:`comment_tag`) naming the issue's revision (:func:`revision`: how many times the
sync rewrote it) and what it tells: a run that failed between the two finds its comment
posted (:meth:`Forge.commented`) and does not post it twice, so a rerun converges with
nothing duplicated and nothing lost, while the same news on a later revision is told again.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

from generator.alerts import (
    MARKER_PREFIX,
    MARKER_SUFFIX,
    Alert,
    Marker,
    Plan,
    marker,
    parse_marker,
)

DEFAULT_LABELS = {"zh-CN": "督办提醒", "en": "progress-alert"}
"""The alert label by the site's language (``--label`` chooses another)."""
CLOSED_WINDOW_DAYS = 90
"""Closed issues updated within this many days before the plan's date are read: a person's
closing is respected that long at least (an issue closed by hand and left alone for longer
is forgotten, and a department still behind then gets a new issue)."""
MAX_LABEL_LENGTH = 300
"""An item's words in a comment are cut to this many characters."""
MAX_TITLE = 256
"""GitHub's limit on an issue's title."""
MAX_BODY = 65_536
"""GitHub's limit on an issue's or a comment's body: a longer plan's body is cut in the
middle, keeping its end (the marker)."""
MAX_COMMENT_ITEMS = 100
"""A comment names at most this many new items, then says how many more."""

_MARKER = re.compile(re.escape(MARKER_PREFIX) + r"\{.*?\}" + re.escape(MARKER_SUFFIX))
COMMENT_PREFIX = "<!-- progress-site:alert-comment "
_COMMENT_TAG = re.compile(r"<!-- progress-site:alert-comment (\{[^{}]{1,400}\}) -->")
_PREVIOUS = re.compile(r"<!-- progress-site:alert-previous ([1-9][0-9]{0,9}) -->")
_REVISION = re.compile(r"<!-- progress-site:alert-revision ([1-9][0-9]{0,9}) -->\n?")


# --- what the forge holds and what is to be done -----------------------------------------


@dataclass(frozen=True)
class Issue:
    """An issue with the alert label, as an adapter read it (validated and bounded)."""

    number: int
    title: str
    body: str
    open: bool
    closed_at: str = ""
    """When it was closed, ISO 8601 in UTC as the forge writes it (``""`` while open):
    compared as text to find a department's most recently closed issue."""

    @property
    def marker(self) -> Marker | None:
        return parse_marker(self.body)


@dataclass(frozen=True)
class Create:
    key: str
    title: str
    body: str
    previous: int | None = None
    """The closed issue this one follows (linked from its body)."""


@dataclass(frozen=True)
class Edit:
    number: int
    key: str
    title: str
    body: str


@dataclass(frozen=True)
class Comment:
    number: int
    key: str
    kind: Literal["news", "resolved", "duplicate"]
    tag: str
    """What makes the comment this one: it is not posted again when an earlier run posted
    it (and then failed before the edit or close that follows)."""
    body: str


@dataclass(frozen=True)
class Close:
    number: int
    key: str
    body: str
    """The issue's body with its marker emptied (it is closed by the sync, not a person)."""
    reason: Literal["completed", "not_planned"]


Action = Create | Edit | Comment | Close


@dataclass(frozen=True)
class Request:
    """A write an adapter made (or, in a dry run, would make): for the log."""

    method: str
    path: str
    summary: str


@dataclass
class Summary:
    """What a sync did, for its last line."""

    created: int = 0
    edited: int = 0
    commented: int = 0
    closed: int = 0
    unchanged: int = 0
    """Open issues already saying what the plan says."""
    respected: int = 0
    """Departments still behind whose issue a person closed (items unchanged since)."""


class Forge(Protocol):
    """What :func:`run` needs from an adapter. Writes raise :class:`SyncError`; in a dry
    run they only report the request through the adapter's log."""

    def open_issues(self) -> list[Issue]: ...

    def closed_issues(self, since: dt.date) -> list[Issue]: ...

    def ensure_label(self, description: str) -> None: ...

    def commented(self, number: int, key: str, tag: str) -> bool: ...

    def create(self, title: str, body: str) -> None: ...

    def edit(self, number: int, title: str, body: str) -> None: ...

    def comment(self, number: int, body: str) -> None: ...

    def close(self, number: int, body: str, reason: str) -> None: ...


class SyncError(Exception):
    """A sync that could not go on: the message's code and values, worded at the edge."""

    def __init__(self, code: str, **args: object) -> None:
        super().__init__(code)
        self.code = code
        self.args_ = args

    @property
    def exit_code(self) -> int:
        """2 for a usage error (a malformed --repo or --label), else 1."""
        return 2 if self.code in ("bad_repo", "bad_label") else 1

    def message(self, language: str) -> str:
        return word(self.code, language, **self.args_)


class IssueReader:
    """How both adapters read the alert issues: every open one (in a dry run, when they
    cannot be read, the reason is kept in ``unread`` and nothing more is read), and those
    closed since a day. The adapter says how its forge names the open state and lists one
    state's issues (:meth:`_list`, ``strict``: too many pages is an error, not the end)."""

    OPEN_STATE = "open"
    dry_run: bool
    unread: SyncError | None

    def open_issues(self) -> list[Issue]:
        try:
            return self._list(self.OPEN_STATE, None, strict=True)
        except SyncError as exc:
            if not self.dry_run:
                raise
            self.unread = exc
            return []

    def closed_issues(self, since: dt.date) -> list[Issue]:
        if self.unread is not None:
            return []
        return self._list("closed", f"{since.isoformat()}T00:00:00Z", strict=False)

    def _list(self, state: str, since: str | None, *, strict: bool) -> list[Issue]:
        raise NotImplementedError


# --- the reconciliation ------------------------------------------------------------------


def _index(
    open_issues: Iterable[Issue], recently_closed_issues: Iterable[Issue]
) -> tuple[dict[str, list[Issue]], dict[str, Issue]]:
    """The open issues of each key, oldest first, and each key's most recently closed one."""
    found: dict[str, list[Issue]] = {}
    for issue in sorted(open_issues, key=lambda i: i.number):
        mark = issue.marker
        if issue.open and mark is not None:
            found.setdefault(mark.key, []).append(issue)
    latest_closed: dict[str, Issue] = {}
    for issue in recently_closed_issues:
        mark = issue.marker
        if issue.open or mark is None:
            continue
        seen = latest_closed.get(mark.key)
        if seen is None or (issue.closed_at, issue.number) > (seen.closed_at, seen.number):
            latest_closed[mark.key] = issue
    return found, latest_closed


def _respected(alert: Alert, last: Issue | None) -> bool:
    """Whether a person closed the department's last issue with today's very items."""
    mark = last.marker if last is not None else None
    return mark is not None and mark.digest == alert.digest


def reconcile(
    plan: Plan, open_issues: Iterable[Issue], recently_closed_issues: Iterable[Issue]
) -> list[Action]:
    """The actions that bring the forge's issues to ``plan``, in the order to take them:
    the plan's alerts in its order, then the departments no longer behind (by issue
    number), then duplicates. Nothing when the forge already says what the plan says."""
    lang = plan.language
    found, latest_closed = _index(open_issues, recently_closed_issues)
    actions: list[Action] = []
    planned: set[str] = set()
    for alert in plan.alerts:
        if alert.key in planned:
            continue  # one issue per department, whatever a plan says
        planned.add(alert.key)
        kept = found.get(alert.key)
        if kept:
            actions += _update(kept[0], alert, plan.as_of, lang)
            continue
        last = latest_closed.get(alert.key)
        if _respected(alert, last):
            continue
        previous = last.number if last is not None else None
        title = alert.title[:MAX_TITLE]
        actions.append(Create(alert.key, title, issue_body(alert, previous, lang), previous))
    for key in sorted(found, key=lambda k: found[k][0].number):
        if key not in planned:
            actions += _resolve(found[key][0], plan.as_of, lang)
    duplicates = sorted(
        ((issues[0], extra) for issues in found.values() for extra in issues[1:]),
        key=lambda pair: pair[1].number,
    )
    for kept_issue, extra in duplicates:
        key = found_key(extra)
        now = revision(extra.body)
        tag = f"duplicate:{now}:{kept_issue.number}"
        text = duplicate_comment(key, kept_issue.number, lang, tag)
        body = with_revision(emptied_body(extra.body), now + 1)
        actions.append(Comment(extra.number, key, "duplicate", tag, text))
        actions.append(Close(extra.number, key, body, "not_planned"))
    return actions


def standing(
    plan: Plan, open_issues: Iterable[Issue], recently_closed_issues: Iterable[Issue]
) -> tuple[int, int]:
    """How many of the plan's alerts need nothing: (open issues already saying what the
    plan says, issues a person closed that stay closed)."""
    found, latest_closed = _index(open_issues, recently_closed_issues)
    unchanged = respected = 0
    for key, alert in {a.key: a for a in reversed(plan.alerts)}.items():
        kept = found.get(key)
        if kept:
            mark = kept[0].marker
            unchanged += mark is not None and mark.digest == alert.digest
        elif _respected(alert, latest_closed.get(key)):
            respected += 1
    return unchanged, respected


def found_key(issue: Issue) -> str:
    mark = issue.marker
    assert mark is not None, "only issues with a marker are reconciled"
    return mark.key


def _update(issue: Issue, alert: Alert, as_of: dt.date, lang: str) -> list[Action]:
    mark = issue.marker
    assert mark is not None
    if mark.digest == alert.digest:
        return []
    actions: list[Action] = []
    before = set(mark.items)
    new = [item for item in alert.items if item not in before]
    now = revision(issue.body)
    if new:
        tag = f"news:{now}:{alert.digest}"
        body = news_comment(alert, new, as_of, lang, tag)
        actions.append(Comment(issue.number, alert.key, "news", tag, body))
    body = issue_body(alert, previous_issue(issue.body), lang, now + 1)
    actions.append(Edit(issue.number, alert.key, alert.title[:MAX_TITLE], body))
    return actions


def _resolve(issue: Issue, as_of: dt.date, lang: str) -> list[Action]:
    mark = issue.marker
    assert mark is not None
    now = revision(issue.body)
    tag = f"resolved:{now}:{mark.digest}"
    text = resolved_comment(mark.key, mark.items, as_of, lang, tag)
    body = with_revision(emptied_body(issue.body), now + 1)
    return [
        Comment(issue.number, mark.key, "resolved", tag, text),
        Close(issue.number, mark.key, body, "completed"),
    ]


# --- bodies and comments: pure functions of the plan ---------------------------------------


def issue_body(alert: Alert, previous: int | None, lang: str, revision: int = 0) -> str:
    """The alert's body, with a line linking the closed issue it follows (when it does),
    its revision (when the sync rewrote it) and ending with the marker (added if the plan's
    body lacks a right one)."""
    body = alert.body.rstrip("\n")
    mark = parse_marker(body)
    if mark is None or mark.key != alert.key or mark.digest != alert.digest:
        body = _MARKER.sub("", body).rstrip("\n") + "\n\n" + marker(alert.key, alert.items)
    room = MAX_BODY - 500  # for the line linking the previous issue
    if len(body) > room:
        tail = body[_last_marker_start(body) :]
        body = body[: room - len(tail) - 7].rstrip() + "\n\n…\n\n" + tail
    if previous is not None:
        tag = f"<!-- progress-site:alert-previous {previous} -->"
        line = word("previous", lang, number=previous) + " " + tag
        at = _last_marker_start(body)
        head = body[:at].rstrip("\n")
        body = f"{head}\n\n{line}\n\n{body[at:]}" if head else f"{line}\n\n{body[at:]}"
    return (with_revision(body, revision) if revision else body) + "\n"


def _last_marker_start(body: str) -> int:
    starts = [m.start() for m in _MARKER.finditer(body)]
    return starts[-1] if starts else len(body)


def previous_issue(body: str) -> int | None:
    """The closed issue an issue's body links as the one it follows."""
    found = _PREVIOUS.findall(body)
    return int(found[-1]) if found else None


def revision(body: str) -> int:
    """How many times the sync rewrote or closed the issue (a hidden line of its body).
    The tags of comments carry it, so that the same news twice (an item that fell behind,
    was settled, and fell behind again) is told twice, while a comment that a failed run
    posted is not posted again."""
    found = _REVISION.findall(body)
    return int(found[-1]) if found else 0


def with_revision(body: str, number: int) -> str:
    """The body with its revision set to ``number``, on a hidden line before the marker."""
    body = _REVISION.sub("", body)
    at = _last_marker_start(body)
    return body[:at] + f"<!-- progress-site:alert-revision {number} -->\n" + body[at:]


def emptied_body(body: str) -> str:
    """The body with each marker rewritten to list no items: the sync closed it."""

    def empty(found: re.Match[str]) -> str:
        mark = parse_marker(found.group(0))
        return marker(mark.key, ()) if mark is not None else found.group(0)

    return _MARKER.sub(empty, body)


def comment_tag(key: str, tag: str) -> str:
    """The hidden line that ends each comment of the sync."""
    text = json.dumps({"key": key, "tag": tag}, ensure_ascii=True, sort_keys=True)
    return COMMENT_PREFIX + text.replace("--", "\\u002d\\u002d") + " -->"


def parse_comment_tag(body: object) -> tuple[str, str] | None:
    """The (key, tag) of a comment the sync posted, or ``None`` (a comment is untrusted:
    the last tag in it counts, the one the sync wrote after any quoted text)."""
    if not isinstance(body, str) or not body:
        return None
    tags = _COMMENT_TAG.findall(body[-2000:])
    if not tags:
        return None
    try:
        data = json.loads(tags[-1])
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    key, tag = data.get("key"), data.get("tag")
    if isinstance(key, str) and isinstance(tag, str):
        return key, tag
    return None


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    flat = flat.replace("<!--", "&lt;!--")
    return flat if len(flat) <= MAX_LABEL_LENGTH else flat[: MAX_LABEL_LENGTH - 1] + "…"


def news_comment(alert: Alert, new: list[str], as_of: dt.date, lang: str, tag: str) -> str:
    """The one comment saying which items newly fell behind (people are notified of news,
    not of every run); its mentions reach the contacts."""
    lines = [word("news_head", lang, date=as_of.isoformat(), n=len(new)), ""]
    for item in new[:MAX_COMMENT_ITEMS]:
        lines.append(f"- {_one_line(alert.labels.get(item) or item)}")
    if len(new) > MAX_COMMENT_ITEMS:
        lines.append(f"- {word('news_more', lang, n=len(new) - MAX_COMMENT_ITEMS)}")
    lines += ["", word("news_tail", lang)]
    if alert.contacts:
        lines[-1] = " ".join(alert.contacts) + " " + lines[-1]
    lines.append(comment_tag(alert.key, tag))
    return "\n".join(lines) + "\n"


def resolved_comment(key: str, items: tuple[str, ...], as_of: dt.date, lang: str, tag: str) -> str:
    """The closing comment: nothing overdue or stale any more, as of the plan's day."""
    overdue = sum(1 for item in items if item.startswith("overdue:"))
    stale = sum(1 for item in items if item.startswith("stale:"))
    other = len(items) - overdue - stale
    parts = [
        word(name, lang, n=n)
        for name, n in (("resolved_overdue", overdue), ("resolved_stale", stale))
        if n
    ]
    if other:
        parts.append(word("resolved_other", lang, n=other))
    what = word("resolved_join", lang).join(parts) if parts else word("resolved_none", lang)
    text = word("resolved", lang, date=as_of.isoformat(), what=what)
    return text + "\n" + comment_tag(key, tag) + "\n"


def duplicate_comment(key: str, kept: int, lang: str, tag: str) -> str:
    return word("duplicate", lang, number=kept) + "\n" + comment_tag(key, tag) + "\n"


# --- running it against a forge ----------------------------------------------------------


def run(plan: Plan, forge: Forge) -> Summary:
    """Read the forge, reconcile, act. A failure raises :class:`SyncError` at once; the
    order of the actions and the tags of comments let the next run finish the work."""
    open_issues = forge.open_issues()
    closed = forge.closed_issues(plan.as_of - dt.timedelta(days=CLOSED_WINDOW_DAYS))
    actions = reconcile(plan, open_issues, closed)
    summary = Summary()
    summary.unchanged, summary.respected = standing(plan, open_issues, closed)
    if any(isinstance(a, Create) for a in actions):
        forge.ensure_label(word("label_description", plan.language))
    for action in actions:
        if isinstance(action, Create):
            forge.create(action.title, action.body)
            summary.created += 1
        elif isinstance(action, Edit):
            forge.edit(action.number, action.title, action.body)
            summary.edited += 1
        elif isinstance(action, Comment):
            if not forge.commented(action.number, action.key, action.tag):
                forge.comment(action.number, action.body)
                summary.commented += 1
        else:
            forge.close(action.number, action.body, action.reason)
            summary.closed += 1
    return summary


def summary_line(summary: Summary, lang: str, dry_run: bool) -> str:
    return word(
        "summary",
        lang,
        dry=word("dry", lang) if dry_run else "",
        created=summary.created,
        edited=summary.edited,
        commented=summary.commented,
        closed=summary.closed,
        unchanged=summary.unchanged,
        respected=summary.respected,
    )


def request_line(request: Request, lang: str, shown: bool) -> str:
    """One write, as the log shows it (``shown``: a dry run's, not made)."""
    args = {"method": request.method, "path": request.path, "summary": request.summary}
    return word("would" if shown else "did", lang, **args)


# --- words -------------------------------------------------------------------------------

_WORDS: dict[str, tuple[str, str]] = {
    "previous": ("Earlier alert: #{number} (closed).", "此前的提醒：#{number}（已关闭）。"),
    "news_head": (
        "**Newly behind** (as of {date}), {n} item(s):",
        "**新增落后事项**（截至 {date}），共 {n} 项：",
    ),
    "news_more": ("and {n} more (see the list above)", "另有 {n} 项（见正文清单）"),
    "news_tail": (
        "The list at the top of this issue is brought up to date.",
        "本议题正文的清单已同步更新。",
    ),
    "resolved": (
        "As of {date} this department is no longer behind: {what}. This alert closes "
        "itself; a new one opens if the department falls behind again.",
        "截至 {date}，本部门已不在落后提醒名单上：{what}。本提醒自动关闭；如再出现逾期"
        "或超期未报告，将另开新提醒。",
    ),
    "resolved_overdue": (
        "the overdue milestone(s) listed ({n}) are all done or re-planned",
        "此前列出的 {n} 个逾期节点已全部完成（或已调整计划）",
    ),
    "resolved_stale": (
        "the project(s) without a recent report ({n}) are reporting again",
        "{n} 个超期未报告的项目已恢复报告",
    ),
    "resolved_other": (
        "the other item(s) listed ({n}) are resolved",
        "其余 {n} 项已解决",
    ),
    "resolved_none": ("nothing is overdue or stale", "没有逾期节点或超期未报告的项目"),
    "resolved_join": ("; ", "，"),
    "duplicate": (
        "Duplicate of #{number}: one alert per department stays open. Closed automatically; "
        "please follow #{number}.",
        "与 #{number} 重复：每个部门只保留一个提醒。已自动关闭，请在 #{number} 中跟进。",
    ),
    "label_description": (
        "Alerts opened by the progress site for departments falling behind",
        "进度网站为进度滞后的部门自动开具的督办提醒",
    ),
    # --- the command's lines
    "summary": (
        "alerts sync{dry}: {created} opened, {edited} updated, {commented} comment(s), "
        "{closed} closed, {unchanged} unchanged, {respected} kept closed by a person",
        "告诫提醒同步{dry}：新开 {created} 个，更新 {edited} 个，评论 {commented} 条，"
        "关闭 {closed} 个，{unchanged} 个无变化，{respected} 个由人关闭、保持关闭",
    ),
    "dry": (" (dry run: nothing was changed)", "（演练：未作任何修改）"),
    "would": ("would {method} {path}  {summary}", "将 {method} {path}  {summary}"),
    "did": ("{method} {path}  {summary}", "{method} {path}  {summary}"),
    "unread": (
        "dry run: the issues could not be read ({reason}); shown as if the repository had none",
        "演练：无法读取议题（{reason}）；以下按仓库中尚无提醒议题列出",
    ),
    # --- what is sent (the summaries of requests)
    "req_create": ("open an issue: {title}", "新开议题：{title}"),
    "req_edit": ("update #{number}: {title}", "更新 #{number}：{title}"),
    "req_comment": ("comment on #{number}", "评论 #{number}"),
    "req_close": ("close #{number} ({reason})", "关闭 #{number}（{reason}）"),
    "req_label": ("create the label {label}", "创建标签 {label}"),
    # --- failures (one line each, then exit 1)
    "no_token": (
        "GITHUB_TOKEN is not set: the sync needs a token that may write issues (in a "
        "workflow: `GITHUB_TOKEN: ${{{{ secrets.GITHUB_TOKEN }}}}` and `permissions: "
        "issues: write`); --dry-run shows what it would do without one",
        "未设置 GITHUB_TOKEN：同步需要可写议题的令牌（在工作流中：`GITHUB_TOKEN: "
        "${{{{ secrets.GITHUB_TOKEN }}}}` 并设置 `permissions: issues: write`）；"
        "不带令牌可用 --dry-run 查看将做的事",
    ),
    "no_repository": (
        "no repository to send alerts to: give --repo OWNER/NAME, or set repository: in "
        "site.yaml (in GitHub Actions, GITHUB_REPOSITORY names it)",
        "不知道向哪个仓库发送提醒：请用 --repo 所有者/仓库名，或在 site.yaml 中填写 "
        "repository:（在 GitHub Actions 中由 GITHUB_REPOSITORY 给出）",
    ),
    "bad_repo": (
        "--repo '{value}' is not a repository: write OWNER/NAME, for example "
        "--repo my-university/progress",
        "--repo “{value}”不是仓库名：请写成 所有者/仓库名，例如 --repo my-university/progress",
    ),
    "bad_label": (
        "--label '{value}' cannot be a label: use 1 to 50 characters without a comma, "
        "slash, '?', '#' or '%'",
        "--label “{value}”不能作为标签：请用 1 到 50 个字符，不含逗号、斜杠、“?”、“#”或“%”",
    ),
    "bad_api_url": (
        "GITHUB_API_URL '{value}' is not a web address; leave it unset for https://api.github.com",
        "GITHUB_API_URL “{value}”不是网址；不设置即使用 https://api.github.com",
    ),
    "gitlab": (
        "this repository is on GitLab; alerts sync speaks to GitHub only for now",
        "该仓库在 GitLab 上；告诫提醒同步目前只支持 GitHub",
    ),
    "network": (
        "cannot reach {host}: {reason}; nothing more was changed, run it again later "
        "(the next run finishes the work)",
        "无法连接 {host}：{reason}；未再作修改，请稍后重新运行（下次运行会补完）",
    ),
    "server": (
        "GitHub answered {status} to {method} {path} ({tries} attempt(s)); nothing more was "
        "changed, run it again later (the next run finishes the work)",
        "GitHub 对 {method} {path} 返回 {status}（共尝试 {tries} 次）；未再作修改，"
        "请稍后重新运行（下次运行会补完）",
    ),
    "rate_limited": (
        "GitHub's rate limit is reached and frees up in {seconds} s, longer than this run "
        "waits; run it again then (the next run finishes the work)",
        "已达到 GitHub 的请求频率上限，需 {seconds} 秒后恢复，超过本次运行的等待上限；"
        "请届时重新运行（下次运行会补完）",
    ),
    "unauthorized": (
        "GitHub refused the token (401): check GITHUB_TOKEN",
        "GitHub 拒绝了令牌（401）：请检查 GITHUB_TOKEN",
    ),
    "forbidden": (
        "GitHub refused {method} {path} (403): the token may not do this; in the workflow "
        "the job needs `permissions: issues: write`",
        "GitHub 拒绝了 {method} {path}（403）：令牌没有此权限；工作流中该作业需要 "
        "`permissions: issues: write`",
    ),
    "not_found": (
        "GitHub does not know {path} (404): check the repository {repo} and that the token "
        "may see it",
        "GitHub 找不到 {path}（404）：请检查仓库 {repo}，以及令牌是否有权访问",
    ),
    "refused": (
        "GitHub refused {method} {path} ({status}): {reason}",
        "GitHub 拒绝了 {method} {path}（{status}）：{reason}",
    ),
    "bad_answer": (
        "GitHub's answer to {method} {path} is not what was expected ({what}); nothing "
        "more was changed",
        "GitHub 对 {method} {path} 的应答不符合预期（{what}）；未再作修改",
    ),
    "too_many": (
        "more than {n} issues carry the label {label}; the sync reads no further: close old "
        "ones or choose another --label",
        "带有标签 {label} 的议题超过 {n} 个，同步不再往下读取：请关闭旧议题，或换用 --label",
    ),
    "interrupted": (
        "interrupted; what was sent is kept, the next run finishes the work",
        "已中断；已发送的请求保留，下次运行会补完",
    ),
}


def word(key: str, lang: str, **args: object) -> str:
    en, zh = _WORDS[key]
    return (zh if lang == "zh-CN" else en).format(**args)
