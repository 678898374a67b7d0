"""Figure helpers every page shares: one seaborn theme and one way to show a figure as a PNG.

A PNG is rendered here rather than by the notebook's matplotlib backend, so a figure shows the same in
JupyterLab, under Papermill with ``MPLBACKEND=Agg`` (where the inline backend is not active and a figure
would print only as ``<Figure size ...>``) and in the HTML export; nbval compares only the plain-text form.
"""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import seaborn as sns
from IPython.display import Image, display

from toolkit.reports.fonts import use_cjk_font

#: Resolution of the overview and method-evaluation figures (about 1000 px for a 12.5-inch figure).
DPI = 80


def theme() -> None:
    """The look of every chart: seaborn's white grid at paper scale, Chinese in the packaged CJK font, and text
    taken literally.

    Chinese characters fall back to Noto Sans SC from the project's own dependency (:mod:`toolkit.reports.fonts`;
    raises :class:`~toolkit.core.errors.ToolkitError` if it is not installed); Latin text keeps seaborn's sans font.
    Names come from data files: a ``$`` in an indicator or unit name must print as a dollar sign, not start
    Matplotlib's mathtext (which fails on anything it cannot parse).
    """
    sns.set_theme(style="whitegrid", context="paper")
    use_cjk_font()  # after set_theme, which resets the font settings
    plt.rcParams["text.parse_math"] = False


def png(fig: plt.Figure, *, dpi: int, tight: bool = False) -> Image:
    """The figure as an IPython Image. ``tight`` crops to the drawn area on a white background (overview
    and method-evaluation figures); the unit report keeps its fixed size, so its panels line up."""
    buffer = io.BytesIO()
    if tight:
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    else:
        fig.savefig(buffer, format="png", dpi=dpi, pil_kwargs={"compress_level": 3})
    return Image(data=buffer.getvalue(), format="png")


def show(fig: plt.Figure, alt: str, *, dpi: int = DPI, tight: bool = True) -> None:
    """Display a figure as a PNG with its alt text, and free it. The text says in the page's language what
    the chart shows; it travels as the output's metadata and the page template prints it as the image's
    ``alt`` (a PNG cannot be read aloud or translated)."""
    image = png(fig, dpi=dpi, tight=tight)
    plt.close(fig)
    display(image, metadata={"image/png": {"alt": alt}})
