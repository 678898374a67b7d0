"""The CJK font of the charts: Noto Sans SC from the PyPI package ``pylopdf-fonts-zh-cn``, registered with Matplotlib.

Chinese titles, axis labels and legends must render on any machine the project's own setup (``make setup`` /
``pip install -e .``) built, not only where Debian's ``fonts-noto-cjk`` happens to be installed. So the font is a
declared dependency and is found through its package, never by a system path.

Why ``pylopdf-fonts-zh-cn`` (0.1.1, 2026-10): it is a data-only wheel of 17 MB (20 MB installed, no dependencies)
holding Noto Sans SC and Noto Serif SC Regular, the Simplified-Chinese subsets of Noto CJK (notofonts/noto-cjk,
file checksums in its README), under the SIL Open Font License 1.1 with the licence text in the wheel. Noto Sans SC
maps 30,890 code points, among them every non-ASCII character the project's data, catalogues and templates use
(婴儿死亡率 ‰ 万 纲要 （ ） — 已达标 未达标 年 ① ...; only the superscripts ⁵-⁹ of input footnote marks are absent,
and Latin text is drawn by the Latin font first anyway). The alternatives weighed: ``mplfonts`` (85 MB wheel,
107 MB installed, pulls ``fire`` and ``fontmeta``, and ships SimHei.ttf, a proprietary font without a licence
beside its OFL Noto/Source Han files); ``mpl-font`` (57 MB, last release 2022, no font licence file, installs a
stray top-level ``tests`` package); ``chineseize-matplotlib`` and ``mksci-font`` (SimHei / SimSun, proprietary);
``noto-cjk`` (its ``sans-sc`` extras name packages that do not exist); ``manimgx-fonts-cjk`` (a 33 MB variable
collection whose first face is Japanese). The price of the small package: it is young (one maintainer, a
companion of ``pylopdf``) and ships one weight, Regular.

One weight: Matplotlib has no synthetic bold, and asking for a bold face that is not there logs
"findfont: Failed to find font weight bold" on stderr, which would land in every executed notebook. So the Regular
file is also registered as the family's bold face: bold Chinese text (the figure titles) is drawn in Regular
weight, bold Latin text stays bold (DejaVu Sans Bold).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import matplotlib as mpl
from matplotlib import font_manager

from toolkit.core.errors import ToolkitError

#: The distribution (pip name) and import name of the font package.
FONT_DISTRIBUTION = "pylopdf-fonts-zh-cn"
FONT_PACKAGE = "pylopdf_fonts_zh_cn"
#: The family name Matplotlib reads from the packaged file (what :func:`cjk_font` returns).
CJK_FAMILY = "Noto Sans SC"
#: Weights the one packaged file stands for (see the module docstring).
ALIASED_WEIGHTS = (700,)

_path: Path | None = None


def cjk_font_path() -> Path:
    """The packaged Noto Sans SC file, found through its package (raises :class:`ToolkitError` if it is missing)."""
    global _path
    if _path is None:
        try:
            # Deferred so that a missing package is a ToolkitError at the first chart, not an ImportError of the
            # reports. A data-only package: its import only defines two path functions.
            import pylopdf_fonts_zh_cn  # 0.0002 s cold here
        except ModuleNotFoundError as error:
            raise ToolkitError(f"The Chinese chart font is missing: the package '{FONT_DISTRIBUTION}' is not "
                               "installed. Run `make setup`, or `pip install -e .` in the project folder (or "
                               f"`pip install {FONT_DISTRIBUTION}`).") from error
        path = Path(pylopdf_fonts_zh_cn.sans_path())
        if not path.is_file():
            raise ToolkitError(f"The Chinese chart font {path} of the package '{FONT_DISTRIBUTION}' is missing. "
                               f"Reinstall it: `pip install --force-reinstall {FONT_DISTRIBUTION}`, or `make setup`.")
        _path = path
    return _path


def cjk_font() -> str:
    """Register the packaged CJK font with Matplotlib's font manager (once) and return its family name.

    Registration is checked on every call against the current ``font_manager.fontManager``, so a font manager
    that was rebuilt is registered again. Cost measured here: the first call 0.009 s (reading the 8 MB file's
    names with FreeType), later calls 0.000002 s (a scan of the font list, 117 entries here).
    """
    path = os.fsdecode(cjk_font_path())
    manager = font_manager.fontManager
    entries = [entry for entry in manager.ttflist if entry.fname == path]
    if not entries:
        manager.addfont(path)
        entries = [entry for entry in manager.ttflist if entry.fname == path]
        entries += [dataclasses.replace(entries[0], weight=weight) for weight in ALIASED_WEIGHTS]
        # First in the list: of equally good matches findfont takes the first, so the packaged file wins over a
        # system font of the same family name, and charts look the same on every machine.
        manager.ttflist[:] = entries + [entry for entry in manager.ttflist if entry.fname != path]
        manager._findfont_cached.cache_clear()  # as addfont itself does after changing the list
    return entries[0].name


def use_cjk_font() -> None:
    """Draw Chinese characters in the packaged CJK font, Latin ones in the Latin sans font already chosen.

    ``font.family`` becomes the families already set (seaborn's theme sets ``["sans-serif"]``, i.e. the first
    installed font of ``font.sans-serif``: Arial or DejaVu Sans) followed by the CJK family; Matplotlib (>= 3.6)
    falls back per glyph along that list. Call it after ``sns.set_theme``, which resets the font settings.
    Idempotent; costs what :func:`cjk_font` costs.
    """
    family = cjk_font()
    current = mpl.rcParams["font.family"]
    current = [current] if isinstance(current, str) else list(current)
    mpl.rcParams["font.family"] = [name for name in current if name != family] + [family]
