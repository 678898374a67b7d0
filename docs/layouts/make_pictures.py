"""Draw the pictures of docs/importing.md: one small example table per layout that `import-wide`, `validate`
and `run` read. Run from the project root: ``.venv/bin/python docs/layouts/make_pictures.py``.

The values are made up for the pictures (they illustrate the shape of a table, not statistics). The CJK text
needs a CJK font; Noto Sans CJK (Debian's fonts-noto-cjk) is used when present.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import font_manager

HERE = Path(__file__).resolve().parent
LAYOUTS = {
    "1-provinces-by-years": ("Yearbook table: provinces down, years across (one indicator)", [
        ["婴儿死亡率（‰）", "", "", ""], ["地区", "2015年", "2016年", "2020年*"], ["全国", "8.1", "7.5", "5.4"],
        ["北京", "2.4", "2.2", "1.8"], ["天津", "3.0", "2.9", "2.5"], ["东部", "…", "…", "…"],
        ["注：*为初步数。", "", "", ""]]),
    "2-sheet-per-year": ("One sheet per year (sheet '2015年'), indicators across", [
        ["地区", "婴儿死亡率（‰）", "住院分娩率（%）", "学前三年毛入园率（%）"], ["北京", "2.4", "99.9", "95.0"],
        ["天津", "3.0", "99.8", "91.2"], ["河北", "5.1", "99.6", "83.0"]]),
    "3-sheet-per-indicator": ("Workbook: one sheet per indicator (sheets 婴儿死亡率, u5mr, ...), years across", [
        ["地区", "2015", "2016", "2017"], ["北京", "2.4", "2.2", "2.1"], ["天津", "3.0", "2.9", "2.7"]]),
    "4-monitoring-table": ("One province's monitoring table: indicators down, years across, with targets", [
        ["序号", "指标", "单位", "目标值（2030年）", "2010年（基期）", "2015年", "2020年"],
        ["1", "婴儿死亡率", "‰", "≤4", "4.9", "3.1", "2.2"], ["2", "5岁以下儿童死亡率", "‰", "5以下", "6.9", "4.5", "3.1"],
        ["3", "孕产妇死亡率", "1/10万", "", "17.4", "11.3", "10.1"]]),
    "5-years-down": ("One province, years down, indicators across", [
        ["年份", "婴儿死亡率", "孕产妇死亡率"], ["2015年", "2.4", "8.1"], ["2016年", "2.2", "10.4"]]),
    "6-long-chinese": ("Long file with Chinese headers (validate / assess / run read it as it is)", [
        ["地区", "指标", "年份", "数值", "单位", "来源"], ["北京", "婴儿死亡率", "2015年", "2.4", "‰", "北京统计年鉴2016"],
        ["廣東", "Infant mortality rate", "2016", "3.1", "‰", "广东统计年鉴2017"]]),
}


def cjk_font() -> str | None:
    """A CJK font family Matplotlib can use: registered from the system's font files if its cache predates them."""
    for path in font_manager.findSystemFonts():
        if "CJK" in Path(path).name and "Sans" in Path(path).name:
            font_manager.fontManager.addfont(path)
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei")
                 if n in names), None)


def draw(name: str, title: str, rows: list[list[str]]) -> Path:
    width = max(len(r) for r in rows)
    cells = [r + [""] * (width - len(r)) for r in rows]
    fig, ax = plt.subplots(figsize=(1.6 * width + 0.5, 0.42 * len(cells) + 0.7), dpi=110)
    ax.axis("off")
    table = ax.table(cellText=cells, loc="center", cellLoc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(10)
    table.scale(1, 1.35)
    for (r, _), cell in table.get_celld().items():
        cell.set_edgecolor("#999999")
        if r == next(i for i, row in enumerate(cells) if sum(bool(c) for c in row) > 1):
            cell.set_facecolor("#e8eef5")
    ax.set_title(title, fontsize=10, loc="left")
    path = HERE / f"{name}.png"
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path


def main() -> None:
    font = cjk_font()
    if font:
        plt.rcParams["font.family"] = [font, "DejaVu Sans"]
    for name, (title, rows) in LAYOUTS.items():
        print(f"wrote {draw(name, title, rows)}")


if __name__ == "__main__":
    main()
