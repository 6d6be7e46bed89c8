"""``alerts sync`` on GitLab: the GitLab adapter against a stand-in for GitLab's REST API on
127.0.0.1 (tests/gitlab_stub.py), in the scenarios the GitHub adapter is tested in: create,
nothing to do, update with a note, close, pagination, rate limits, errors and reruns.

Plans are built by hand, as :func:`generator.alerts.plan` builds them: the sync depends on
the contract (keys, items, digests, the marker), not on how a plan is computed.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator

import pytest

from generator import alerts, sync
from generator.adapters import gitlab, gitlab_api
from generator.alerts import Alert, Plan, marker, parse_marker
from generator.models import SiteConfig
from generator.sync import Request, SyncError
from tests.conftest import SITE_YAML, Root, RunResult
from tests.gitlab_stub import GitLabStub

AS_OF = dt.date(2026, 12, 4)
LABEL = "督办提醒"
ISSUES = "/projects/{project}/issues"
NAMES = {"hr": "人事处", "kj": "科技处"}


def make_alert(dept: str, items: tuple[str, ...], contacts: tuple[str, ...]) -> Alert:
    key = f"dept:{dept}"
    items = tuple(sorted(items))
    name = NAMES[dept]
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


HR = make_alert("hr", ("overdue:recruit/m1", "stale:recruit"), ("@zhang-san",))
KJ = make_alert("kj", ("overdue:lab/m2",), ("@li-si", "@univ/science"))


def plan(*found: Alert) -> Plan:
    return Plan(as_of=AS_OF, language="zh-CN", alerts=found)


@pytest.fixture
def stub() -> Iterator[GitLabStub]:
    server = GitLabStub().start()
    yield server
    server.stop()


class Adapter:
    """The adapter the command line makes, with its log and its pauses recorded."""

    def __init__(
        self, stub: GitLabStub, *, dry_run: bool = False, token: str | None = None
    ) -> None:
        self.log: list[tuple[str, str, bool]] = []
        self.slept: list[float] = []
        site = SiteConfig.model_validate(
            {
                "title": "t",
                "organization": "o",
                "language": "zh-CN",
                "departments": [{"id": "hr", "name": "人事处"}],
            }
        )
        environ = {
            "CI_SERVER_URL": stub.url,
            "CI_PROJECT_PATH": stub.project_path,
            "PROGRESS_SITE_TOKEN": token or stub.token,
        }
        self.repository, self.forge = gitlab.connect(
            site,
            environ,
            repo=None,
            label=None,
            dry_run=dry_run,
            language="zh-CN",
            log=self._logged,
        )
        self.forge.api.sleep = self.slept.append
        self.forge.api.now = lambda: 1_800_000_000.0

    def _logged(self, request: Request, shown: bool) -> None:
        self.log.append((request.method, request.path, shown))

    def run(self, the_plan: Plan) -> sync.Summary:
        return sync.run(the_plan, self.forge)


def writes(stub: GitLabStub) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in stub.writes]


# --- the scenarios ---------------------------------------------------------------------------


def test_create_then_nothing_to_do(stub: GitLabStub) -> None:
    adapter = Adapter(stub)
    assert adapter.repository.platform == "gitlab"
    assert adapter.repository.web == f"{stub.url}/univ/progress"
    summary = adapter.run(plan(HR, KJ))
    assert (summary.created, summary.edited, summary.commented, summary.closed) == (2, 0, 0, 0)
    assert writes(stub) == [
        ("POST", "/projects/{project}/labels"),
        ("POST", ISSUES),
        ("POST", ISSUES),
    ]
    assert stub.labels[LABEL]["color"] == "#d93f0b"
    first, second = stub.issues[1], stub.issues[2]
    assert first["labels"] == [LABEL] and first["title"] == HR.title
    assert "请 @zhang-san 跟进。" in first["description"]
    assert "请 @li-si @univ/science 跟进。" in second["description"]
    mark = parse_marker(second["description"])
    assert mark is not None and mark.key == "dept:kj" and mark.digest == KJ.digest
    # The project is named by its path, URL-encoded, and the token goes with every request.
    assert {r.token for r in stub.requests} == {stub.token}
    assert adapter.log[-1] == ("POST", "/projects/univ%2Fprogress/issues", False)

    stub.requests.clear()
    again = Adapter(stub).run(plan(HR, KJ))
    assert (again.created, again.edited, again.unchanged) == (0, 0, 2)
    assert stub.writes == []


def test_update_with_a_note_then_close(stub: GitLabStub) -> None:
    Adapter(stub).run(plan(HR))
    stub.requests.clear()
    more = make_alert("hr", (*HR.items, "overdue:recruit/m3"), ("@zhang-san",))
    summary = Adapter(stub).run(plan(more))
    assert (summary.commented, summary.edited) == (1, 1)
    assert writes(stub) == [("POST", f"{ISSUES}/1/notes"), ("PUT", f"{ISSUES}/1")]
    [note] = stub.issue_notes[1]
    assert "人事处：recruit/m3" in note["body"] and "@zhang-san" in note["body"]
    edited = stub.writes[1].body
    assert set(edited) == {"title", "description"}
    assert parse_marker(stub.issues[1]["description"]).digest == more.digest  # type: ignore[union-attr]

    stub.requests.clear()
    summary = Adapter(stub).run(plan())
    assert (summary.commented, summary.closed) == (1, 1)
    assert writes(stub) == [("POST", f"{ISSUES}/1/notes"), ("PUT", f"{ISSUES}/1")]
    assert stub.writes[1].body["state_event"] == "close"
    assert stub.issues[1]["state"] == "closed"
    closed = parse_marker(stub.issues[1]["description"])
    assert closed is not None and closed.items == ()  # closed by the sync, not a person

    stub.requests.clear()
    assert Adapter(stub).run(plan()).closed == 0
    assert stub.writes == []


def test_a_person_closing_an_issue_is_respected(stub: GitLabStub) -> None:
    Adapter(stub).run(plan(HR))
    stub.issues[1]["state"] = "closed"
    stub.issues[1]["closed_at"] = stub.now()
    stub.issues[1]["updated_at"] = stub.issues[1]["closed_at"]
    stub.requests.clear()
    summary = Adapter(stub).run(plan(HR))
    assert (summary.created, summary.respected) == (0, 1)
    assert stub.writes == []


@pytest.mark.parametrize("link_only", [False, True])
def test_pages_are_read_to_the_end(stub: GitLabStub, link_only: bool) -> None:
    stub.link_only = link_only
    for i in range(230):
        stub.add_issue(f"别人的议题 {i}", "没有标记的议题：不是提醒")
    Adapter(stub).run(plan(HR))
    ours = stub.next_iid - 1
    stub.requests.clear()
    summary = Adapter(stub).run(plan(HR))
    assert summary.unchanged == 1 and stub.writes == []
    pages = [
        r.query["page"] for r in stub.requests if r.path == ISSUES and r.query["state"] == "opened"
    ]
    assert pages == ["1", "2", "3"]
    assert stub.issues[ours]["state"] == "opened"


def test_too_many_labelled_issues_stop_the_sync_saying_so(
    stub: GitLabStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter = Adapter(stub)
    for i in range(3 * 100 + 1):
        stub.add_issue(f"别人的议题 {i}", None)
    monkeypatch.setattr(gitlab, "MAX_OPEN_PAGES", 3)
    with pytest.raises(SyncError) as caught:
        adapter.run(plan(HR))
    assert caught.value.message("zh-CN").startswith("带有标签 督办提醒 的议题超过 300 个")
    assert stub.writes == []


def test_rate_limits_are_waited_out_within_the_budget(stub: GitLabStub) -> None:
    stub.fail("GET", rf"^{ISSUES}$", 429, headers={"Retry-After": "7"})
    stub.fail("POST", rf"^{ISSUES}$", 429, headers={"RateLimit-Reset": "1800000030"})
    adapter = Adapter(stub)
    summary = adapter.run(plan(HR))
    assert summary.created == 1
    assert adapter.slept == [7.0, 30.0]
    assert len(stub.issues) == 1

    stub.fail("GET", rf"^{ISSUES}$", 429, headers={"Retry-After": "3600"})
    late = Adapter(stub)
    with pytest.raises(SyncError) as caught:
        late.run(plan(HR, KJ))
    assert late.slept == []
    assert caught.value.message("en") == (
        "GitLab's rate limit is reached and frees up in 3600 s, longer than this run waits; "
        "run it again then (the next run finishes the work)"
    )


def test_a_persistent_500_is_one_error_and_the_rerun_converges(stub: GitLabStub) -> None:
    stub.fail("PUT", rf"^{ISSUES}/1$", 500, times=3)
    Adapter(stub).run(plan(HR))
    more = make_alert("hr", (*HR.items, "overdue:recruit/m3"), ("@zhang-san",))
    failing = Adapter(stub)
    with pytest.raises(SyncError) as caught:
        failing.run(plan(more))
    assert caught.value.exit_code == 1
    assert caught.value.message("en") == (
        "GitLab answered 500 to PUT /projects/univ%2Fprogress/issues/1 (3 attempt(s)); "
        "nothing more was changed, run it again later (the next run finishes the work)"
    )
    assert caught.value.message("zh-CN").startswith("GitLab 对 PUT /projects/univ%2Fprogress")
    assert failing.slept == [1.0, 2.0]
    assert len(stub.issue_notes[1]) == 1  # the note went first, and is not posted again

    stub.requests.clear()
    summary = Adapter(stub).run(plan(more))
    assert (summary.commented, summary.edited) == (0, 1)
    assert writes(stub) == [("PUT", f"{ISSUES}/1")]
    assert len(stub.issue_notes[1]) == 1

    stub.requests.clear()
    assert Adapter(stub).run(plan(more)).unchanged == 1 and stub.writes == []


def test_a_create_answered_502_after_it_was_done_is_found_again(stub: GitLabStub) -> None:
    stub.fail("POST", rf"^{ISSUES}$", 502, after=True)
    with pytest.raises(SyncError, match="server"):
        Adapter(stub).run(plan(HR))
    assert len(stub.issues) == 1  # not repeated: GitLab may have made it, and it had
    stub.requests.clear()
    assert Adapter(stub).run(plan(HR)).unchanged == 1
    assert stub.writes == [] and len(stub.issues) == 1


def test_a_refused_token_and_a_missing_project(stub: GitLabStub) -> None:
    with pytest.raises(SyncError) as caught:
        Adapter(stub, token="glpat-revoked").run(plan(HR))
    assert caught.value.message("en") == (
        "GitLab refused the token (401): check PROGRESS_SITE_TOKEN (expired or revoked?)"
    )
    adapter = Adapter(stub)
    stub.project_path = "univ/renamed"
    with pytest.raises(SyncError) as caught:
        adapter.run(plan(HR))
    assert caught.value.message("en").startswith(
        "GitLab does not know /projects/univ%2Fprogress/issues (404)"
    )


def test_a_dry_run_writes_nothing_and_says_what_it_would_do(stub: GitLabStub) -> None:
    adapter = Adapter(stub, dry_run=True)
    summary = adapter.run(plan(HR))
    assert summary.created == 1
    assert stub.writes == []
    assert adapter.log == [
        ("POST", "/projects/univ%2Fprogress/labels", True),
        ("POST", "/projects/univ%2Fprogress/issues", True),
    ]


def test_settings_that_are_missing_are_named() -> None:
    site = SiteConfig.model_validate(
        {
            "title": "t",
            "organization": "o",
            "language": "en",
            "departments": [{"id": "hr", "name": "人事处"}],
        }
    )

    def connect(environ: dict[str, str], **options: object) -> str:
        with pytest.raises(SyncError) as caught:
            gitlab.connect(
                site,
                environ,
                repo=options.get("repo"),  # type: ignore[arg-type]
                label=options.get("label"),  # type: ignore[arg-type]
                dry_run=False,
                language="en",
            )
        return caught.value.message("en")

    assert connect({}).startswith("no GitLab project to send alerts to")
    assert connect({"CI_PROJECT_PATH": "univ/progress"}).startswith("no GitLab server")
    assert connect(
        {"CI_PROJECT_PATH": "univ/progress", "CI_SERVER_URL": "https://git.example.edu.cn"}
    ).startswith("no GitLab token: add a project access token (role Reporter, scope api)")
    assert connect({"CI_SERVER_URL": "ftp://x"}, repo="univ/progress").startswith(
        "'ftp://x' is not a web address of a GitLab server"
    )
    assert connect({}, repo="univ/progress", label="a,b").startswith("--label 'a,b'")
    assert gitlab_api.word("no_token", "zh-CN").startswith("没有 GitLab 令牌")


# --- the command line ------------------------------------------------------------------------


@pytest.fixture
def site(root: Root, monkeypatch: pytest.MonkeyPatch, stub: GitLabStub) -> Root:
    """A zh-CN site in a GitLab CI job talking to the stand-in, given a plan by hand."""
    root.site(SITE_YAML.replace("language: en", "language: zh-CN"))
    root.project("recruit", "title: 招聘\nlead: personnel\n")
    for name in [n for n in os.environ if n.startswith(("GITHUB_", "GITLAB", "CI_"))]:
        monkeypatch.delenv(name)
    monkeypatch.delenv("PROGRESS_SITE_TOKEN", raising=False)
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_SERVER_URL", stub.url)
    monkeypatch.setenv("CI_PROJECT_PATH", stub.project_path)
    monkeypatch.setenv("PROGRESS_SITE_TOKEN", stub.token)
    monkeypatch.setattr(alerts, "plan", lambda state, today, repo: plan(HR, KJ), raising=False)
    monkeypatch.setattr(gitlab_api.time, "sleep", lambda seconds: None)
    return root


def test_cli_in_a_gitlab_ci_job_syncs_gitlab_issues(
    site: Root, stub: GitLabStub, run: Callable[..., RunResult]
) -> None:
    code, out, err = run("alerts", "sync", "--root", site.path, "--today", "2026-12-04")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "POST /projects/univ%2Fprogress/labels  创建标签 督办提醒",
        f"POST /projects/univ%2Fprogress/issues  新开议题：{HR.title}",
        f"POST /projects/univ%2Fprogress/issues  新开议题：{KJ.title}",
        "告诫提醒同步：新开 2 个，更新 0 个，评论 0 条，关闭 0 个，0 个无变化，0 个由人关闭、保持关闭",
    ]
    stub.requests.clear()
    code, out, _ = run("alerts", "sync", "--root", site.path, "--lang", "en")
    assert code == 0 and stub.writes == []
    assert out == (
        "alerts sync: 0 opened, 0 updated, 0 comment(s), 0 closed, 2 unchanged, "
        "0 kept closed by a person\n"
    )


def test_cli_errors_are_one_line_and_a_rerun_converges(
    site: Root, stub: GitLabStub, run: Callable[..., RunResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROGRESS_SITE_TOKEN")
    code, out, err = run("alerts", "sync", "--root", site.path)
    assert (code, out) == (1, "")
    assert err == (
        "progress-site: error: 没有 GitLab 令牌：请创建项目访问令牌（角色 Reporter，范围 api），"
        "并添加为隐藏的 CI/CD 变量 PROGRESS_SITE_TOKEN（设置 > CI/CD > 变量）\n"
    )
    monkeypatch.setenv("PROGRESS_SITE_TOKEN", stub.token)
    stub.fail("POST", rf"^{ISSUES}$", 500, times=100)
    code, out, err = run("alerts", "sync", "--root", site.path, "--lang", "en")
    assert code == 1
    assert err == (
        "progress-site: error: GitLab answered 500 to POST /projects/univ%2Fprogress/issues "
        "(1 attempt(s)); nothing more was changed, run it again later (the next run "
        "finishes the work)\n"
    )
    stub.faults.clear()
    assert run("alerts", "sync", "--root", site.path)[0] == 0
    assert len(stub.opened()) == 2
    stub.requests.clear()
    assert run("alerts", "sync", "--root", site.path)[0] == 0
    assert stub.writes == []


def test_cli_forge_option_outside_gitlab_ci(
    site: Root, stub: GitLabStub, run: Callable[..., RunResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITLAB_CI")
    code, out, _ = run("alerts", "sync", "--root", site.path, "--forge", "gitlab", "--dry-run")
    assert code == 0 and stub.writes == []
    assert out.splitlines()[0] == "将 POST /projects/univ%2Fprogress/labels  创建标签 督办提醒"
