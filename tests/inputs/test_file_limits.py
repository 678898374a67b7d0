"""Inputs that used to hang, explode or mislead (issue 13, items 6, 13, 14, 21): each now ends in a clear error."""

from __future__ import annotations

import os
import zipfile

import openpyxl
import pytest

from toolkit.core.errors import DataValidationError, excerpt
from toolkit.inputs import files
from toolkit.inputs.observations import load_observations

HEADER = "unit_id,indicator_id,year,value,qualifier,unit,source,note\n"
ROW = "national,imr,2015,8.1,=,per_mille,NBS,\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_before_it_is_read(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)  # reading it would block until a writer appears: `validate` hung
    with pytest.raises(DataValidationError, match="is not a regular file(.|\n)*save the data to a file"):
        files.read_grid(fifo)


def test_a_file_beyond_the_size_limit_is_refused_with_the_limit(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_text(HEADER + ROW * 100, encoding="utf-8")
    monkeypatch.setattr(files, "MAX_INPUT_BYTES", 1000)
    with pytest.raises(DataValidationError, match=r"larger than 0 MiB(.|\n)*13 times(.|\n)*split the file"):
        files.read_grid(path)


def test_a_zip_bomb_is_refused_before_anything_is_unzipped(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (files.MAX_XLSX_EXPANDED + 1))
    assert path.stat().st_size < files.MAX_XLSX_EXPANDED / 500  # a few hundred kB that expand to 256 MiB
    with pytest.raises(DataValidationError, match="expands beyond 256 MiB when unzipped"):
        files.read_grid(path)


def test_a_formula_without_a_saved_value_is_named_with_its_cell(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "imr"
    sheet.append(HEADER.strip().split(","))
    sheet.append(["national", "imr", 2015, "=8.1*1", "=", "per_mille", "NBS", ""])  # written by code, never calculated
    path = tmp_path / "formula.xlsx"
    book.save(path)
    with pytest.raises(DataValidationError, match=r"imr!D2: a formula with no saved value(.|\n)*Paste Special"):
        files.read_grid(path)


def test_a_byte_order_mark_inside_the_file_is_named_with_its_line(tmp_path):
    path = tmp_path / "joined.csv"
    path.write_text(HEADER + ROW + "\ufeff" + HEADER + ROW, encoding="utf-8")  # two exports pasted together
    with pytest.raises(DataValidationError, match=r"line 3: an invisible byte-order mark \(U\+FEFF\)"):
        files.read_grid(path)


def test_a_cell_beyond_the_csv_limit_is_explained(tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text(HEADER + 'national,imr,2015,8.1,=,per_mille,"NBS' + "x" * (files.MAX_CELL + 10) + "\n",
                    encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"longer than 131,072 characters(.|\n)*double quote opened"):
        files.read_grid(path)


def test_a_file_that_is_no_data_file_is_not_copied_into_the_message(tmp_path):
    """Item 6: a params `data:` path may point anywhere; its first line must not reach a shareable report."""
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$saltsalt$0123456789abcdefghijklmnopqrstuvwxyz:19000:0:99999:7:::\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as caught:
        load_observations([secret])
    message = str(caught.value)
    assert "root:$6$sal…" in message and "0123456789" not in message  # 12 characters at most


def test_excerpts_are_short_and_name_invisible_characters():
    assert excerpt("x" * 100) == "x" * 39 + "…"
    assert excerpt("a\tb\u200bc\n") == "a<TAB>b<U+200B>c<NEWLINE>"


def test_a_long_bad_cell_is_quoted_only_in_part(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "national,imr,2015," + "9" * 30 + "abc" * 50 + ",=,per_mille,NBS,\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as caught:
        load_observations([path])
    assert "9" * 30 + "abcabcabc…' is not a number" in str(caught.value)  # 39 characters and an ellipsis
    assert "abc" * 4 not in str(caught.value)


def test_conflicting_duplicates_are_counted_past_the_message_cap_not_each_built(tmp_path):
    """Item 15: every conflicting pair was built as a message (600k rows: 70 s); now MAX_PROBLEMS are, and the
    rest are counted in one line."""
    from toolkit.core.errors import MAX_PROBLEMS

    path = tmp_path / "twice.csv"
    rows = [f"national,imr,{1950 + i},{5 + i % 7}.5,=,per_mille,NBS,\n" for i in range(150)]
    again = [f"national,imr,{1950 + i},{9 + i % 5}.25,=,per_mille,NBS,\n" for i in range(150)]  # other values
    path.write_text(HEADER + "".join(rows + again), encoding="utf-8")
    with pytest.raises(DataValidationError) as caught:
        load_observations([path])
    problems = caught.value.problems
    assert sum("is given twice with different values" in p.message for p in problems) == MAX_PROBLEMS
    assert any(p.message.startswith(f"{150 - MAX_PROBLEMS:,} more rows repeat") for p in problems)
