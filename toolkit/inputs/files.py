"""Bytes to a grid of text cells: CSV (UTF-8 with or without BOM, GBK/GB18030) and XLSX sheets.

Every table the toolkit reads, reference tables and the users' observation files and yearbooks alike,
goes through :func:`read_grid` (or :func:`read_csv_grid`), so every message can name the line or the
``Sheet!C7`` cell at fault. Input files are only ever read.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import stat
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from toolkit.core.errors import DataValidationError, Problem, suggestion

#: Largest input file read: loading takes about 13x its size in memory, in every kernel that reads it.
MAX_INPUT_BYTES = 256 * 2**20
#: Largest total a workbook may expand to when unzipped (a "zip bomb" is a few MB that expand to GB).
MAX_XLSX_EXPANDED = 256 * 2**20
#: The csv module's limit on one cell; a longer cell is almost always an unclosed quote.
MAX_CELL = csv.field_size_limit()
FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[ >/]")


@dataclass(frozen=True)
class Grid:
    """Every non-blank row of a CSV file or worksheet as stripped text, and where each row came from."""

    path: Path
    rows: list[list[str]]
    lines: list[int]  # 1-based CSV line of the row's start, or the worksheet row number
    sheet: str | None = None
    offset: int = 0  # worksheet columns left of rows[i][0] (a table that does not start in column A)
    sheets: tuple[str, ...] = ()  # every worksheet of the workbook that holds cells (empty for CSV)

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
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text" export
        try:
            return _no_inner_bom(raw.decode("utf-16"), path)
        except UnicodeDecodeError as exc:
            raise DataValidationError("cannot be decoded as UTF-16", path=path, problems=[Problem(
                f"the byte at offset {exc.start} is not valid UTF-16",
                fix="in Excel use 'Save As' > 'CSV UTF-8 (comma delimited)'")]) from None
    if b"\x00" in raw:
        raise DataValidationError("is not a text file", path=path, problems=[Problem(
            "the file contains NUL bytes (binary data)", row=_line_of(raw, raw.index(b"\x00")),
            fix="give a CSV file (UTF-8 or GBK) or an .xlsx workbook")])
    try:
        return _no_inner_bom(raw.decode("utf-8"), path)
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


def _no_inner_bom(text: str, path: Path) -> str:
    """A byte-order mark after the start (two exported files pasted together) hides in a cell and makes a
    header or value look right and fail; name it."""
    at = text.find("\ufeff")
    if at >= 0:
        raise DataValidationError("contains a byte-order mark inside the file", path=path, problems=[Problem(
            "an invisible byte-order mark (U+FEFF) is inside the text, usually where two exported files were "
            "joined", row=text.count("\n", 0, at) + 1,
            fix="delete that character (or export the table again as one CSV UTF-8 file)")])
    return text


def read_csv_grid(path: Path, raw: bytes) -> Grid:
    """Parse the bytes of a CSV file into a :class:`Grid`; a malformed file raises with the line at fault."""
    text = decode_text(raw, path)
    first_line = text.split("\n", 1)[0]
    # Tab-separated exports (Excel's "Unicode text", many statistics systems) are read as they are.
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), strict=True, delimiter=delimiter)
    rows: list[list[str]] = []
    lines: list[int] = []
    end = 0
    seen: dict[str, str] = {}  # one object per distinct cell text: ids, units and sources repeat on every row
    try:
        for record in reader:
            start, end = end + 1, reader.line_num
            cells = [seen.setdefault(c, c) for c in (c.strip() for c in record)]
            if any(cells):
                rows.append(cells)
                lines.append(start)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            problem = Problem(f"a cell is longer than {MAX_CELL:,} characters", row=end + 1,
                              fix="usually a double quote opened and never closed, so the rest of the file became "
                                  "one cell: close the quote; otherwise shorten the cell")
        elif "end of data" in str(exc):
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
        info = p.stat()
    except OSError as exc:
        raise DataValidationError("cannot be read", path=p, problems=[Problem(
            exc.strerror or str(exc), fix="check the file's permissions")]) from None
    if not stat.S_ISREG(info.st_mode):  # a FIFO or a device would block the read or never end
        raise DataValidationError("is not a regular file", path=p, problems=[Problem(
            "a pipe, socket or device, not a file on disk", fix="save the data to a file and give its path")])
    if info.st_size > MAX_INPUT_BYTES:
        raise DataValidationError(f"is larger than {MAX_INPUT_BYTES // 2**20} MiB", path=p, problems=[Problem(
            f"{info.st_size / 2**20:.0f} MiB; every kernel that reads it would need about 13 times that in memory",
            fix="split the file, e.g. one file per province or per indicator, and list the files in `data:`")])
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


def _check_expansion(path: Path, raw: bytes) -> None:
    """Refuse a workbook whose parts unzip beyond :data:`MAX_XLSX_EXPANDED`, before anything is unzipped."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        return  # openpyxl reports the damage
    if expanded > MAX_XLSX_EXPANDED:
        raise DataValidationError(f"expands beyond {MAX_XLSX_EXPANDED // 2**20} MiB when unzipped", path=path,
                                  problems=[Problem(
                                      f"its parts would take {expanded / 2**20:,.0f} MiB ({len(raw) / 2**20:.1f} MiB "
                                      "on disk): a damaged or malicious workbook, or far more than a yearbook table",
                                      fix="export the table you need as CSV UTF-8, or save only that sheet")])


def _formulas_without_values(book_formulas, title: str, grid_rows: list[list[str]], lines: list[int]) -> list[Problem]:
    """Cells whose formula has no saved value (written by a program, never opened in Excel): they read as empty."""
    problems = []
    ws = book_formulas[title]
    ws.reset_dimensions()
    shown = {number: cells for number, cells in zip(lines, grid_rows)}
    for number, row in enumerate(ws.iter_rows(min_row=1), start=1):
        for col, cell in enumerate(row):
            value = cell.value
            if isinstance(value, str) and value.startswith("=") and len(value) > 1:
                cells = shown.get(number, [])
                if col >= len(cells) or not cells[col]:
                    letter = getattr(cell, "column_letter", None) or chr(65 + col)
                    problems.append(Problem("a formula with no saved value (it reads as empty)",
                                            row=f"{title}!{letter}{number}",
                                            fix="open the workbook in Excel and save it, or paste the values "
                                                "(Paste Special > Values) instead of formulas"))
                    if len(problems) >= 20:
                        return problems
    return problems


def _xlsx_grid(path: Path, raw: bytes, sheet: str | None) -> Grid:
    import openpyxl  # 0.35 s cold here: only loaded when a workbook is read

    _check_expansion(path, raw)
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:
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
        if _has_formulas(raw):
            formulas = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
            try:
                problems = _formulas_without_values(formulas, ws.title, rows, lines)
            finally:
                formulas.close()
            if problems:
                raise DataValidationError("has formulas without saved values", path=path, problems=problems)
        filled = tuple(title for title, w in sheets.items() if title == ws.title or _has_cells(w))
        return Grid(path=path, rows=rows, lines=lines, sheet=ws.title, sheets=filled)
    finally:
        book.close()


def _has_cells(ws) -> bool:
    """Whether a worksheet holds any non-empty cell (read only as far as the first one)."""
    for row in ws.iter_rows(values_only=True):
        if any(v not in (None, "") for v in row):
            return True
    return False


def _has_formulas(raw: bytes) -> bool:
    """Whether any worksheet of the (compressed) workbook holds a formula element."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return any(FORMULA_ELEMENT.search(archive.read(name)) for name in archive.namelist()
                       if name.startswith("xl/worksheets/") and name.endswith(".xml"))
    except (zipfile.BadZipFile, KeyError):
        return False


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
