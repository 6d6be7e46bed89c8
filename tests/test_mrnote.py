"""``mr-note``: the diff summary as one merge-request note, edited in place, against a
stand-in GitLab on 127.0.0.1 (tests/gitlab_stub.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from generator.adapters import gitlab_api
from generator.mrnote import MARKER
from tests.conftest import SITE_YAML, Root, RunResult
from tests.gitlab_stub import GitLabStub

Run = Callable[..., RunResult]
NOTES = "/projects/{project}/merge_requests/7/notes"
SUMMARY = "## Changes compared with origin/main\n\n- 一流本科专业建设: milestone 年度总结 added\n"


@pytest.fixture
def stub() -> Iterator[GitLabStub]:
    server = GitLabStub().start()
    yield server
    server.stop()


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses the command took (none of them real)."""
    pauses: list[float] = []
    monkeypatch.setattr(gitlab_api.time, "sleep", pauses.append)
    return pauses


@pytest.fixture
def ci(monkeypatch: pytest.MonkeyPatch, stub: GitLabStub) -> None:
    """A merge request pipeline's variables, the token set."""
    for name in ("GITLAB_TOKEN", "CI_PROJECT_ID", "CI_SERVER_TLS_CA_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CI_SERVER_URL", stub.url)
    monkeypatch.setenv("CI_MERGE_REQUEST_PROJECT_ID", "42")
    monkeypatch.setenv("CI_MERGE_REQUEST_IID", "7")
    monkeypatch.setenv("PROGRESS_SITE_TOKEN", stub.token)


def summary(tmp_path: Path, text: str = SUMMARY, changes: bool = True) -> tuple[Path, Path]:
    md, js = tmp_path / "summary.md", tmp_path / "summary.json"
    md.write_text(text, encoding="utf-8")
    js.write_text(json.dumps({"changes": [{"kind": "added"}] if changes else []}), "utf-8")
    return md, js


def note(run: Run, root: Root, md: Path, js: Path | None = None) -> RunResult:
    more = ("--changes", js) if js else ()
    return run("mr-note", "--root", root.path, "--file", md, *more)


@pytest.mark.usefixtures("ci")
def test_posts_once_then_edits_in_place_and_writes_nothing_when_unchanged(
    run: Run, root: Root, stub: GitLabStub, tmp_path: Path
) -> None:
    md, js = summary(tmp_path)
    code, out, err = note(run, root, md, js)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "POST /projects/42/merge_requests/7/notes",
        "posted the summary on merge request !7",
    ]
    [posted] = stub.mr_notes[7]
    assert posted["body"] == f"{MARKER}\n{SUMMARY}"
    assert [w.token for w in stub.writes] == [stub.token]

    stub.requests.clear()
    code, out, _ = note(run, root, md, js)
    assert code == 0
    assert out == "the summary on merge request !7 already says this; nothing was changed\n"
    assert stub.writes == []

    md.write_text(SUMMARY + "- 研究生教育: due date moved\n", encoding="utf-8")
    code, out, _ = note(run, root, md, js)
    assert code == 0 and out.endswith("updated the summary on merge request !7\n")
    assert [(w.method, w.path) for w in stub.writes] == [("PUT", f"{NOTES}/{posted['id']}")]
    [edited] = stub.mr_notes[7]
    assert edited["id"] == posted["id"] and edited["body"].endswith("due date moved\n")


@pytest.mark.usefixtures("ci")
def test_nothing_is_posted_without_changes_unless_a_note_is_to_be_corrected(
    run: Run, root: Root, stub: GitLabStub, tmp_path: Path
) -> None:
    md, js = summary(tmp_path, "Compared with origin/main: no changes.\n", changes=False)
    code, out, _ = note(run, root, md, js)
    assert code == 0
    assert out == (
        "no changes to the project files and no earlier summary on merge request !7: "
        "nothing was posted\n"
    )
    assert stub.writes == [] and stub.mr_notes.get(7, []) == []

    earlier = stub.add_mr_note(7, f"{MARKER}\n{SUMMARY}", author=stub.bot_id)
    code, out, _ = note(run, root, md, js)
    assert code == 0 and out.endswith("updated the summary on merge request !7\n")
    assert stub.mr_notes[7][0]["body"] == f"{MARKER}\nCompared with origin/main: no changes.\n"
    assert [w.path for w in stub.writes] == [f"{NOTES}/{earlier}"]


@pytest.mark.usefixtures("ci")
def test_finds_its_own_note_on_a_later_page_and_leaves_others_alone(
    run: Run, root: Root, stub: GitLabStub, tmp_path: Path
) -> None:
    stub.add_mr_note(7, f"Quoting the bot: {MARKER}", author=11)  # someone else's
    stub.add_mr_note(7, f"{MARKER}\nsystem", author=stub.bot_id, system=True)
    for i in range(130):
        stub.add_mr_note(7, f"review comment {i}", author=12)
    mine = stub.add_mr_note(7, f"{MARKER}\nold summary", author=stub.bot_id)
    md, js = summary(tmp_path)
    code, _, _ = note(run, root, md, js)
    assert code == 0
    pages = [r.query["page"] for r in stub.requests if r.method == "GET" and r.path == NOTES]
    assert pages == ["1", "2"]
    assert [(w.method, w.path) for w in stub.writes] == [("PUT", f"{NOTES}/{mine}")]
    assert stub.mr_notes[7][0]["body"] == f"Quoting the bot: {MARKER}"


@pytest.mark.usefixtures("ci")
def test_pages_are_followed_by_the_link_header_alone(
    run: Run, root: Root, stub: GitLabStub, tmp_path: Path
) -> None:
    stub.link_only = True
    for i in range(100):
        stub.add_mr_note(7, f"review comment {i}", author=12)
    mine = stub.add_mr_note(7, f"{MARKER}\nold summary", author=stub.bot_id)
    md, js = summary(tmp_path)
    assert note(run, root, md, js)[0] == 0
    assert [(w.method, w.path) for w in stub.writes] == [("PUT", f"{NOTES}/{mine}")]


@pytest.mark.usefixtures("ci")
def test_quick_actions_in_the_summary_are_text(
    run: Run, root: Root, stub: GitLabStub, tmp_path: Path
) -> None:
    md, js = summary(tmp_path, "Note added:\n/merge\n  /close now\nsee a/b\n")
    assert note(run, root, md, js)[0] == 0
    assert (
        stub.mr_notes[7][0]["body"] == f"{MARKER}\nNote added:\n\\/merge\n  \\/close now\nsee a/b\n"
    )


def test_without_a_token_the_summary_stays_in_the_log(
    run: Run, root: Root, stub: GitLabStub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI_SERVER_URL", stub.url)
    monkeypatch.setenv("CI_MERGE_REQUEST_PROJECT_ID", "42")
    monkeypatch.setenv("CI_MERGE_REQUEST_IID", "7")
    monkeypatch.delenv("PROGRESS_SITE_TOKEN", raising=False)
    monkeypatch.delenv("GITLAB_TOKEN", raising=False)
    md, js = summary(tmp_path)
    code, out, err = note(run, root, md, js)
    assert (code, err) == (0, "")
    assert out.startswith("PROGRESS_SITE_TOKEN is not set, so the summary is not posted")
    assert stub.requests == []

    root.site(SITE_YAML.replace("language: en", "language: zh-CN"))
    _, out, _ = note(run, root, md, js)
    assert out.startswith("未设置 PROGRESS_SITE_TOKEN，变更摘要不发布到合并请求")


@pytest.mark.usefixtures("ci")
def test_outside_a_merge_request_pipeline_is_a_usage_error(
    run: Run, root: Root, stub: GitLabStub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI_MERGE_REQUEST_IID")
    md, js = summary(tmp_path)
    code, out, err = note(run, root, md, js)
    assert (code, out) == (2, "")
    assert err.startswith(
        "progress-site mr-note: error: this is not a merge request pipeline "
        "(CI_MERGE_REQUEST_IID is not set)"
    )
    assert stub.requests == []


@pytest.mark.usefixtures("ci")
def test_a_refused_token_is_one_line(
    run: Run, root: Root, stub: GitLabStub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROGRESS_SITE_TOKEN", "glpat-revoked")
    md, js = summary(tmp_path)
    code, out, err = note(run, root, md, js)
    assert (code, out) == (1, "")
    assert err == (
        "progress-site mr-note: error: GitLab refused the token (401): check "
        "PROGRESS_SITE_TOKEN (expired or revoked?)\n"
    )


@pytest.mark.usefixtures("ci")
def test_a_persistent_500_is_one_line_and_a_rerun_converges(
    run: Run, root: Root, stub: GitLabStub, tmp_path: Path, slept: list[float]
) -> None:
    stub.fail("GET", r"/notes$", 500, times=3)
    md, js = summary(tmp_path)
    code, out, err = note(run, root, md, js)
    assert (code, out) == (1, "")
    assert err == (
        "progress-site mr-note: error: GitLab answered 500 to GET "
        "/projects/42/merge_requests/7/notes (3 attempt(s)); nothing more was changed, run "
        "it again later (the next run finishes the work)\n"
    )
    assert slept == [1.0, 2.0]
    assert stub.writes == []
    assert note(run, root, md, js)[0] == 0
    assert len(stub.mr_notes[7]) == 1


@pytest.mark.usefixtures("ci")
def test_a_post_answered_502_after_it_was_done_is_not_repeated(
    run: Run, root: Root, stub: GitLabStub, tmp_path: Path
) -> None:
    stub.fail("POST", r"/notes$", 502, after=True)
    md, js = summary(tmp_path)
    code, _, err = note(run, root, md, js)
    assert code == 1 and "GitLab answered 502 to POST" in err
    assert len(stub.mr_notes[7]) == 1
    stub.requests.clear()
    code, out, _ = note(run, root, md, js)
    assert code == 0 and "already says this" in out
    assert stub.writes == [] and len(stub.mr_notes[7]) == 1


@pytest.mark.usefixtures("ci")
def test_a_rate_limit_is_waited_out(
    run: Run, root: Root, stub: GitLabStub, tmp_path: Path, slept: list[float]
) -> None:
    stub.fail("GET", r"^/user$", 429, headers={"Retry-After": "3"})
    stub.fail("POST", r"/notes$", 429, headers={"RateLimit-Reset": "9999999999"})
    md, js = summary(tmp_path)
    code, out, err = note(run, root, md, js)
    # Retry-After: 3 is waited; a reset far away is more than the run waits.
    assert slept == [3.0]
    assert (code, out) == (1, "")
    assert err.startswith("progress-site mr-note: error: GitLab's rate limit is reached")
    assert stub.mr_notes.get(7, []) == []


@pytest.mark.usefixtures("ci")
def test_a_redirect_is_not_followed_with_the_token(
    run: Run, root: Root, stub: GitLabStub, tmp_path: Path
) -> None:
    elsewhere = GitLabStub().start()
    try:
        stub.fail("GET", r"^/user$", 302, headers={"Location": f"{elsewhere.url}/api/v4/user"})
        md, js = summary(tmp_path)
        code, _, err = note(run, root, md, js)
        assert code == 1
        assert err.startswith(
            "progress-site mr-note: error: GitLab answered GET /user with a redirect, which is "
            "not followed"
        )
        assert elsewhere.requests == []
    finally:
        elsewhere.stop()
