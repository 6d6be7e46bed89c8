"""``alerts sync``: the reconciliation (pure), the GitHub adapter against a stand-in for
GitHub's REST API on 127.0.0.1 (tests/github_stub.py), and the command line.

Plans are built by hand here, as :func:`generator.alerts.plan` would build them: the sync
depends on the contract (keys, items, digests, the marker), not on how a plan is computed.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import alerts, sync
from generator.adapters import github
from generator.alerts import Alert, Plan, marker, parse_marker
from generator.sync import Close, Comment, Create, Edit, Issue, SyncError, reconcile
from tests.conftest import REPO, Root, RunResult
from tests.github_stub import GitHubStub

AS_OF = dt.date(2026, 12, 4)
LABEL = "督办提醒"

NAMES = {"hr": "人事处", "kj": "科技处", "jw": "教务处"}


def make_alert(
    dept: str,
    items: tuple[str, ...],
    contacts: tuple[str, ...] = ("@zhang-san",),
    lang: str = "zh-CN",
) -> Alert:
    """An alert as the plan writes one: a title, a body mentioning the contacts and ending
    with the marker, and each item in words."""
    key = f"dept:{dept}"
    items = tuple(sorted(items))
    name = NAMES.get(dept, dept)
    labels = {item: f"{name}：{item.split(':', 1)[1]}" for item in items}
    lines = [f"- {labels[item]}" for item in items]
    body = "\n".join(
        [f"{name}有 {len(items)} 项落后：", "", *lines, "", "请 " + " ".join(contacts) + " 跟进。"]
    )
    return Alert(
        key=key,
        department=dept,
        title=f"【督办提醒】{name}：{len(items)} 项落后",
        body=body + "\n\n" + marker(key, items) + "\n",
        items=items,
        labels=labels,
        contacts=contacts,
    )


def make_plan(*found: Alert, as_of: dt.date = AS_OF, lang: str = "zh-CN") -> Plan:
    return Plan(as_of=as_of, language=lang, alerts=found)


def issue_of(number: int, alert: Alert, *, title: str | None = None, open: bool = True) -> Issue:
    return Issue(
        number,
        title or alert.title,
        sync.issue_body(alert, None, "zh-CN"),
        open,
        "" if open else f"2026-12-0{number % 9 + 1}T00:00:00Z",
    )


HR = make_alert("hr", ("overdue:recruit/m1", "stale:recruit"))
KJ = make_alert("kj", ("overdue:lab/m2",), contacts=("@li-si", "@univ/science"))


# --- the reconciliation, pure ---------------------------------------------------------------


def test_a_new_alert_is_a_new_issue_with_the_marker_in_its_body() -> None:
    actions = reconcile(make_plan(HR, KJ), [], [])
    assert [type(a) for a in actions] == [Create, Create]
    first = actions[0]
    assert isinstance(first, Create)
    assert first.title == HR.title
    assert first.body == HR.body
    found = parse_marker(first.body)
    assert found is not None and (found.key, found.digest) == ("dept:hr", HR.digest)


def test_the_same_state_is_no_action_at_all() -> None:
    plan = make_plan(HR, KJ)
    assert reconcile(plan, [issue_of(1, HR), issue_of(2, KJ)], []) == []
    assert sync.standing(plan, [issue_of(1, HR), issue_of(2, KJ)], []) == (2, 0)


def test_an_issue_is_found_by_its_marker_not_its_title() -> None:
    renamed = issue_of(7, HR, title="人事处的事，请看这里")
    assert reconcile(make_plan(HR), [renamed], []) == []
    # a labelled issue that someone wrote by hand, with the alert's very title, is not ours
    by_hand = Issue(8, HR.title, "人事处请注意", True)
    assert [type(a) for a in reconcile(make_plan(HR), [by_hand], [])] == [Create]


def test_new_items_are_one_comment_naming_them_then_the_body_is_rewritten() -> None:
    grown = make_alert("hr", (*HR.items, "overdue:recruit/m3", "stale:payroll"))
    actions = reconcile(make_plan(grown), [issue_of(3, HR, title="改过的标题")], [])
    assert [type(a) for a in actions] == [Comment, Edit]
    comment, edit = actions
    assert isinstance(comment, Comment) and isinstance(edit, Edit)
    assert comment.number == edit.number == 3
    assert comment.kind == "news"
    assert comment.body == (
        "**新增落后事项**（截至 2026-12-04），共 2 项：\n"
        "\n"
        "- 人事处：recruit/m3\n"
        "- 人事处：payroll\n"
        "\n"
        "@zhang-san 本议题正文的清单已同步更新。\n"
        f'<!-- progress-site:alert-comment {{"key": "dept:hr", "tag": "news:0:{grown.digest}"}} -->\n'
    )
    assert (edit.title, edit.body) == (grown.title, sync.issue_body(grown, None, "zh-CN", 1))
    assert edit.body.endswith(
        "<!-- progress-site:alert-revision 1 -->\n" + marker("dept:hr", grown.items) + "\n"
    )


def test_the_news_comment_in_english() -> None:
    grown = make_alert("hr", (*HR.items, "overdue:recruit/m3"), contacts=())
    [comment, _] = reconcile(make_plan(grown, lang="en"), [issue_of(3, HR)], [])
    assert isinstance(comment, Comment)
    assert comment.body.splitlines()[:5] == [
        "**Newly behind** (as of 2026-12-04), 1 item(s):",
        "",
        "- 人事处：recruit/m3",
        "",
        "The list at the top of this issue is brought up to date.",
    ]


def test_items_only_removed_rewrite_the_body_without_a_comment() -> None:
    shrunk = make_alert("hr", ("stale:recruit",))
    actions = reconcile(make_plan(shrunk), [issue_of(3, HR)], [])
    body = sync.issue_body(shrunk, None, "zh-CN", 1)
    assert actions == [Edit(3, "dept:hr", shrunk.title, body)]


def test_a_department_no_longer_behind_gets_a_closing_comment_and_is_closed() -> None:
    actions = reconcile(make_plan(KJ), [issue_of(1, HR), issue_of(2, KJ)], [])
    assert [type(a) for a in actions] == [Comment, Close]
    comment, close = actions
    assert isinstance(comment, Comment) and isinstance(close, Close)
    assert (comment.number, close.number, close.reason) == (1, 1, "completed")
    assert comment.body.splitlines()[0] == (
        "截至 2026-12-04，本部门已不在落后提醒名单上：此前列出的 1 个逾期节点已全部完成"
        "（或已调整计划），1 个超期未报告的项目已恢复报告。本提醒自动关闭；"
        "如再出现逾期或超期未报告，将另开新提醒。"
    )
    # closed by the sync: the marker lists no items any more, the text above it stays
    emptied = parse_marker(close.body)
    assert emptied is not None and (emptied.key, emptied.items) == ("dept:hr", ())
    assert close.body.startswith(HR.body.split("<!--")[0])


def test_the_closing_comment_in_english() -> None:
    text = sync.resolved_comment("dept:hr", (*HR.items, "other:x"), AS_OF, "en", "resolved:0:x")
    assert text.splitlines()[0] == (
        "As of 2026-12-04 this department is no longer behind: the overdue milestone(s) "
        "listed (1) are all done or re-planned; the project(s) without a recent report (1) "
        "are reporting again; the other item(s) listed (1) are resolved. This alert closes "
        "itself; a new one opens if the department falls behind again."
    )


def test_two_open_issues_for_one_department_keep_the_older() -> None:
    actions = reconcile(make_plan(HR), [issue_of(9, HR), issue_of(4, HR)], [])
    assert [(type(a), a.number) for a in actions if not isinstance(a, Create)] == [
        (Comment, 9),
        (Close, 9),
    ]
    comment, close = actions
    assert isinstance(comment, Comment) and isinstance(close, Close)
    assert comment.body.startswith(
        "与 #4 重复：每个部门只保留一个提醒。已自动关闭，请在 #4 中跟进。\n"
    )
    assert close.reason == "not_planned"


def test_an_issue_a_person_closed_stays_closed_until_its_items_change() -> None:
    closed = issue_of(5, HR, open=False)
    plan = make_plan(HR)
    assert reconcile(plan, [], [closed]) == []
    assert sync.standing(plan, [], [closed]) == (0, 1)
    grown = make_alert("hr", (*HR.items, "overdue:recruit/m3"))
    [create] = reconcile(make_plan(grown), [], [closed])
    assert isinstance(create, Create)
    assert create.previous == 5
    assert (
        "此前的提醒：#5（已关闭）。 <!-- progress-site:alert-previous 5 -->\n\n<!-- progress-site:alert {"
        in create.body
    )
    assert parse_marker(create.body) == parse_marker(grown.body)
    # the link survives the body's next rewrite
    opened = Issue(6, grown.title, create.body, True)
    [edit] = reconcile(make_plan(HR), [opened], [closed])
    assert isinstance(edit, Edit)
    assert sync.previous_issue(edit.body) == 5


def test_the_most_recently_closed_issue_decides() -> None:
    by_person = Issue(
        5, HR.title, sync.issue_body(HR, None, "zh-CN"), False, "2026-11-01T00:00:00Z"
    )
    # later, the sync closed the department's next issue (it was no longer behind)
    by_sync = Issue(6, HR.title, sync.emptied_body(by_person.body), False, "2026-11-20T00:00:00Z")
    [create] = reconcile(make_plan(HR), [], [by_sync, by_person])
    assert isinstance(create, Create) and create.previous == 6


def test_an_english_plan_links_the_previous_issue_in_english() -> None:
    body = sync.issue_body(HR, 12, "en")
    assert "Earlier alert: #12 (closed). <!-- progress-site:alert-previous 12 -->" in body


def test_a_body_without_its_marker_gets_one_and_a_huge_body_is_cut_keeping_it() -> None:
    bare = Alert("dept:hr", "hr", "t", "没有标记的正文\n", ("stale:x",))
    found = parse_marker(sync.issue_body(bare, None, "zh-CN"))
    assert found is not None and found.items == ("stale:x",)
    huge = Alert(
        "dept:hr", "hr", "t", "长" * 70_000 + "\n\n" + marker("dept:hr", ("stale:x",)), ("stale:x",)
    )
    body = sync.issue_body(huge, 3, "zh-CN")
    assert len(body) <= sync.MAX_BODY
    assert sync.previous_issue(body) == 3
    assert parse_marker(body) == parse_marker(huge.body)


def test_item_words_in_a_comment_stay_on_one_line_and_hide_no_marker() -> None:
    sneaky = make_alert("hr", (*HR.items, "stale:evil"))
    labels = {**sneaky.labels, "stale:evil": "第一行\n<!-- progress-site:alert-comment {} -->"}
    alert = Alert(sneaky.key, "hr", sneaky.title, sneaky.body, sneaky.items, labels)
    text = sync.news_comment(alert, ["stale:evil"], AS_OF, "zh-CN", "news:0:x")
    assert "- 第一行 &lt;!-- progress-site:alert-comment {} -->\n" in text
    assert sync.parse_comment_tag(text) == ("dept:hr", "news:0:x")


class MemoryForge:
    """The forge as :func:`sync.run` sees it, in memory: for properties of many runs."""

    def __init__(self) -> None:
        self.issues: dict[int, Issue] = {}
        self.comments: dict[int, list[str]] = {}
        self.clock = 0
        self.by_person: set[int] = set()

    def open_issues(self) -> list[Issue]:
        return [i for i in self.issues.values() if i.open]

    def closed_issues(self, since: dt.date) -> list[Issue]:
        return [i for i in self.issues.values() if not i.open]

    def ensure_label(self, description: str) -> None:
        pass

    def commented(self, number: int, key: str, tag: str) -> bool:
        return any(sync.parse_comment_tag(c) == (key, tag) for c in self.comments.get(number, []))

    def create(self, title: str, body: str) -> None:
        number = len(self.issues) + 1
        self.issues[number] = Issue(number, title, body, True)

    def edit(self, number: int, title: str, body: str) -> None:
        self.issues[number] = Issue(number, title, body, True)

    def comment(self, number: int, body: str) -> None:
        self.comments.setdefault(number, []).append(body)

    def close(self, number: int, body: str, reason: str) -> None:
        self.close_by_person(number, body)
        self.by_person.discard(number)

    def close_by_person(self, number: int, body: str | None = None) -> None:
        self.by_person.add(number)
        self.clock += 1
        issue = self.issues[number]
        stamp = f"2026-12-01T00:00:{self.clock:02d}Z"
        self.issues[number] = Issue(number, issue.title, body or issue.body, False, stamp)


DEPARTMENTS = ("hr", "kj", "jw")
ITEMS = ("overdue:p/a", "overdue:p/b", "overdue:q/c", "stale:p", "stale:q")
plans = st.lists(
    st.fixed_dictionaries(
        {d: st.frozensets(st.sampled_from(ITEMS), max_size=4) for d in DEPARTMENTS}
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(plans, st.lists(st.sampled_from(DEPARTMENTS), max_size=4))
def test_any_sequence_of_plans_converges_in_one_run(
    days: list[dict[str, frozenset[str]]], closers: list[str]
) -> None:
    forge = MemoryForge()
    for day, state in enumerate(days):
        plan = make_plan(
            *(make_alert(d, tuple(items)) for d, items in state.items() if items),
            as_of=AS_OF + dt.timedelta(days=day),
        )
        sync.run(plan, forge)
        # converged: the same state asks for nothing more
        assert reconcile(plan, forge.open_issues(), forge.closed_issues(AS_OF)) == []
        keys = [found_key(i) for i in forge.open_issues()]
        assert len(keys) == len(set(keys))  # never two open issues for one department
        for alert in plan.alerts:  # open, or closed by a person with these very items
            mine = [i for i in forge.issues.values() if found_key(i) == alert.key]
            if alert.key not in keys:
                latest = max(mine, key=lambda i: (i.closed_at, i.number))
                assert latest.number in forge.by_person
                assert latest.marker is not None and latest.marker.digest == alert.digest
        for key in {f"dept:{d}" for d, items in state.items() if not items}:
            assert key not in keys  # a department caught up has no open issue
        if day < len(closers):  # a person closes a department's issue now and then
            for issue in forge.open_issues():
                if found_key(issue) == f"dept:{closers[day]}":
                    forge.close_by_person(issue.number)


def found_key(issue: Issue) -> str:
    return sync.found_key(issue)


# --- against the stand-in for GitHub ------------------------------------------------------


@pytest.fixture
def stub() -> Iterator[GitHubStub]:
    server = GitHubStub().start()
    yield server
    server.stop()


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def adapter(
    stub: GitHubStub, *, dry_run: bool = False, token: str | None = "test-token", **options: object
) -> tuple[github.GitHubForge, Sleeps, list[str]]:
    sleeps, log = Sleeps(), []
    forge = github.GitHubForge(
        "univ/progress",
        LABEL,
        "zh-CN",
        token=token,
        base_url=stub.url,
        dry_run=dry_run,
        log=lambda request, shown: log.append(sync.request_line(request, "en", shown)),
        sleep=sleeps,
        **options,  # type: ignore[arg-type]
    )
    return forge, sleeps, log


def sync_once(stub: GitHubStub, plan: Plan, **options: object) -> sync.Summary:
    return sync.run(plan, adapter(stub, **options)[0])


def test_first_run_opens_one_issue_per_alert_mentioning_the_contacts(stub: GitHubStub) -> None:
    summary = sync_once(stub, make_plan(HR, KJ))
    assert (summary.created, summary.edited, summary.commented, summary.closed) == (2, 0, 0, 0)
    assert [(r.method, r.path) for r in stub.writes] == [
        ("POST", "/repos/univ/progress/labels"),
        ("POST", "/repos/univ/progress/issues"),
        ("POST", "/repos/univ/progress/issues"),
    ]
    assert stub.labels[LABEL]["color"] == github.LABEL_COLOR
    first, second = stub.issues[1], stub.issues[2]
    assert [lab["name"] for lab in first["labels"]] == [LABEL]
    assert "@zhang-san" in first["body"]
    assert "@li-si @univ/science" in second["body"]
    assert parse_marker(second["body"]) == parse_marker(KJ.body)
    assert {r.authorization for r in stub.requests} == {"token test-token"}
    assert {r.version for r in stub.requests} == {github.API_VERSION}


def test_second_run_makes_no_write(stub: GitHubStub) -> None:
    sync_once(stub, make_plan(HR, KJ))
    before = len(stub.requests)
    summary = sync_once(stub, make_plan(HR, KJ))
    assert stub.requests[before:] and not [r for r in stub.requests[before:] if r.method != "GET"]
    assert (summary.created, summary.unchanged) == (0, 2)


def test_an_existing_label_is_not_created_again(stub: GitHubStub) -> None:
    stub.labels[LABEL] = {"name": LABEL, "color": "ffffff"}
    sync_once(stub, make_plan(HR))
    assert [r.path for r in stub.writes] == ["/repos/univ/progress/issues"]


def test_a_milestone_done_closes_the_issue_with_a_comment(stub: GitHubStub) -> None:
    sync_once(stub, make_plan(HR, KJ))
    done = dt.date(2026, 12, 6)
    summary = sync_once(stub, make_plan(KJ, as_of=done))
    assert (summary.closed, summary.commented, summary.unchanged) == (1, 1, 1)
    assert stub.issues[1]["state"] == "closed"
    assert stub.issues[1]["state_reason"] == "completed"
    assert stub.issues[2]["state"] == "open"
    [comment] = stub.comments[1]
    assert comment["body"].startswith("截至 2026-12-06，本部门已不在落后提醒名单上")
    # closed by the sync: a later run does not take it for a person's closing
    again = sync_once(stub, make_plan(HR, KJ, as_of=dt.date(2026, 12, 9)))
    assert again.created == 1
    assert "#1" in stub.issues[3]["body"]


def test_a_new_overdue_item_edits_the_body_and_adds_exactly_one_comment(
    stub: GitHubStub,
) -> None:
    sync_once(stub, make_plan(HR, KJ))
    grown = make_alert("hr", (*HR.items, "overdue:recruit/m3"))
    before = len(stub.requests)
    sync_once(stub, make_plan(grown, KJ))
    writes = [(r.method, r.path) for r in stub.requests[before:] if r.method != "GET"]
    assert writes == [
        ("POST", "/repos/univ/progress/issues/1/comments"),
        ("PATCH", "/repos/univ/progress/issues/1"),
    ]
    assert stub.issues[1]["body"] == sync.issue_body(grown, None, "zh-CN", 1)
    assert stub.issues[1]["title"] == grown.title
    [comment] = stub.comments[1]
    assert "- 人事处：recruit/m3\n" in comment["body"]
    assert "recruit/m1" not in comment["body"]


def test_an_item_that_falls_behind_again_is_news_again(stub: GitHubStub) -> None:
    """Settled, then behind again (a due date moved, then passed): one comment each time."""
    grown = make_alert("hr", (*HR.items, "overdue:recruit/m3"))
    for plan in (HR, grown, HR, grown):
        sync_once(stub, make_plan(plan))
    assert len(stub.comments[1]) == 2
    assert [parse_marker(stub.issues[1]["body"]), sync.revision(stub.issues[1]["body"])] == [
        parse_marker(grown.body),
        3,
    ]


def test_a_renamed_issue_is_still_matched(stub: GitHubStub) -> None:
    sync_once(stub, make_plan(HR))
    stub.issues[1]["title"] = "人事处 — 请尽快处理"
    before = len(stub.writes)
    summary = sync_once(stub, make_plan(HR))
    assert len(stub.writes) == before
    assert summary.unchanged == 1


def test_150_open_issues_are_read_page_by_page(stub: GitHubStub) -> None:
    for n in range(149):
        stub.add_issue(f"人工提醒 {n}", "没有标记")
    stub.add_issue("带标记的旧提醒", sync.issue_body(HR, None, "zh-CN"))  # number 150, page 2
    stub.add_issue("a pull request", sync.issue_body(KJ, None, "zh-CN"), pull_request=True)
    stub.add_issue("unlabelled", sync.issue_body(KJ, None, "zh-CN"), labels=())
    summary = sync_once(stub, make_plan(HR, KJ))
    pages = [r.query.get("page") for r in stub.requests if r.query.get("state") == "open"]
    assert pages == ["1", "2"]
    assert summary.unchanged == 1
    # the pull request and the unlabelled issue are not the department's issue: one is opened
    assert summary.created == 1
    assert [r.body["title"] for r in stub.writes if r.path.endswith("/issues")] == [KJ.title]


def test_too_many_open_issues_stop_the_sync_before_any_write(stub: GitHubStub) -> None:
    for n in range(201):
        stub.add_issue(f"人工提醒 {n}", None)
    forge, _, _ = adapter(stub)
    github.MAX_OPEN_PAGES, saved = 2, github.MAX_OPEN_PAGES
    try:
        with pytest.raises(SyncError) as caught:
            sync.run(make_plan(HR), forge)
    finally:
        github.MAX_OPEN_PAGES = saved
    assert caught.value.message("en") == (
        "more than 200 issues carry the label 督办提醒; the sync reads no further: close old "
        "ones or choose another --label"
    )
    assert stub.writes == []


def test_429_then_success_waits_as_retry_after_says(stub: GitHubStub) -> None:
    stub.fail("GET", r"/issues$", 429, headers={"Retry-After": "7"})
    stub.fail("POST", r"/issues$", 403, headers={"Retry-After": "3"})
    forge, sleeps, _ = adapter(stub)
    summary = sync.run(make_plan(HR), forge)
    assert sleeps == [7.0, 3.0]
    assert summary.created == 1
    assert len(stub.open_issues()) == 1


def test_a_used_up_rate_limit_waits_until_its_reset(stub: GitHubStub) -> None:
    reset = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1800000030"}
    stub.fail("GET", r"/issues$", 403, headers=reset)
    forge, sleeps, _ = adapter(stub, now=lambda: 1_800_000_000.0)
    sync.run(make_plan(HR), forge)
    assert sleeps == [30.0]


def test_a_secondary_rate_limit_said_in_words_waits_a_minute(
    stub: GitHubStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub.fail("POST", r"/issues$", 403)
    stub.labels[LABEL] = {"name": LABEL}
    real = stub._send

    def said(handler: object, status: int, answer: object, headers: object = None) -> None:
        if status == 403:
            answer = {"message": "You have exceeded a secondary rate limit. Please wait."}
        real(handler, status, answer, headers)  # type: ignore[arg-type]

    monkeypatch.setattr(stub, "_send", said)
    forge, sleeps, _ = adapter(stub)
    assert sync.run(make_plan(HR), forge).created == 1
    assert sleeps == [60.0]


def test_a_rate_limit_longer_than_the_runs_budget_fails_at_once(stub: GitHubStub) -> None:
    stub.fail("GET", r"/issues$", 429, headers={"Retry-After": "3600"})
    forge, sleeps, _ = adapter(stub)
    with pytest.raises(SyncError) as caught:
        sync.run(make_plan(HR), forge)
    assert sleeps == []
    assert caught.value.message("zh-CN") == (
        "已达到 GitHub 的请求频率上限，需 3600 秒后恢复，超过本次运行的等待上限；"
        "请届时重新运行（下次运行会补完）"
    )


def test_waits_add_up_to_the_budget_at_most(stub: GitHubStub) -> None:
    stub.fail("GET", r"/issues$", 429, times=100, headers={"Retry-After": "20"})
    forge, sleeps, _ = adapter(stub)
    with pytest.raises(SyncError):
        sync.run(make_plan(HR), forge)
    assert sleeps == [20.0, 20.0, 20.0]  # 60 s in all, the default budget


def test_persistent_500_fails_in_one_line_and_a_rerun_converges(stub: GitHubStub) -> None:
    sync_once(stub, make_plan(HR))
    stub.fail("GET", r"/issues$", 500, times=3)
    forge, sleeps, _ = adapter(stub)
    with pytest.raises(SyncError) as caught:
        sync.run(make_plan(HR, KJ), forge)
    assert sleeps == [1.0, 2.0]
    assert caught.value.message("en") == (
        "GitHub answered 500 to GET /repos/univ/progress/issues (3 attempt(s)); nothing "
        "more was changed, run it again later (the next run finishes the work)"
    )
    summary = sync_once(stub, make_plan(HR, KJ))
    assert (summary.created, summary.unchanged) == (1, 1)
    assert sorted(i["title"] for i in stub.open_issues()) == sorted([HR.title, KJ.title])


def test_a_create_github_did_but_answered_502_is_not_duplicated(stub: GitHubStub) -> None:
    stub.fail("POST", r"/issues$", 502, after=True)
    with pytest.raises(SyncError):
        sync_once(stub, make_plan(HR, KJ))
    assert len(stub.open_issues()) == 1  # the POST is not repeated: it may have been done
    sync_once(stub, make_plan(HR, KJ))
    assert sorted(i["title"] for i in stub.open_issues()) == sorted([HR.title, KJ.title])
    sync_once(stub, make_plan(HR, KJ))
    assert len(stub.issues) == 2


def test_a_comment_posted_before_a_failed_edit_is_not_posted_again(stub: GitHubStub) -> None:
    sync_once(stub, make_plan(HR))
    grown = make_alert("hr", (*HR.items, "overdue:recruit/m3"))
    stub.fail("PATCH", r"/issues/1$", 500, times=3)
    with pytest.raises(SyncError):
        sync_once(stub, make_plan(grown))
    assert len(stub.comments[1]) == 1
    summary = sync_once(stub, make_plan(grown))
    assert (summary.edited, summary.commented) == (1, 0)
    assert len(stub.comments[1]) == 1
    assert stub.issues[1]["body"] == sync.issue_body(grown, None, "zh-CN", 1)


def test_a_closing_comment_is_not_repeated_when_the_close_failed(stub: GitHubStub) -> None:
    sync_once(stub, make_plan(HR))
    stub.fail("PATCH", r"/issues/1$", 503, times=3)
    with pytest.raises(SyncError):
        sync_once(stub, make_plan())
    sync_once(stub, make_plan())
    assert stub.issues[1]["state"] == "closed"
    assert len(stub.comments[1]) == 1


def test_the_newest_comments_are_read_past_the_first_page(stub: GitHubStub) -> None:
    sync_once(stub, make_plan(HR))
    stub.comments[1] = [{"id": n, "body": f"讨论 {n}"} for n in range(250)]
    grown = make_alert("hr", (*HR.items, "overdue:recruit/m3"))
    stub.fail("PATCH", r"/issues/1$", 500, times=3)
    with pytest.raises(SyncError):
        sync_once(stub, make_plan(grown))
    sync_once(stub, make_plan(grown))
    pages = [
        r.query["page"] for r in stub.requests if r.path.endswith("/comments") and r.method == "GET"
    ]
    assert pages == ["1", "3", "1", "3"]
    assert len(stub.comments[1]) == 251


def test_a_person_closed_it_and_it_stays_closed_until_the_items_change(stub: GitHubStub) -> None:
    sync_once(stub, make_plan(HR))
    stub.close_by_person(1)
    before = len(stub.writes)
    summary = sync_once(stub, make_plan(HR, as_of=dt.date(2026, 12, 5)))
    assert len(stub.writes) == before
    assert summary.respected == 1
    grown = make_alert("hr", (*HR.items, "overdue:recruit/m3"))
    summary = sync_once(stub, make_plan(grown, as_of=dt.date(2026, 12, 6)))
    assert summary.created == 1
    assert stub.issues[1]["state"] == "closed"
    assert "此前的提醒：#1（已关闭）。" in stub.issues[2]["body"]


def test_a_second_open_issue_for_one_department_is_closed_as_a_duplicate(
    stub: GitHubStub,
) -> None:
    sync_once(stub, make_plan(HR))
    stub.add_issue("复制出来的", stub.issues[1]["body"])
    sync_once(stub, make_plan(HR))
    assert [i["number"] for i in stub.open_issues()] == [1]
    assert stub.issues[2]["state_reason"] == "not_planned"
    assert stub.comments[2][0]["body"].startswith("与 #1 重复")


def test_github_enterprise_answers_under_its_api_path() -> None:
    server = GitHubStub(prefix="/api/v3").start()
    try:
        sync_once(server, make_plan(HR))
        assert server.requests[0].path == "/api/v3/repos/univ/progress/issues"
        assert len(server.open_issues()) == 1
    finally:
        server.stop()


def test_a_refused_token_and_a_missing_permission_are_named(stub: GitHubStub) -> None:
    with pytest.raises(SyncError) as caught:
        sync_once(stub, make_plan(HR), token="wrong")
    assert caught.value.message("en") == "GitHub refused the token (401): check GITHUB_TOKEN"
    stub.fail("POST", r"/issues$", 403)
    stub.labels[LABEL] = {"name": LABEL}
    with pytest.raises(SyncError) as caught:
        sync_once(stub, make_plan(HR))
    assert caught.value.message("zh-CN") == (
        "GitHub 拒绝了 POST /repos/univ/progress/issues（403）：令牌没有此权限；"
        "工作流中该作业需要 `permissions: issues: write`"
    )


def test_an_unreachable_server_is_one_error(stub: GitHubStub) -> None:
    port = free_port()
    forge = github.GitHubForge(
        "univ/progress", LABEL, "en", token="t", base_url=f"http://127.0.0.1:{port}", sleep=Sleeps()
    )
    with pytest.raises(SyncError) as caught:
        sync.run(make_plan(HR), forge)
    assert caught.value.message("en").startswith(f"cannot reach 127.0.0.1:{port}: ")


@pytest.mark.parametrize(
    ("answer", "what"),
    [
        ({"message": "not a list"}, "not a list of at most 100 issues"),
        ([{"number": "7", "state": "open"}], "an issue without a number"),
        ([{"number": 7, "state": "merged"}], "issue #7 has no state"),
        (["text"], "an issue is not an object"),
    ],
)
def test_an_unexpected_answer_stops_before_any_write(
    stub: GitHubStub, monkeypatch: pytest.MonkeyPatch, answer: object, what: str
) -> None:
    monkeypatch.setattr(stub, "_list_issues", lambda query: (200, answer, {}))
    with pytest.raises(SyncError) as caught:
        sync_once(stub, make_plan(HR))
    assert caught.value.message("en") == (
        f"GitHub's answer to GET /repos/univ/progress/issues is not what was expected "
        f"({what}); nothing more was changed"
    )
    assert stub.writes == []


def test_a_missing_or_huge_body_is_not_an_alerts(stub: GitHubStub) -> None:
    stub.add_issue("无正文", None)
    stub.add_issue("巨大", "长" * (github.MAX_BODY + 1) + sync.issue_body(HR, None, "zh-CN"))
    summary = sync_once(stub, make_plan(HR))
    assert summary.created == 1


def test_a_dry_run_prints_the_requests_and_makes_none(stub: GitHubStub) -> None:
    sync_once(stub, make_plan(HR))
    stub.requests.clear()
    grown = make_alert("hr", (*HR.items, "overdue:recruit/m3"))
    forge, _, log = adapter(stub, dry_run=True, token=None)
    summary = sync.run(make_plan(grown, KJ), forge)
    assert stub.writes == []
    assert {r.authorization for r in stub.requests} == {""}
    assert log == [
        "would POST /repos/univ/progress/issues/1/comments  评论 #1",
        f"would PATCH /repos/univ/progress/issues/1  更新 #1：{grown.title}",
        f"would POST /repos/univ/progress/issues  新开议题：{KJ.title}",
    ]
    assert (summary.created, summary.edited, summary.commented) == (1, 1, 1)


def test_a_dry_run_without_network_lists_the_plans_creates(stub: GitHubStub) -> None:
    forge = github.GitHubForge(
        "univ/progress",
        LABEL,
        "en",
        token=None,
        base_url=f"http://127.0.0.1:{free_port()}",
        dry_run=True,
        sleep=Sleeps(),
    )
    shown: list[str] = []
    forge.log = lambda request, dry: shown.append(f"{request.method} {request.path}")
    summary = sync.run(make_plan(HR, KJ), forge)
    assert forge.unread is not None and forge.unread.code == "network"
    assert shown == [
        "POST /repos/univ/progress/labels",
        "POST /repos/univ/progress/issues",
        "POST /repos/univ/progress/issues",
    ]
    assert summary.created == 2


# --- the command line -----------------------------------------------------------------------

SITE = """\
title: 测试站点
language: {language}
repository: univ/progress
departments:
  - id: hr
    name: 人事处
    contacts: ["@zhang-san"]
  - id: kj
    name: 科技处
"""

LATE = """\
title: 人才引进
lead: hr
milestones:
  - title: 第一批面试
    due: 2026-11-01
notes:
  - date: 2026-11-30
    text: 进行中。
"""


def cli_env(stub: GitHubStub, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB"))}
    return {**env, "GITHUB_API_URL": stub.url, "GITHUB_TOKEN": "test-token", **extra}


def use_stub(monkeypatch: pytest.MonkeyPatch, stub: GitHubStub, **extra: str) -> None:
    """The command in this process talks to the stand-in, with a token."""
    for name in [n for n in os.environ if n.startswith(("GITHUB_", "GITLAB"))]:
        monkeypatch.delenv(name)
    for name, value in {**cli_env(stub), **extra}.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def site(root: Root) -> Root:
    root.site(SITE.format(language="zh-CN"))
    root.project("recruit", LATE)
    return root


@pytest.fixture
def fake_plan(monkeypatch: pytest.MonkeyPatch) -> list[Plan]:
    """The command is given this plan: these tests depend on the contract only."""
    plans = [make_plan(HR, KJ)]
    monkeypatch.setattr(alerts, "plan", lambda state, today, repo: plans[0], raising=False)
    return plans


def test_cli_sync_opens_the_issues_then_does_nothing(
    site: Root,
    stub: GitHubStub,
    run: Callable[..., RunResult],
    monkeypatch: pytest.MonkeyPatch,
    fake_plan: list[Plan],
) -> None:
    use_stub(monkeypatch, stub)
    code, out, err = run("alerts", "sync", "--root", site.path, "--today", "2026-12-04")
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == (
        "告诫提醒同步：新开 2 个，更新 0 个，评论 0 条，关闭 0 个，0 个无变化，0 个由人关闭、保持关闭"
    )
    assert out.splitlines()[0] == "POST /repos/univ/progress/labels  创建标签 督办提醒"
    code, out, err = run("alerts", "sync", "--root", site.path, "--lang", "en")
    assert (code, err) == (0, "")
    assert out == (
        "alerts sync: 0 opened, 0 updated, 0 comment(s), 0 closed, 2 unchanged, "
        "0 kept closed by a person\n"
    )


def test_cli_sync_errors_are_one_line_in_the_sites_language(
    site: Root,
    stub: GitHubStub,
    run: Callable[..., RunResult],
    monkeypatch: pytest.MonkeyPatch,
    fake_plan: list[Plan],
) -> None:
    use_stub(monkeypatch, stub)
    monkeypatch.delenv("GITHUB_TOKEN")
    code, out, err = run("alerts", "sync", "--root", site.path)
    assert (code, out) == (1, "")
    assert err == (
        "progress-site: error: 未设置 GITHUB_TOKEN：同步需要可写议题的令牌（在工作流中："
        "`GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` 并设置 `permissions: issues: write`）；"
        "不带令牌可用 --dry-run 查看将做的事\n"
    )
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    stub.fail("GET", r"/issues$", 500, times=100)
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    code, out, err = run("alerts", "sync", "--root", site.path, "--lang", "en")
    assert (code, out) == (1, "")
    assert err == (
        "progress-site: error: GitHub answered 500 to GET /repos/univ/progress/issues "
        "(3 attempt(s)); nothing more was changed, run it again later (the next run "
        "finishes the work)\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--repo", "not a repo"],
            "--repo 'not a repo' is not a repository: write OWNER/NAME, for example "
            "--repo my-university/progress",
        ),
        (
            ["--label", "a,b"],
            "--label 'a,b' cannot be a label: use 1 to 50 characters without a comma, "
            "slash, '?', '#' or '%'",
        ),
    ],
)
def test_cli_sync_usage_errors_exit_2(
    site: Root,
    run: Callable[..., RunResult],
    fake_plan: list[Plan],
    args: list[str],
    message: str,
) -> None:
    code, out, err = run("alerts", "sync", "--root", site.path, "--lang", "en", *args)
    assert (code, out, err) == (2, "", f"progress-site: error: {message}\n")


def test_cli_sync_names_the_repository_it_lacks(
    root: Root,
    run: Callable[..., RunResult],
    monkeypatch: pytest.MonkeyPatch,
    fake_plan: list[Plan],
) -> None:
    root.site(SITE.format(language="en").replace("repository: univ/progress\n", ""))
    root.project("recruit", LATE)
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    monkeypatch.delenv("GITLAB_CI", raising=False)
    code, _, err = run("alerts", "sync", "--root", root.path, "--dry-run")
    assert code == 1
    assert err == (
        "progress-site: error: no repository to send alerts to: give --repo OWNER/NAME, or "
        "set repository: in site.yaml (in GitHub Actions, GITHUB_REPOSITORY names it)\n"
    )


def test_cli_repo_option_wins_and_the_english_label_is_the_default(
    root: Root,
    stub: GitHubStub,
    run: Callable[..., RunResult],
    monkeypatch: pytest.MonkeyPatch,
    fake_plan: list[Plan],
) -> None:
    root.site(SITE.format(language="en").replace("univ/progress", "elsewhere/other"))
    root.project("recruit", LATE)
    use_stub(monkeypatch, stub, GITHUB_REPOSITORY="also/wrong")
    code, out, err = run(
        "alerts", "sync", "--root", root.path, "--repo", "univ/progress", "--dry-run"
    )
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "would POST /repos/univ/progress/labels  create the label progress-alert",
        f"would POST /repos/univ/progress/issues  open an issue: {HR.title}",
        f"would POST /repos/univ/progress/issues  open an issue: {KJ.title}",
        "alerts sync (dry run: nothing was changed): 2 opened, 0 updated, 0 comment(s), "
        "0 closed, 0 unchanged, 0 kept closed by a person",
    ]
    assert stub.requests[0].query["labels"] == "progress-alert"
    assert stub.writes == []


def test_cli_dry_run_without_network_says_it_could_not_read(
    site: Root,
    run: Callable[..., RunResult],
    monkeypatch: pytest.MonkeyPatch,
    fake_plan: list[Plan],
) -> None:
    monkeypatch.setenv("GITHUB_API_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    code, out, err = run("alerts", "sync", "--root", site.path, "--dry-run", "--lang", "en")
    assert code == 0
    assert err.startswith("dry run: the issues could not be read (cannot reach 127.0.0.1:")
    assert err.endswith("); shown as if the repository had none\n")
    assert [line.split("  ")[0] for line in out.splitlines()[:-1]] == [
        "would POST /repos/univ/progress/labels",
        "would POST /repos/univ/progress/issues",
        "would POST /repos/univ/progress/issues",
    ]


def test_cli_ctrl_c_is_one_line(
    site: Root,
    stub: GitHubStub,
    run: Callable[..., RunResult],
    monkeypatch: pytest.MonkeyPatch,
    fake_plan: list[Plan],
) -> None:
    use_stub(monkeypatch, stub)

    def interrupted(plan: Plan, forge: object) -> sync.Summary:
        raise KeyboardInterrupt

    monkeypatch.setattr(sync, "run", interrupted)
    code, out, err = run("alerts", "sync", "--root", site.path)
    assert (code, out) == (130, "")
    assert err == "progress-site: 已中断；已发送的请求保留，下次运行会补完\n"


def test_cli_invalid_files_stop_the_sync_before_any_request(
    site: Root, stub: GitHubStub, run: Callable[..., RunResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    use_stub(monkeypatch, stub)
    site.project("broken", "title: [\n")
    code, out, err = run("alerts", "sync", "--root", site.path)
    assert (code, out) == (1, "")
    assert err.splitlines()[-1] == "发现 1 个问题"
    assert stub.requests == []


needs_plan = pytest.mark.skipif(
    not hasattr(alerts, "plan"), reason="generator.alerts.plan is written on branch alert-plan"
)


@needs_plan
def test_cli_end_to_end_in_a_subprocess(site: Root, stub: GitHubStub) -> None:
    env = cli_env(stub)
    env["PYTHONPATH"] = str(REPO)
    command = [sys.executable, "-m", "generator", "alerts", "sync", "--root", str(site.path)]
    done = subprocess.run(
        [*command, "--today", "2026-12-04"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    [issue] = stub.open_issues()
    assert "@zhang-san" in issue["body"]
    found = parse_marker(issue["body"])
    assert found is not None and found.key == "dept:hr"
    assert done.stdout.splitlines()[-1].startswith("告诫提醒同步：新开 1 个")
    again = subprocess.run(
        [*command, "--today", "2026-12-04"], env=env, capture_output=True, text=True, timeout=60
    )
    assert again.returncode == 0, again.stderr
    assert [r for r in stub.writes if r.path.endswith("/issues")] == [stub.writes[1]]
    # the milestone done: the issue closes with a comment
    site.project(
        "recruit",
        LATE.replace("    due: 2026-11-01\n", "    due: 2026-11-01\n    done: 2026-12-05\n"),
    )
    closed = subprocess.run(
        [*command, "--today", "2026-12-06"], env=env, capture_output=True, text=True, timeout=60
    )
    assert closed.returncode == 0, closed.stderr
    assert stub.open_issues() == []
    assert closed.stdout.splitlines()[-1].startswith(
        "告诫提醒同步：新开 0 个，更新 0 个，评论 1 条，关闭 1 个"
    )
    assert stub.comments[1][0]["body"].startswith("截至 2026-12-06，本部门已不在落后提醒名单上")
    env["GITHUB_API_URL"] = f"http://127.0.0.1:{free_port()}"
    failed = subprocess.run(
        [*command, "--today", "2026-12-06"], env=env, capture_output=True, text=True, timeout=60
    )
    assert (failed.returncode, failed.stdout) == (1, "")
    assert failed.stderr.startswith("progress-site: error: 无法连接 127.0.0.1:")
    assert failed.stderr.count("\n") == 1


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (taken, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# --- the workflow ---------------------------------------------------------------------------


def test_the_publish_workflow_sends_alerts_on_daily_and_manual_runs_only() -> None:
    workflow = yaml.safe_load((REPO / ".github/workflows/publish.yml").read_text("utf-8"))
    job = workflow["jobs"]["alerts"]
    assert job["needs"] == "overdue"
    # after the check even when it is red; never on a push (the workflow's other trigger)
    assert job["if"] == (
        "always() && (github.event_name == 'schedule' || github.event_name == "
        "'workflow_dispatch') && vars.PROGRESS_ALERTS != 'off'"
    )
    assert set(workflow[True]) == {"push", "schedule", "workflow_dispatch"}  # `on:`
    assert job["permissions"] == {"contents": "read", "issues": "write"}
    checkout, _, _, plan, send = job["steps"]
    assert checkout["with"]["persist-credentials"] is False
    assert plan["run"] == (
        'python -m generator alerts plan --root . --format markdown >> "$GITHUB_STEP_SUMMARY"'
    )
    assert send["env"] == {"GITHUB_TOKEN": "${{ secrets.GITHUB_TOKEN }}"}
    assert send["run"] == "python -m generator alerts sync --root ."
    assert not [step for step in job["steps"] if "${{" in step.get("run", "")]
