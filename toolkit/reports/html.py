"""HTML pieces every page shares: the style sheet, tables, category badges, and short errors in notebooks.

Fragments are ``IPython.display.HTML`` objects, whose plain-text form is stable (nbval compares it; the
HTML itself is skipped as volatile across pandas versions). Every string from data or params is escaped.
"""

from __future__ import annotations

from html import escape

import pandas as pd
from IPython import get_ipython
from IPython.display import HTML

from toolkit.contracts.labels import category_label
from toolkit.contracts.results import CATEGORY_COLOURS, text_colour
from toolkit.core.errors import ToolkitError

STYLE = """<style>
.tk-banner{background:#b30000;color:#fff;padding:10px 14px;font-weight:bold;font-size:1.1em;border-radius:4px}
.tk-table{border-collapse:collapse;font-size:0.9em;margin:6px 0}
.tk-table th{background:#eee;text-align:left !important;padding:4px 6px;border-bottom:2px solid #999}
.tk-table td{text-align:left !important;padding:3px 6px;border-bottom:1px solid #ddd;overflow-wrap:break-word}
details summary{cursor:pointer;color:#1f4e79;margin:4px 0}
.tk-cat{padding:2px 6px;border-radius:3px;white-space:nowrap}
.tk-muted{color:#666;font-size:0.9em}
.tk-within{font-size:1.1em;margin:-0.3em 0 0.4em}
.tk-note{border-left:3px solid #1f4e79;padding:4px 10px;margin:8px 0;background:#f4f8fb}
</style>"""


def html(body: str) -> HTML:
    return HTML(STYLE + body)


def heading(text: str, level: int = 2) -> str:
    """A section heading (escaped): translate the text first, since Babel cannot see ``_()`` in f-strings."""
    return f"<h{level}>{escape(text)}</h{level}>"


def category_badge(category: str) -> str:
    """The category's label in the page's edition on its colour (the code stays in results.csv)."""
    colour = CATEGORY_COLOURS.get(category, "#fff")
    return (f'<span class="tk-cat" style="background:{colour};color:{text_colour(category)}">'
            f"{escape(category_label(category))}</span>")


def table(frame: pd.DataFrame, raw_columns: tuple[str, ...] = ()) -> str:
    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    body = []
    for _, row in frame.iterrows():
        cells = [str(v) if c in raw_columns else escape(str(v)) for c, v in row.items()]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f'<table class="tk-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def use_short_errors() -> None:
    """In a notebook, show a ToolkitError as its message (file, line, fix) instead of a traceback.

    A reviewer reading a failed unit's page needs what went wrong and how to fix it; the cell still fails,
    so Papermill and the batch still report the unit as failed.
    """
    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((ToolkitError,), _short_error)


def _short_error(shell, etype, evalue, tb, tb_offset=None) -> list[str]:
    """IPython custom-exception handler: it must display the error itself (ipykernel sends it as the error output)."""
    short = [f"{etype.__name__}: {evalue}"]
    shell._showtraceback(etype, evalue, short)
    return short
