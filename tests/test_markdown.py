"""Markdown in project files: GitHub's dialect, bold that CJK text can use, sanitised."""

from __future__ import annotations

import pytest

from generator.render import convert_markdown


@pytest.mark.parametrize(
    ("text", "html"),
    [
        # Punctuation just inside, a CJK letter just outside: CommonMark shows the stars.
        ("完成**“双一流”**建设", "<p>完成<strong>“双一流”</strong>建设</p>\n"),
        ("推进**（一期）**工程", "<p>推进<strong>（一期）</strong>工程</p>\n"),
        ("中*“重点”*后", "<p>中<em>“重点”</em>后</p>\n"),
        ('中**"半角引号"**后', '<p>中<strong>"半角引号"</strong>后</p>\n'),
        ("**“开头”**后", "<p><strong>“开头”</strong>后</p>\n"),
        (
            "- 第一项**“重点”**任务\n- 第二项",
            "<ul>\n<li>第一项<strong>“重点”</strong>任务</li>\n<li>第二项</li>\n</ul>\n",
        ),
        # What CommonMark already does, unchanged.
        ("“**引号**”内", "<p>“<strong>引号</strong>”内</p>\n"),
        ("完成**重点**，", "<p>完成<strong>重点</strong>，</p>\n"),
        ('a**"b"**c', '<p>a**"b"**c</p>\n'),
        ("中__“重点”__后", "<p>中__“重点”__后</p>\n"),
        ("中\\*“未加粗”*后", "<p>中*“未加粗”*后</p>\n"),
        ("。**中”，文*）", "<p>。*<em>中”，文</em>）</p>\n"),  # no pair to make: as cmark reads it
    ],
)
def test_emphasis_beside_cjk_punctuation_is_what_the_author_meant(text: str, html: str) -> None:
    assert convert_markdown(text) == html


def test_cjk_bold_keeps_links_and_strikethrough_in_the_same_text() -> None:
    html = convert_markdown("完成**“双一流”**建设，详见 https://example.edu.cn 。~~旧方案~~作废。")
    assert "<strong>“双一流”</strong>" in html
    assert '<a href="https://example.edu.cn" rel="noopener noreferrer nofollow">' in html
    assert "<del>旧方案</del>" in html


def test_the_mark_never_shows_in_code_or_addresses() -> None:
    assert convert_markdown("`中**“x”**后`") == "<p><code>中**“x”**后</code></p>\n"
    html = convert_markdown("见[链接**“甲”**](https://a.cn/中**“b)后")
    assert "<strong>“甲”</strong>" in html
    assert 'href="https://a.cn/%E4%B8%AD**%E2%80%9Cb"' in html
    assert "\ue000" not in html and "%EE%80%80" not in html


def test_a_text_that_holds_the_mark_itself_is_left_as_cmark_reads_it() -> None:
    assert convert_markdown("\ue000中**“x”**后") == "<p>\ue000中**“x”**后</p>\n"


def test_github_dialect() -> None:
    html = convert_markdown("# 标题\n\n| 指标 | 值 |\n| --- | ---: |\n| 人数 | 12 |\n")
    assert "<h3>标题</h3>" in html, "headings sit below the page's own"
    assert '<td align="right">12</td>' in html


def test_script_and_foreign_schemes_are_removed() -> None:
    html = convert_markdown("**“加粗”**后 <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<script" not in html and "javascript:" not in html
    assert "<strong>“加粗”</strong>后" in html
