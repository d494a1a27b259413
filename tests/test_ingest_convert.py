"""Body conversions one by one: each template construct becomes Markdown or a visible placeholder."""

from __future__ import annotations

import pytest

from kmgen.checks.residue import find
from kmgen.ingest import markup, templates
from kmgen.ingest.masking import mask


def convert(body: str) -> tuple[str, templates.Conversion]:
    masked = mask(body)
    conv = templates.Conversion()
    return masked.restore(markup.convert(templates.convert(masked, conv), conv)), conv


@pytest.mark.parametrize(("source", "expected"), [
    ('{{< highlight go >}}\nfmt.Println("x")\n{{< /highlight >}}', '```go\nfmt.Println("x")\n```'),
    ("{% highlight ruby %}\nputs 1\n{% endhighlight %}", "```ruby\nputs 1\n```"),
    ('{{< warning title="Careful" >}}\nHot.\n{{< /warning >}}', '!!! warning "Careful"\n\n    Hot.'),
    ('{{< img src="/a b.png" alt="A" >}}', "![A](/a%20b.png)"),
    ('{% swagger src="https://x.org/c.yml" path="/v1/x" method="post" %}\n[c.yml](https://x.org/c.yml)\n'
     "{% endswagger %}", "**POST /v1/x**: [c.yml](https://x.org/c.yml)"),
    ('{% file src="../.gitbook/assets/Report.pdf" %}', "[Report.pdf](../.gitbook/assets/Report.pdf)"),
    ('{% embed url="https://youtu.be/x" %}\nA talk\n{% endembed %}', "[A talk](https://youtu.be/x)"),
    ("{% raw %}{{ literal }}{% endraw %}", "{{ literal }}"),
    ("{{ 'a/b/' | url }}", "a/b/"),
    ('{% assign who = "the team" %}Ask {{ who }}.', "Ask the team."),
    ("* TOC\n{:toc}\n\nText", "Text"),
    ('<section class="x" markdown="1">\n**Bold**\n</section>', "**Bold**"),
    ("* [x] &#x20;Done&#x20;", "* [x]  Done"),
    ("wo\u200brd and 👩\u200d💻", "word and 👩\u200d💻"),
    ("#Heading\n#hashtag", "# Heading\n#hashtag"),
    ("## Title {#title}", "## Title { #title }"),
    ("forbid \\<script> tags", "forbid &lt;script> tags"),
    ("Use <script>alert(1)</script> here", "Use &lt;script>alert(1)&lt;/script> here"),
    ('<iframe width="5" src="https://www.youtube.com/embed/x" title="A talk"></iframe>',
     "[A talk](https://www.youtube.com/embed/x)"),
])
def test_each_construct_is_converted(source: str, expected: str) -> None:
    out, _conv = convert(source)
    assert expected in out
    assert find(out) == [] or "{{ literal }}" in out


@pytest.mark.parametrize(("source", "placeholder"), [
    ("{% for p in pages %}\n- {{ p.title }}\n{% endfor %}", "template logic 'for p in pages'"),
    ("{% include header.html %}", "include 'header.html'"),
    ("Hello {{ page.author }}.", "template value 'page.author'"),
    ("{{< tweet 123 >}}", "Hugo shortcode 'tweet'"),
    ("{% openapi-operation spec='x' %}", "template tag 'openapi-operation'"),
])
def test_what_has_no_equivalent_becomes_a_visible_reported_placeholder(source: str, placeholder: str) -> None:
    out, conv = convert(source)
    assert f"*[not imported: {placeholder}" in out
    assert conv.placeholders and find(out) == []


def test_code_is_left_exactly_as_written() -> None:
    body = "```\n{% hint %}\n{{ x }}\n```\n\nUse `{{ y }}` and {{< note >}}n{{< /note >}}"
    out, _conv = convert(body)
    assert out.startswith("```\n{% hint %}\n{{ x }}\n```") and "`{{ y }}`" in out and "!!! note" in out


def test_each_heading_id_is_converted_once() -> None:
    out, conv = convert('## A <a href="#a" id="a"></a>\n\n## B{#b}\n\n## C {: #c}\n\n## D { #d }\n')
    assert out == "## A { #a }\n\n## B { #b }\n\n## C { #c }\n\n## D { #d }\n"
    assert conv.changes["gitbook heading anchor -> heading id"] == 1
    assert conv.changes["heading {#id} -> attribute list"] == 2


def test_unclosed_tags_leave_matched_blocks_converted_and_show_a_placeholder() -> None:
    body = ('{% if user %}\n{% hint style="info" %}\nInside.\n{% endhint %}\n'
            '{{< note >}}\nHugo inside.\n{{< /note >}}\n{% raw %}never closed')
    out, conv = convert(body)
    assert "!!! info\n\n    Inside." in out and "!!! note\n\n    Hugo inside." in out
    assert "*[not imported: template tag 'if'" in out and "*[not imported: template tag 'raw'" in out
    assert find(out) == []


def test_nested_blocks_of_one_kind_pair_innermost_first() -> None:
    out, _conv = convert("{{< note >}}\nouter\n{{< note >}}\ninner\n{{< /note >}}\n{{< /note >}}")
    assert "!!! note\n\n    outer\n\n    !!! note\n\n        inner" in out
