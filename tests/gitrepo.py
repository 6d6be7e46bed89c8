"""A throw-away git repository for the history and diff tests.

Each commit is made with fixed author and committer dates and without any user or system
git configuration, so the history (and every date read from it) is the same on every run.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

from tests.conftest import SITE_YAML


def git_env(date: str | None = None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GIT_") or key in ("GIT_EXEC_PATH",)
    }
    env.update(
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.edu",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.edu",
    )
    if date is not None:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    return env


class Repo:
    """A site root that is also the top of a git repository."""

    def __init__(self, path: Path, site: str = SITE_YAML) -> None:
        self.path = path
        (path / "projects").mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.write("site.yaml", site)

    def git(self, *args: str, date: str | None = None) -> str:
        done = subprocess.run(
            ["git", *args],
            cwd=self.path,
            env=git_env(date),
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def write(self, name: str, text: str) -> Path:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
        return target

    def project(self, project_id: str, text: str) -> Path:
        return self.write(f"projects/{project_id}.yaml", text)

    def commit(self, date: str, message: str = "edit") -> str:
        """Commit everything in the working tree, dated ``date`` (ISO 8601 with offset)."""
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, date=date)
        return self.git("rev-parse", "HEAD").strip()
