"""How the desk's lists show a long text: cut at three lines in sight, whole in its tooltip."""

from django.utils.html import format_html


def clamped(text: str) -> str:
    """`text` for a list cell; admin.css (`.line-clamp`) cuts it, so that the columns after it
    stay in sight at 1280 px. <bdi>: a source's words set their own direction."""
    return format_html('<bdi class="line-clamp" title="{}">{}</bdi>', text, text)
