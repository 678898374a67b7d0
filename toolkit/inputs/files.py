"""Bytes to a grid of text cells: CSV (UTF-8 with or without BOM, GBK/GB18030) and XLSX sheets.

Every table the toolkit reads, reference tables and the users' observation files and yearbooks alike,
goes through :func:`read_grid` (or :func:`read_csv_grid`), so every message can name the line or the
``Sheet!C7`` cell at fault. Input files are only ever read.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from toolkit.core.errors import DataValidationError, Problem, suggestion


@dataclass(frozen=True)
class Grid:
    """Every non-blank row of a CSV file or worksheet as stripped text, and where each row came from."""

    path: Path
    rows: list[list[str]]
    lines: list[int]  # 1-based CSV line of the row's start, or the worksheet row number
    sheet: str | None = None
    offset: int = 0  # worksheet columns left of rows[i][0] (a table that does not start in column A)

    def where(self, i: int, col: int = 0) -> int | str:
        """Location of a cell for messages: the CSV line number, or ``Sheet!C7`` for a worksheet."""
        if self.sheet is None:
            return self.lines[i]
        letters, n = "", self.offset + col + 1
        while n:
            n, r = divmod(n - 1, 26)
            letters = chr(65 + r) + letters
        return f"{self.sheet}!{letters}{self.lines[i]}"


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def decode_text(raw: bytes, path: Path) -> str:
    """Decode a text file that is UTF-8 (with or without BOM) or GBK/GB18030 (Chinese Excel exports)."""
    bom = raw.startswith(codecs.BOM_UTF8)
    if bom:
        raw = raw[len(codecs.BOM_UTF8):]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataValidationError("is a UTF-16 text file, which is not supported", path=path, problems=[Problem(
            "the file starts with a UTF-16 byte-order mark",
            fix="in Excel use 'Save As' > 'CSV UTF-8 (comma delimited)'")])
    if b"\x00" in raw:
        raise DataValidationError("is not a text file", path=path, problems=[Problem(
            "the file contains NUL bytes (binary data)", row=_line_of(raw, raw.index(b"\x00")),
            fix="give a CSV file (UTF-8 or GBK) or an .xlsx workbook")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    text = raw.decode("utf-8", errors="replace")
    good = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    if not bom and good <= text.count("\ufffd"):  # mostly not UTF-8: a GBK/GB18030 export (a damaged UTF-8 file is not)
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            first_bad = exc.start
    raise DataValidationError("cannot be decoded", path=path, problems=[Problem(
        f"the byte at offset {first_bad + 3 * bom} is neither valid UTF-8 nor GBK/GB18030",
        row=_line_of(raw, first_bad), fix="re-save the file as 'CSV UTF-8'; if it came from Chinese Excel, GBK is also accepted")])


def read_csv_grid(path: Path, raw: bytes) -> Grid:
    """Parse the bytes of a CSV file into a :class:`Grid`; a malformed file raises with the line at fault."""
    text = decode_text(raw, path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    end = 0
    try:
        for record in reader:
            start, end = end + 1, reader.line_num
            cells = [c.strip() for c in record]
            if any(cells):
                rows.append(cells)
                lines.append(start)
    except csv.Error as exc:
        if "end of data" in str(exc):
            problem = Problem("a double quote opened here is never closed", row=end + 1,
                              fix="close the quoted value, or double any quote inside it (\"\")")
        else:
            problem = Problem(f"malformed CSV ({exc})", row=reader.line_num,
                              fix="a value containing a comma or a quote must be enclosed in double quotes, "
                                  "with inner quotes doubled (\"\")")
        raise DataValidationError("is not a well-formed CSV file", path=path, problems=[problem]) from None
    return Grid(path=path, rows=rows, lines=lines)


def read_bytes(path: str | Path) -> bytes:
    """The bytes of an input file (never modified), or a clear error when it cannot be read."""
    p = Path(path)
    if not p.exists():
        raise DataValidationError("file not found", path=p, problems=[Problem(
            "no such file", fix="check the path (relative paths are relative to the current folder)")])
    if p.is_dir():
        raise DataValidationError("is a folder, not a file", path=p, problems=[Problem(
            "expected a CSV or XLSX file", fix="give the path of a file")])
    try:
        return p.read_bytes()
    except OSError as exc:
        raise DataValidationError("cannot be read", path=p, problems=[Problem(
            exc.strerror or str(exc), fix="check the file's permissions")]) from None


def file_key(path: str | Path) -> tuple[str, int, int]:
    """Cache key of a file: its resolved path, size and modification time (a changed file is re-read)."""
    p = Path(path).resolve()
    try:
        st = p.stat()
    except OSError:
        return str(p), -1, -1
    return str(p), st.st_size, st.st_mtime_ns


_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _cell_text(cell) -> str:
    """A worksheet cell as the text a user would see (percent-formatted numbers keep their % sign)."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int | float):
        if "%" in (getattr(cell, "number_format", "") or ""):
            return _number_text(round(float(value) * 100, 10)) + "%"
        return _number_text(float(value)) if isinstance(value, float) else str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def _xlsx_grid(path: Path, raw: bytes, sheet: str | None) -> Grid:
    import openpyxl  # 0.35 s cold here: only loaded when a workbook is read

    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types on damaged files; all mean "unreadable"
        raise DataValidationError("cannot be read as an XLSX workbook", path=path, problems=[Problem(
            f"{type(exc).__name__}: {exc}", fix="open it in Excel and save it again as .xlsx, or export CSV UTF-8")]
        ) from None
    try:
        sheets = {ws.title: ws for ws in book.worksheets}  # chart sheets have no cells
        if not sheets or (sheet is not None and sheet not in sheets):
            raise DataValidationError(f"has no sheet '{sheet}'" if sheets else "has no worksheet", path=path,
                                      problems=[Problem(f"the workbook's sheets are: {', '.join(sheets)}"
                                                        f"{suggestion(sheet or '', sheets)}",
                                                        fix="give one of these names as the sheet (--sheet NAME)")])
        ws = sheets[sheet] if sheet is not None else next(iter(sheets.values()))
        ws.reset_dimensions()  # some writers store a wrong size; read what is there
        rows, lines = [], []
        for number, row in enumerate(ws.iter_rows(min_row=1), start=1):
            cells = [_cell_text(c) for c in row]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                rows.append(cells)
                lines.append(number)
        return Grid(path=path, rows=rows, lines=lines, sheet=ws.title)
    finally:
        book.close()


def read_grid(path: str | Path, *, sheet: str | None = None) -> Grid:
    """The cells of a CSV file (UTF-8 with or without BOM, GBK/GB18030) or of one sheet of an XLSX workbook.

    The file type is taken from the content, not the extension; the file is only read.
    """
    p = Path(path)
    raw = read_bytes(p)
    if raw.startswith(b"PK\x03\x04"):
        return _xlsx_grid(p, raw, sheet)
    if raw.startswith(_XLS_MAGIC):
        raise DataValidationError("is an old-style .xls workbook, which is not supported", path=p, problems=[Problem(
            "only .xlsx workbooks and CSV files can be read",
            fix="open it in Excel and save it as .xlsx or CSV UTF-8")])
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        raise DataValidationError("is not a valid XLSX workbook", path=p, problems=[Problem(
            "the file is not a zip archive as .xlsx files are", fix="save it again from Excel as .xlsx")])
    if sheet is not None:
        raise DataValidationError("is a CSV file, not a workbook", path=p, problems=[Problem(
            f"a sheet name ('{sheet}') only applies to .xlsx workbooks", fix="leave out the sheet name")])
    return read_csv_grid(p, raw)
