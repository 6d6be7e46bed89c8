"""The minimal Hugo equivalent of a portfolio, for the benchmark's comparison.

    write_site(portfolio_root, hugo_dir, today)

copies every ``projects/*.yaml`` as a Hugo data file (``data/projects/<id>.yaml``) and
writes one content stub per project (Hugo 0.111 has no content adapters: a page needs a
file), a configuration and two layouts:

* ``projects/<id>/index.html``: title, summary, departments and dates; the milestones with
  their state (done, overdue, open), overdue computed in the template against the fixed
  ``today`` for active projects, as the generator does; the indicators as a table (baseline,
  latest value and its date, target, share of the target); the notes, newest first, rendered
  from Markdown with ``markdownify``; all but the link home in a ``<main
  data-pagefind-body>``, as our project pages have it, so that Pagefind run over the site
  indexes the project pages' content (the benchmark's "Hugo + Pagefind");
* ``index.html``: one row per project with its status, progress (done milestones' weight
  over all), number of overdue milestones, lead department and due date.

Hugo reads the data files with YAML's implicit typing (the generator never guesses types):
that changes nothing for the synthetic portfolio, and nothing for the benchmark.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

CONFIG = """\
baseURL = "/"
languageCode = "zh-CN"
title = "Benchmark portfolio"
disableKinds = ["taxonomy", "term", "section", "RSS", "sitemap", "robotsTXT", "404"]
disableHugoGeneratorInject = true
enableRobotsTXT = false

[markup.goldmark.renderer]
unsafe = false
"""

PROJECT_LAYOUT = """\
{{- $id := .Params.project -}}
{{- $p := index site.Data.projects $id -}}
{{- $today := time "TODAY" -}}
<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>{{ $p.title }}</title></head>
<body>
<p><a href="../../index.html">Portfolio</a></p>
<main data-pagefind-body>
<h1>{{ $p.title }}</h1>
<p>{{ $p.summary }}</p>
<dl>
<dt>Lead</dt><dd>{{ $p.lead }}</dd>
<dt>Departments</dt><dd>{{ delimit $p.departments ", " }}</dd>
<dt>Sponsor</dt><dd>{{ $p.sponsor }}</dd>
<dt>Status</dt><dd>{{ $p.status }}</dd>
<dt>Dates</dt><dd>{{ time.Format "2006-01-02" $p.start }} – {{ time.Format "2006-01-02" $p.due }}</dd>
</dl>
<h2>Milestones</h2>
<table>
<tr><th>Milestone</th><th>Owner</th><th>Due</th><th>Done</th><th>State</th></tr>
{{- range $p.milestones }}
{{- $overdue := and (not .done) (eq $p.status "active") ((time .due).Before $today) }}
<tr{{ if $overdue }} class="overdue"{{ end }}><td>{{ .title }}</td><td>{{ .owner | default $p.lead }}</td>
<td>{{ time.Format "2006-01-02" .due }}</td>
<td>{{ with .done }}{{ time.Format "2006-01-02" . }}{{ end }}</td>
<td>{{ if .done }}done{{ else if $overdue }}overdue{{ else }}open{{ end }}</td></tr>
{{- end }}
</table>
<h2>Indicators</h2>
<table>
<tr><th>Indicator</th><th>Baseline</th><th>Latest</th><th>Target</th><th>Share</th><th>Date</th></tr>
{{- range $p.indicators }}
{{- $ind := . }}{{ $target := float .target }}
{{- with .values }}{{ $last := index . (sub (len .) 1) }}
<tr><td>{{ $ind.name }} ({{ $ind.unit }})</td><td>{{ $ind.baseline }}</td><td>{{ $last.value }}</td><td>{{ $target }}</td>
<td>{{ lang.FormatNumber 0 (mul 100 (div (float $last.value) $target)) }}%</td>
<td>{{ time.Format "2006-01-02" $last.date }}</td></tr>
{{- end }}
{{- end }}
</table>
<h2>Notes</h2>
{{- range sort $p.notes "date" "desc" }}
<article><h3>{{ time.Format "2006-01-02" .date }} · {{ .kind }} · {{ .author }}</h3>
{{ .text | markdownify }}</article>
{{- end }}
</main>
</body>
</html>
"""

INDEX_LAYOUT = """\
{{- $today := time "TODAY" -}}
<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>{{ site.Title }}</title></head>
<body>
<h1>{{ site.Title }}</h1>
<table>
<tr><th>Project</th><th>Status</th><th>Progress</th><th>Overdue</th><th>Lead</th><th>Due</th></tr>
{{- range $id, $p := site.Data.projects }}
{{- $overdue := 0 }}{{ $done := 0 }}{{ $total := 0 }}
{{- range $p.milestones }}
{{- $w := .weight | default 1 }}
{{- $total = add $total $w }}
{{- if .done }}{{ $done = add $done $w }}
{{- else if and (eq $p.status "active") ((time .due).Before $today) }}{{ $overdue = add $overdue 1 }}{{ end }}
{{- end }}
<tr><td><a href="projects/{{ $id }}/index.html">{{ $p.title }}</a></td><td>{{ $p.status }}</td>
<td>{{ if $total }}{{ lang.FormatNumber 0 (mul 100 (div (float $done) $total)) }}{{ else }}0{{ end }}%</td>
<td>{{ $overdue }}</td><td>{{ $p.lead }}</td><td>{{ time.Format "2006-01-02" $p.due }}</td></tr>
{{- end }}
</table>
</body>
</html>
"""


def write_site(portfolio: Path, hugo_dir: Path, today: dt.date) -> int:
    """Write the Hugo site for the portfolio at ``portfolio``; returns the number of projects."""
    if hugo_dir.exists():
        shutil.rmtree(hugo_dir)
    data = hugo_dir / "data" / "projects"
    content = hugo_dir / "content" / "projects"
    layouts = hugo_dir / "layouts"
    for folder in (data, content, layouts / "projects"):
        folder.mkdir(parents=True)
    (hugo_dir / "config.toml").write_text(CONFIG, encoding="utf-8")
    (hugo_dir / "content" / "_index.md").write_text("---\ntitle: Portfolio\n---\n", "utf-8")
    (layouts / "projects" / "single.html").write_text(
        PROJECT_LAYOUT.replace("TODAY", today.isoformat()), encoding="utf-8"
    )
    (layouts / "index.html").write_text(
        INDEX_LAYOUT.replace("TODAY", today.isoformat()), encoding="utf-8"
    )
    count = 0
    for source in sorted((portfolio / "projects").glob("*.yaml")):
        project_id = source.stem
        shutil.copyfile(source, data / source.name)
        (content / f"{project_id}.md").write_text(
            f"---\ntitle: {project_id}\nproject: {project_id}\nurl: /projects/{project_id}/\n---\n",
            encoding="utf-8",
        )
        count += 1
    return count
