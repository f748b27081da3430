"""Rich text sanitising: an allow-list of tags, safe links, well-formed, escaped output."""

from __future__ import annotations

import pytest

from brickwork.engines.form.richtext import html_to_text, sanitize_html


@pytest.mark.parametrize(
    ("source", "clean"),
    [
        ("<p>Hi <b>there</b></p>", "<p>Hi <b>there</b></p>"),
        ("<p>Hi<script>alert(1)</script></p>", "<p>Hi</p>"),
        ("<style>p{color:red}</style>text", "text"),
        ("<iframe src='x'>inner</iframe>after", "after"),
        ("<svg><script>1</script><p>in</p></svg>after", "after"),
        ("<img src=x onerror=alert(1)>t", "t"),
        ("<p onclick='x()' style='color:red' class='c'>p</p>", "<p>p</p>"),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        ('<a href=" JAVASCRIPT:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="data:text/html,x">x</a>', "<a>x</a>"),
        (
            '<a href="https://example.com/?a=1&b=2">x</a>',
            '<a href="https://example.com/?a=1&amp;b=2" rel="noopener noreferrer nofollow">x</a>',
        ),
        (
            '<a href="mailto:a@example.com">m</a>',
            '<a href="mailto:a@example.com" rel="noopener noreferrer nofollow">m</a>',
        ),
        ("<p>a &lt;b&gt; &amp; <unknown>c</unknown></p>", "<p>a &lt;b&gt; &amp; c</p>"),
        ("<p><i>unclosed", "<p><i>unclosed</i></p>"),
        ("</p>stray", "stray"),
        ("<p><i>x</b></i></p>", "<p><i>x</i></p>"),
        ("<ul><li>a<li>b</ul>", "<ul><li>a<li>b</li></li></ul>"),
        ("line<br>break<br/>", "line<br>break<br>"),
        ('<td colspan="2" rowspan="x">c</td>', '<td colspan="2">c</td>'),
        ('<td colspan="²" rowspan="٣">c</td>', "<td>c</td>"),  # non-ASCII digits
        ("<!-- comment -->x", "x"),
        ("\"quotes\" & 'apostrophes'", "\"quotes\" &amp; 'apostrophes'"),
        ("<p>中文</p>", "<p>中文</p>"),
    ],
)
def test_sanitize(source: str, clean: str) -> None:
    assert sanitize_html(source) == clean


def test_sanitising_is_idempotent() -> None:
    messy = "<p>a<b>b<i>c</p><script>x</script><a href='https://e.com'>l</a>"
    once = sanitize_html(messy)
    assert sanitize_html(once) == once


def test_nesting_is_bounded() -> None:
    deep = "<b>" * 500 + "x"
    assert sanitize_html(deep).count("<b>") == 64


def test_html_to_text() -> None:
    assert (
        html_to_text("<p>Hello <b>you</b></p><p>there &amp; here</p>") == "Hello you there & here"
    )
