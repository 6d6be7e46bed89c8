"""The words of every diagnostic, in English and Simplified Chinese.

Each entry is written for a department staff member editing in a web browser:
what is wrong, what is allowed, and (through the ``hint`` argument) a nearest match.
"""

from __future__ import annotations

LANGUAGES = ("zh-CN", "en")

_MESSAGES: dict[str, tuple[str, str]] = {
    # code: (English, Chinese)
    # --- files and encodings
    "file_missing": (
        "{what} is missing; the root folder must contain it",
        "缺少 {what}；根目录下必须有这个文件",
    ),
    "projects_empty": (
        "the projects/ folder holds no project file; add one file per project, "
        "named like projects/my-project.yaml",
        "projects/ 文件夹中没有项目文件；每个项目一个文件，命名如 projects/my-project.yaml",
    ),
    "bad_file_name": (
        "the file name '{name}' is not a valid project id: use lowercase letters a-z, "
        "digits and hyphens, starting with a letter or digit, ending in .yaml "
        "(for example first-class-majors.yaml)",
        "文件名“{name}”不是有效的项目编号：只能用小写字母 a-z、数字和连字符，"
        "以字母或数字开头，以 .yaml 结尾（例如 first-class-majors.yaml）",
    ),
    "yml_extension": (
        "project files must end in .yaml, not .yml: rename it to {name}",
        "项目文件须以 .yaml 结尾，不能用 .yml：请改名为 {name}",
    ),
    "symlink_outside": (
        "this file is a link to a place outside the repository; links are refused",
        "该文件是指向仓库以外位置的链接，不予读取",
    ),
    "not_a_file": (
        "this is not a regular file; put a YAML file here",
        "这不是普通文件；这里应是一个 YAML 文件",
    ),
    "case_clash": (
        "project ids must differ by more than letter case: this file clashes with {other}",
        "项目编号不能只差大小写：本文件与 {other} 冲突",
    ),
    "too_large": (
        "the file is {size} bytes; the limit is {limit} bytes. Split it or remove old material",
        "文件大小为 {size} 字节，上限是 {limit} 字节；请拆分或删去过时内容",
    ),
    "line_too_long": (
        "this line is {length} characters long; the limit is {limit}. Break the text into "
        "several lines with a block (text: |)",
        "本行长 {length} 个字符，上限是 {limit}；请用多行文本块（text: |）分行书写",
    ),
    "not_utf8": (
        "the file is not saved as UTF-8 (the first bad byte is here); save it as UTF-8, "
        "for example in GitHub's web editor or with 'Save with encoding: UTF-8'",
        "文件不是 UTF-8 编码（此处是第一个无法识别的字节）；请以 UTF-8 编码保存，"
        "例如在 GitHub 网页编辑器中编辑，或选择“以 UTF-8 编码保存”",
    ),
    "control_character": (
        "an invisible control character ({char}) stands here, perhaps pasted from a terminal "
        "or another program; YAML does not allow it: delete it",
        "此处有一个看不见的控制字符（{char}），可能是从终端或其他程序粘贴进来的；"
        "YAML 不允许这种字符：请把它删除",
    ),
    "read_failed": (
        "the file could not be read: {reason}",
        "无法读取文件：{reason}",
    ),
    # --- YAML syntax
    "yaml_syntax": (
        "YAML syntax error: {problem}. Check the indentation, colons and quotes on this line",
        "YAML 语法错误：{problem}。请检查本行的缩进、冒号和引号",
    ),
    "yaml_indent": (
        "this line is not lined up with the lines around it; keys of the same block must "
        "start in the same column, and text containing ': ' must be put in quotes",
        "本行与上下文的缩进没有对齐；同一块中的键必须从同一列开始，含有“: ”的文字须加引号",
    ),
    "yaml_unclosed_quote": (
        "the quote opened here is never closed; end the text with the same quote mark",
        "此处开始的引号没有闭合；请用同样的引号结束这段文字",
    ),
    "yaml_unclosed_list": (
        "the list opened here with [ is not closed with ] (or an item lacks a comma)",
        "此处以 [ 开始的列表没有用 ] 结束（或列表项之间缺少逗号）",
    ),
    "yaml_unclosed_map": (
        "the block opened here with {{ is not closed with }} (or an entry lacks a comma)",
        "此处以 {{ 开始的内容没有用 }} 结束（或各项之间缺少逗号）",
    ),
    "yaml_markdown_start": (
        "text that starts with '{start}' (Markdown's bold, list or quote) is read as YAML "
        "syntax; write it as a block: '|' after the colon, then the text on the lines below, "
        "indented",
        "以“{start}”开头的文字（Markdown 的加粗、列表或引用）会被当成 YAML 语法；"
        "请写成文本块：冒号后写“|”，文字另起一行并缩进",
    ),
    "yaml_markdown_start_flow": (
        "text that starts with '{start}' (Markdown's bold, list or quote) is read as YAML "
        'syntax; inside {{ }} put the whole value in double quotes, as in {key}: "{start}…"',
        "以“{start}”开头的文字（Markdown 的加粗、列表或引用）会被当成 YAML 语法；"
        '在 {{ }} 中请给整个值加上双引号，例如 {key}: "{start}…"',
    ),
    "yaml_bad_start": (
        "a value cannot start with this character (such as %, @ or `); put the whole value "
        "in quotes",
        "值不能以这个字符开头（例如 %、@ 或 `）；请给整个值加上引号",
    ),
    "yaml_no_colon": (
        "this line has no colon after its first word: if it goes on with the text above, "
        "indent it further than that text's key (or write the text as a block with '|'); "
        "if it starts a key, write 'key: value'",
        "本行第一个词后面没有冒号：如果它是上一行文字的延续，请让它比那段文字的键缩进得更多"
        "（或用“|”写成文本块）；如果它是一个键，请写成“键: 值”",
    ),
    "yaml_after_closing": (
        "the value ends at the closing {close}, but more text follows on this line; put the "
        "whole value in quotes (double quotes if it holds an apostrophe), or remove the extra "
        "text",
        "值在“{close}”处已经结束，但本行后面还有文字；请给整个值加上引号"
        "（文字中有单引号时用双引号），或删去多余的文字",
    ),
    "yaml_full_width_colon": (
        "'{key}' is followed by a full-width colon '：'; after a key YAML needs an ordinary "
        "colon and a space, as in '{key}: …' (switch the keyboard to English punctuation)",
        "“{key}”后面是全角冒号“：”；键后面必须用半角冒号加空格，例如“{key}: …”"
        "（请把输入法切换到英文标点）",
    ),
    "yaml_colon_space": (
        "the colon after '{key}' needs a space after it, as in '{key}: …'",
        "“{key}”后面的冒号之后要有一个空格，例如“{key}: …”",
    ),
    "yaml_full_width_space": (
        "a full-width space (or a no-break space) is used here; YAML indents, and separates "
        "a key's colon from its value, with ordinary spaces only",
        "这里用了全角空格（或不间断空格）；YAML 的缩进以及键的冒号与值之间只能用半角空格",
    ),
    "yaml_tab": (
        "a tab character is used for indentation; YAML allows only spaces",
        "缩进中使用了制表符（Tab）；YAML 只允许用空格缩进",
    ),
    "empty_file": (
        "the file is empty; a project file needs at least title and lead",
        "文件为空；项目文件至少需要 title 和 lead",
    ),
    "several_documents": (
        "the file holds more than one YAML document (a line with ---); keep one project per file",
        "文件包含多个 YAML 文档（出现了 --- 分隔行）；每个文件只写一个项目",
    ),
    "top_not_mapping": (
        "the file must be a set of 'key: value' lines (title:, lead:, …), not {found}",
        "文件应由“键: 值”行组成（title:、lead: 等），而不是{found}",
    ),
    "alias": (
        "anchors and aliases (&name, *name) are not supported; write the value out in full",
        "不支持锚点和别名（&name、*name）；请把内容完整写出",
    ),
    "tag": (
        "the tag {tag} is not allowed; remove it and write a plain value",
        "不允许使用标记 {tag}；请去掉它，直接写值",
    ),
    "too_deep": (
        "the data is nested more than {limit} levels deep; project files need at most 4",
        "数据嵌套超过 {limit} 层；项目文件最多只需 4 层",
    ),
    "complex_key": (
        "a key must be a plain word such as title or due",
        "键必须是简单的词，例如 title 或 due",
    ),
    "duplicate_key": (
        "the key '{key}' appears twice in the same block (first on line {first}); keep only one",
        "同一块中键“{key}”出现了两次（第一次在第 {first} 行）；只保留一个",
    ),
    # --- schema
    "unknown_key": (
        "unknown key '{key}'{hint}; allowed here: {allowed}",
        "未知的键“{key}”{hint}；这里允许的键：{allowed}",
    ),
    "missing_key": (
        "the required key '{key}' is missing here",
        "此处缺少必填的键“{key}”",
    ),
    "empty_value": (
        "'{key}' is empty; write a value after the colon",
        "“{key}”为空；请在冒号后填写内容",
    ),
    "expected_text": (
        "'{key}' must be text, not {found}",
        "“{key}”应为文字，而不是{found}",
    ),
    "expected_list": (
        "'{key}' must be a list (lines starting with '- ', or [a, b]), not {found}",
        "“{key}”应为列表（以“- ”开头的若干行，或 [a, b]），而不是{found}",
    ),
    "expected_mapping": (
        "each entry of '{key}' must be a set of 'key: value' lines, not {found}",
        "“{key}”的每一项都应由“键: 值”行组成，而不是{found}",
    ),
    "expected_date": (
        "'{key}' must be a date written YYYY-MM-DD (for example 2026-06-15), not '{value}'",
        "“{key}”应为 YYYY-MM-DD 格式的日期（例如 2026-06-15），而不是“{value}”",
    ),
    "date_written_otherwise": (
        "'{key}' must be a date written YYYY-MM-DD: write it as {meant}, not '{value}'",
        "“{key}”应为 YYYY-MM-DD 格式的日期：请写成 {meant}，而不是“{value}”",
    ),
    "date_with_time": (
        "'{key}' must be a date only (YYYY-MM-DD), without a time: '{value}'",
        "“{key}”只能写日期（YYYY-MM-DD），不能带时间：“{value}”",
    ),
    "impossible_date": (
        "'{value}' is not a real calendar date ({key}); check the month and the day",
        "“{value}”不是实际存在的日期（{key}）；请检查月份和日期",
    ),
    "expected_number": (
        "'{key}' must be a number such as 12 or 3.5, not '{value}'",
        "“{key}”应为数字，例如 12 或 3.5，而不是“{value}”",
    ),
    "not_positive": (
        "'{key}' must be greater than 0, not {value}",
        "“{key}”必须大于 0，而不是 {value}",
    ),
    "bad_choice": (
        "'{value}' is not allowed for '{key}'{hint}; use one of: {allowed}",
        "“{key}”不能取“{value}”{hint}；可选值：{allowed}",
    ),
    "bad_id": (
        "'{value}' is not a valid id: use lowercase letters a-z, digits and hyphens, "
        "starting with a letter or digit",
        "“{value}”不是有效的编号：只能用小写字母 a-z、数字和连字符，以字母或数字开头",
    ),
    "bad_timezone": (
        "'{value}' is not a known time zone; use an IANA name such as Asia/Shanghai",
        "“{value}”不是已知的时区；请使用 IANA 时区名，例如 Asia/Shanghai",
    ),
    "bad_url": (
        "'{value}' is not a web address; write it like https://example.org/progress/",
        "“{value}”不是网址；请写成 https://example.org/progress/ 的形式",
    ),
    "bad_handle": (
        "'{value}' is not a handle: write a login as @zhangsan or a team as @my-org/office "
        "(an @, then letters, digits, '-', '_' or '.')",
        "“{value}”不是有效的账号：个人写作 @zhangsan，团队写作 @my-org/office"
        "（以 @ 开头，后接字母、数字、“-”“_”或“.”）",
    ),
    "bad_repository": (
        "'{value}' is not a repository: write it as owner/name, for example my-org/progress",
        "“{value}”不是有效的仓库名：请写成 所有者/仓库名 的形式，例如 my-org/progress",
    ),
    "out_of_range": (
        "'{key}' must be a whole number from {low} to {high}, not '{value}'",
        "“{key}”应为 {low} 到 {high} 之间的整数，而不是“{value}”",
    ),
    "yaml_bracket_text": (
        "a value that starts with [ or {{ is read as a list; to write text such as "
        "'[重点] 一流专业', put the whole value in quotes",
        "以 [ 或 {{ 开头的值会被当作列表；如要写“[重点] 一流专业”这样的文字，请给整个值加上引号",
    ),
    "comment_dropped": (
        "everything after ' #' on this line is a comment and is left out ('{kept}' is kept); "
        "put the whole value in quotes to keep the # and what follows",
        "本行“ #”之后的内容是注释，会被忽略（只保留“{kept}”）；"
        "如要保留 # 及其后的文字，请给整个值加上引号",
    ),
    "tags_joined": (
        "'{comma}' joins two tags into one, '{tag}'; to write them as two tags, separate them "
        "with an ordinary comma: tags: {written}",
        "“{comma}”把两个标签连成了一个“{tag}”；如要写成两个标签，请用英文逗号分隔：tags: {written}",
    ),
    "invalid_value": (
        "'{key}' has an invalid value: {detail}",
        "“{key}”的值无效：{detail}",
    ),
    # --- cross references and dates
    "unknown_department": (
        "the department '{value}' is not declared in site.yaml{hint}; "
        "use a department id or name listed there",
        "部门“{value}”未在 site.yaml 中登记{hint}；请使用那里列出的部门编号或名称",
    ),
    "departments_in_one": (
        "'{value}' is several departments written as one; give each its own line "
        "('- name') or write them as [a, b] with ordinary commas",
        "“{value}”把几个部门写成了一个；请每个部门单独一行（“- 部门”），"
        "或写成 [a, b] 并用英文逗号分隔",
    ),
    "one_department": (
        "'{value}' is several departments; '{key}' takes one (list the others under the "
        "project's 'departments:', one '- name' line each)",
        "“{value}”是几个部门；“{key}”只能填一个部门（其余部门请写在项目的“departments:”下，"
        "每个一行“- 部门”）",
    ),
    "duplicate_department": (
        "the department '{value}' is listed more than once for this project",
        "部门“{value}”在本项目中重复出现",
    ),
    "duplicate_department_id": (
        "the department id '{value}' is declared twice (first on line {first})",
        "部门编号“{value}”登记了两次（第一次在第 {first} 行）",
    ),
    "duplicate_department_name": (
        "the department name '{value}' is declared twice (first on line {first})",
        "部门名称“{value}”登记了两次（第一次在第 {first} 行）",
    ),
    "duplicate_milestone_id": (
        "the milestone id '{value}' is already used in this project (line {first}); "
        "give each milestone its own id",
        "节点编号“{value}”在本项目中已经使用过（第 {first} 行）；每个节点的编号必须不同",
    ),
    "done_in_future": (
        "the completion date {value} is after today ({today}); "
        "only record a milestone as done once it is done",
        "完成日期 {value} 晚于今天（{today}）；节点完成后再填写完成日期",
    ),
    "done_before_start": (
        "the completion date {value} is before the milestone's planned start {start}; it is "
        "recorded as done (if the work began earlier than planned, correct 'start')",
        "完成日期 {value} 早于该节点计划的开始日期 {start}；节点仍按已完成记录"
        "（如果工作提前开始，请更正 start）",
    ),
    "start_after_due": (
        "the start date {start} is after the due date {due}",
        "开始日期 {start} 晚于截止日期 {due}",
    ),
    "milestone_after_project": (
        "this milestone is due on {due}, after the project's own due date {project_due}",
        "该节点截止日期 {due} 晚于项目截止日期 {project_due}",
    ),
    "value_after_today": (
        "the date {value} is after today ({today}); figures and notes are recorded "
        "for dates that have come",
        "日期 {value} 晚于今天（{today}）；数据和报告只能记录已到来的日期",
    ),
    "baseline_above_target": (
        "the baseline {baseline} is above the target {target}, but the figure is to rise "
        "to its target (direction: up, the default); if it must fall to the target, write "
        "'direction: down' under the indicator's name, otherwise correct the baseline or "
        "the target",
        "基准值 {baseline} 高于目标值 {target}，而该指标应上升到目标值（direction: up，"
        "不写时即为上升）；如果数值应下降到目标值，请在指标名称下一行写“direction: down”，"
        "否则请更正基准值或目标值",
    ),
    "baseline_below_target": (
        "the baseline {baseline} is below the target {target}, but the figure is to fall "
        "to its target (direction: down); if it must rise to the target, remove "
        "'direction: down', otherwise correct the baseline or the target",
        "基准值 {baseline} 低于目标值 {target}，而该指标应下降到目标值（direction: down）；"
        "如果数值应上升到目标值，请删去“direction: down”，否则请更正基准值或目标值",
    ),
    "duplicate_value_date": (
        "the indicator already has a value for {value} (line {first}); keep one per date",
        "该指标在 {value} 已有数值（第 {first} 行）；每个日期只保留一个",
    ),
}

_FOUND: dict[str, tuple[str, str]] = {
    "mapping": ("a set of 'key: value' lines", "“键: 值”形式的内容"),
    "list": ("a list", "列表"),
    "text": ("text", "文字"),
    "number": ("a number", "数字"),
    "nothing": ("nothing", "空值"),
}


def found_word(kind: str, lang: str) -> str:
    en, zh = _FOUND[kind]
    return zh if lang == "zh-CN" else en


def hint_text(suggestion: str | None, lang: str) -> str:
    if not suggestion:
        return ""
    return (
        f"（是否想写“{suggestion}”？）" if lang == "zh-CN" else f" (did you mean '{suggestion}'?)"
    )


def render_message(code: str, args: dict[str, object], lang: str) -> str:
    en, zh = _MESSAGES[code]
    values = dict(args)
    if "found" in values:
        values["found"] = found_word(str(values["found"]), lang)
    if "hint" in values:
        hint = values["hint"]
        values["hint"] = hint_text(str(hint) if hint else None, lang)
    if "allowed" in values and isinstance(values["allowed"], (list, tuple)):
        values["allowed"] = ", ".join(str(a) for a in values["allowed"])
    template = zh if lang == "zh-CN" else en
    return template.format(**values)


def codes() -> list[str]:
    return sorted(_MESSAGES)
