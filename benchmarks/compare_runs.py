"""Compare two batch output folders: is a refactoring behaviour-neutral?

Usage: ``python benchmarks/compare_runs.py BEFORE AFTER`` (folders written by ``python -m toolkit run --out``).

Compared, and reported file by file:

- ``results.csv`` and every ``units/*/summary.json`` and ``units/*/results.csv``: byte for byte;
- ``results.xlsx``: every cell value of every sheet;
- every HTML page (``index.html``, ``overview.html``, ``method_evaluation.html``, ``html/*.html``): the
  visible text (tags, scripts and styles removed, white space folded), and the bytes of every embedded
  PNG (the charts);
- ``run.json``: everything except timings, dates, the git state and the output folder's own path. The
  checksums of the notebook templates are reported as notes, not differences: a refactoring that changes
  the notebooks' import lines changes their bytes, and that is what the goldens' code cells show too;
- the index's run dates (``Started ... finished ...``) its per-unit times in seconds (one decimal) and
  the git commit it names are masked before its text is compared.

Exit status 0 when everything matches, 1 otherwise (the differences are printed).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

from openpyxl import load_workbook

VOLATILE_MANIFEST_KEYS = {"started", "finished", "duration_s", "git", "seconds", "elapsed_s", "python", "out"}
SECONDS = re.compile(r"(?<![\d.])\d+\.\d(?![\d.])")
PNG = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")
COMMIT = re.compile(r"commit [0-9a-f]{7,40}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")


class _TextOnly(HTMLParser):
    """Collects the text a reader sees: no tags, no <script>/<style> bodies."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(path: Path) -> str:
    parser = _TextOnly()
    parser.feed(path.read_text(encoding="utf-8"))
    return TIMESTAMP.sub("<time>", re.sub(r"\s+", " ", " ".join(parser.parts)).strip())


def embedded_images(path: Path) -> list[str]:
    """The base64 payloads of the page's embedded PNGs, in page order."""
    return PNG.findall(path.read_text(encoding="utf-8"))


def xlsx_cells(path: Path) -> dict[str, list[tuple]]:
    book = load_workbook(path, read_only=True, data_only=True)
    return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def _strip_volatile(value):
    if isinstance(value, dict):
        return {k: _strip_volatile(v) for k, v in value.items() if k not in VOLATILE_MANIFEST_KEYS}
    if isinstance(value, list):
        return [_strip_volatile(v) for v in value]
    return value


def manifest(path: Path) -> dict:
    return _strip_volatile(json.loads(path.read_text(encoding="utf-8")))


def _template_notes(a: dict, b: dict) -> tuple[dict, dict, list[str]]:
    """The manifests without the templates' checksums, and a note for each template whose bytes changed."""
    notes = []
    for name in sorted(set(a.get("inputs", {})) | set(b.get("inputs", {}))):
        if name.startswith("notebooks/") and name.endswith(".ipynb"):
            before, after = a.get("inputs", {}).pop(name, None), b.get("inputs", {}).pop(name, None)
            if before != after:
                notes.append(f"note: template {name} changed (checksum {str(before)[:12]} -> {str(after)[:12]})")
    return a, b, notes


def _first_difference(a: str, b: str) -> str:
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"at character {i}: {a[max(0, i - 60):i + 60]!r} vs {b[max(0, i - 60):i + 60]!r}"


def compare(before: Path, after: Path) -> list[str]:
    """Every difference between the two run folders, as one line each (empty when they match)."""
    diffs: list[str] = []
    images = 0
    byte_files = ["results.csv"] + sorted(
        str(p.relative_to(before)) for p in before.glob("units/*/*") if p.name in ("summary.json", "results.csv"))
    html_files = sorted(str(p.relative_to(before)) for p in before.glob("*.html")) + sorted(
        str(p.relative_to(before)) for p in before.glob("html/*.html"))
    for name in byte_files + html_files + ["results.xlsx", "run.json"]:
        a, b = before / name, after / name
        if not b.exists():
            diffs.append(f"{name}: missing in {after}")
            continue
        if name in html_files:
            ta, tb = visible_text(a), visible_text(b)
            if name == "index.html":
                ta, tb = (COMMIT.sub("commit <git>", SECONDS.sub("<s>", x)) for x in (ta, tb))
            if ta != tb:
                diffs.append(f"{name}: visible text differs {_first_difference(ta, tb)}")
            pa, pb = embedded_images(a), embedded_images(b)
            if pa != pb:
                changed = sum(x != y for x, y in zip(pa, pb)) + abs(len(pa) - len(pb))
                diffs.append(f"{name}: {changed} of {max(len(pa), len(pb))} embedded image(s) differ")
            images += len(pa)
        elif name == "results.xlsx":
            if xlsx_cells(a) != xlsx_cells(b):
                diffs.append(f"{name}: cell values differ")
        elif name == "run.json":
            ma, mb, notes = _template_notes(manifest(a), manifest(b))
            for note in notes:
                print(note)
            if ma != mb:
                diffs.append(f"{name}: differs outside timings, git state and templates: "
                             + ", ".join(k for k in sorted(set(ma) | set(mb)) if ma.get(k) != mb.get(k)))
        elif a.read_bytes() != b.read_bytes():
            diffs.append(f"{name}: bytes differ {_first_difference(a.read_text('utf-8'), b.read_text('utf-8'))}")
    extra = {str(p.relative_to(after)) for p in after.rglob("*") if p.is_file()} - {
        str(p.relative_to(before)) for p in before.rglob("*") if p.is_file()}
    diffs += [f"{name}: only in {after}" for name in sorted(extra)]
    print(f"compared {len(byte_files)} files byte for byte, {len(html_files)} pages by visible text and "
          f"{images} embedded images by bytes, results.xlsx by cell values, run.json without timings")
    return diffs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    diffs = compare(args.before, args.after)
    for line in diffs:
        print(line)
    print("no difference" if not diffs else f"{len(diffs)} difference(s)")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
