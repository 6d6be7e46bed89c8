"""Where the site's files live on a forge (GitHub, GitHub Enterprise, GitLab), and the links
into it that the site and the alerts give people: edit a project file, file a report.

The repository comes from ``site.yaml`` (``repository:``, ``server:``, ``branch:``), else
from the variables a CI system sets (GitHub Actions: ``GITHUB_REPOSITORY`` and
``GITHUB_SERVER_URL``; GitLab CI: ``CI_PROJECT_PATH`` and ``CI_SERVER_URL``). The
environment is an input like "today": the command line reads it once and passes it on, so
that every function here is pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlencode

from generator.models import REPOSITORY_PATTERN, SiteConfig

Platform = Literal["github", "gitlab"]

GITHUB = "https://github.com"
REPORT_TEMPLATE = "report.yml"
"""The issue form's file name under ``.github/ISSUE_TEMPLATE/``."""

_REPOSITORY = re.compile(REPOSITORY_PATTERN)
_SERVER = re.compile(r"^https?://[^\s/?#]+(?:/[^\s?#]*)?$")


@dataclass(frozen=True)
class Repository:
    """A repository on a forge, as the links into it need it."""

    server: str
    """The forge's web address without a trailing slash: ``https://github.com``."""
    slug: str
    """``owner/name`` (GitLab: ``group/subgroup/name``)."""
    branch: str
    """The published branch."""
    platform: Platform = "github"

    @property
    def web(self) -> str:
        return f"{self.server}/{self.slug}"

    def file_url(self, path: str) -> str:
        """The page that shows ``path`` (relative to the repository's root) on the branch."""
        part = "-/blob" if self.platform == "gitlab" else "blob"
        return f"{self.web}/{part}/{quote(self.branch)}/{quote(path)}"

    def edit_url(self, path: str) -> str:
        """The forge's web editor on ``path`` of the published branch."""
        part = "-/edit" if self.platform == "gitlab" else "edit"
        return f"{self.web}/{part}/{quote(self.branch)}/{quote(path)}"

    def new_issue_url(self, fields: Mapping[str, str] | None = None) -> str:
        """The report form, its fields prefilled by id through the query string."""
        if self.platform == "gitlab":
            query = {"issuable_template": "report"}
            return f"{self.web}/-/issues/new?{urlencode(query)}"
        query = {"template": REPORT_TEMPLATE, **dict(fields or {})}
        return f"{self.web}/issues/new?{urlencode(query, quote_via=quote)}"

    def issue_url(self, number: int) -> str:
        part = "-/issues" if self.platform == "gitlab" else "issues"
        return f"{self.web}/{part}/{number}"


def resolve(site: SiteConfig, environ: Mapping[str, str]) -> Repository | None:
    """The site's repository: ``site.yaml`` first, then the CI system's variables; ``None``
    when neither names one (then the site shows no links, rather than broken ones)."""
    platform: Platform = "gitlab" if environ.get("GITLAB_CI") else "github"
    slug = site.repository
    server = site.server
    if slug is None:
        name = "CI_PROJECT_PATH" if platform == "gitlab" else "GITHUB_REPOSITORY"
        found = environ.get(name, "").strip()
        if not _REPOSITORY.match(found):
            return None
        slug = found
    if server is None:
        name = "CI_SERVER_URL" if platform == "gitlab" else "GITHUB_SERVER_URL"
        found = environ.get(name, "").strip().rstrip("/")
        server = found if _SERVER.match(found) else GITHUB
    return Repository(server=server, slug=slug, branch=site.branch, platform=platform)


def project_path(project_id: str) -> str:
    """A project's file, relative to the repository's root."""
    return f"projects/{project_id}.yaml"
