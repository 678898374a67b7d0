"""toolkit.core.io: an output never replaces an input, a shipped file or the package, and never carries a
live spreadsheet formula (OWASP's CSV-injection rule)."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from toolkit.core import io
from toolkit.core.errors import ToolkitError
from toolkit.core.paths import DATA_DIR, NOTEBOOKS_DIR, PROJECT_ROOT

HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "@SUM(A1:A2)", "\tx", "\rx", "-2+3"]
HARMLESS = ["-0.166667", "+5", "-", "=", "plain", "", "a=b"]


def test_formula_like_text_is_prefixed_and_numbers_are_kept():
    frame = pd.DataFrame({"text": HOSTILE + HARMLESS, "value": range(13)})
    safe = io.neutralise_formulas(frame)
    assert safe["text"].tolist() == ["'" + v for v in HOSTILE] + HARMLESS
    assert safe["value"].tolist() == list(range(13))
    assert frame["text"].tolist() == HOSTILE + HARMLESS  # the caller's frame is not modified


def test_csv_cells_reach_the_file_neutralised(tmp_path):
    path = io.write_csv(tmp_path / "r.csv", pd.DataFrame({"target_set": ["=1+1", "outline"], "x": [-1.5, 2.0]}))
    assert path.read_text(encoding="utf-8") == "target_set,x\n'=1+1,-1.5\noutline,2.0\n"


def test_xlsx_cells_starting_with_equals_are_text_not_formulas(tmp_path):
    path = io.write_xlsx(tmp_path / "r.xlsx", pd.DataFrame({"target_set": ["=1+1", "ok"], "x": [-1.5, 2.0]}))
    sheet = load_workbook(path).active
    assert (sheet["A2"].value, sheet["A2"].data_type) == ("=1+1", "s")
    assert sheet["B2"].value == -1.5 and sheet["B2"].data_type == "n"


def test_an_output_that_is_an_input_is_refused(tmp_path):
    source = tmp_path / "my.csv"
    source.write_text("x\n", encoding="utf-8")
    with pytest.raises(ToolkitError, match=r"--out would overwrite an input of this command[\s\S]*"
                                           r"is also read by this command\. Fix: choose another --out"):
        io.check_output(tmp_path / "sub" / ".." / "my.csv", inputs=[source])
    assert io.check_output(tmp_path / "other.csv", inputs=[source]) == (tmp_path / "other.csv").resolve()


def test_outputs_never_go_into_the_package_or_over_shipped_files():
    with pytest.raises(ToolkitError, match="inside the toolkit package"):
        io.check_output(PROJECT_ROOT / "toolkit" / "results.csv")
    with pytest.raises(ToolkitError, match="would write into a folder shipped with the project"):
        io.check_output(DATA_DIR / "units.csv")
    assert io.check_output(DATA_DIR / "mine.csv") == DATA_DIR / "mine.csv"  # a new file of the user's: allowed
    with pytest.raises(ToolkitError, match="would write into a folder shipped with the project"):
        io.check_output(NOTEBOOKS_DIR / "national.ipynb", new_shipped=False)


def test_write_errors_are_toolkit_errors_with_a_fix_and_leave_no_temporary(tmp_path):
    """Issue 13, item 10: a folder as --out, a path under a file, a read-only folder ended in raw tracebacks."""
    frame = pd.DataFrame({"x": [1]})
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(ToolkitError, match=r"cannot write the output[\s\S]*a part of the path is a file"):
        io.write_csv(tmp_path / "file" / "out.csv", frame)
    (tmp_path / "folder").mkdir()
    with pytest.raises(ToolkitError, match=r"cannot write the output[\s\S]*the path is a folder"):
        io.write_csv(tmp_path / "folder", frame)
    with pytest.raises(ToolkitError, match=r"--out is a folder[\s\S]*give --out a file name"):
        io.check_output(tmp_path / "folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "folder"]
    assert list((tmp_path / "folder").iterdir()) == []


def test_a_full_disk_says_so(tmp_path, monkeypatch):
    import errno
    import os

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(io.os, "replace", full)
    (tmp_path / "r.csv").write_text("old\n", encoding="utf-8")
    with pytest.raises(ToolkitError, match=r"No space left on device\. Fix: free disk space"):
        io.write_csv(tmp_path / "r.csv", pd.DataFrame({"x": [1]}))
    assert (tmp_path / "r.csv").read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv"]
