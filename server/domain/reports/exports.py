"""Reports as files: CSV (comma or semicolon flavour) and Excel, with text cells made inert so a
name typed by a person never runs as a spreadsheet formula."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from typing import Any

from server.domain.errors import DomainError

# A text cell starting with one of these is a live formula once Excel or LibreOffice opens the
# file (tab and CR can shift a cell so that the next character starts one): OWASP "CSV injection".
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def inert_text(text: str) -> str:
    """Text a spreadsheet shows as typed: a leading formula character is escaped with ``'``.

    Names of centers, clerks, services, counters and procedures are typed by people; a clerk named
    ``=HYPERLINK(…)`` must not turn a manager's report into a link or a command."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


CSV_FLAVOURS = ("comma", "semicolon")


def format_cell(value: Any, kind: str, *, decimal: str = ".") -> Any:
    """A cell as written to CSV: minutes with 2 decimals, shares as percentages, dates as
    DD/MM/YYYY, text made inert. ``decimal=","`` writes the decimal comma of Vietnamese Excel."""
    if value is None:
        return ""
    if kind == "min" or (kind == "num" and isinstance(value, float)):
        text = f"{value:.2f}"
    elif kind == "pct":
        text = f"{value * 100:.1f}%"
    elif kind == "date" and isinstance(value, str):
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    elif isinstance(value, str):
        return inert_text(value)
    else:
        return value
    return text.replace(".", decimal) if decimal != "." else text


def find_table(report: dict[str, Any], key: str) -> dict[str, Any]:
    for table in report["tables"]:
        if table["key"] == key:
            return table
    raise DomainError("unknown_table", "Không có bảng này trong báo cáo.", "No such table in this report.", status=404,
                      tables=[t["key"] for t in report["tables"]])


def _cell_kind(table: dict[str, Any], row: dict[str, Any], column: dict[str, Any]) -> str:
    return row.get("kind", "num") if column["kind"] == "num" else column["kind"]


def table_csv(table: dict[str, Any], flavour: str = "comma") -> str:
    """One table as CSV, UTF-8 with a BOM so spreadsheet programs read Vietnamese right.

    ``comma``: ``,`` between cells and ``.`` in decimals (LibreOffice, scripts, English Excel).
    ``semicolon``: what Excel on a Windows with Vietnamese regional settings opens into columns
    by double-click: its list separator is ``;`` because its decimal symbol is ``,``
    (Control Panel › Region › Additional settings), so cells are split on ``;`` and 12,50 is a number."""
    if flavour not in CSV_FLAVOURS:
        raise DomainError("invalid_format", "Định dạng CSV không hợp lệ.", "Unknown CSV flavour.", status=400,
                          allowed=list(CSV_FLAVOURS))
    semicolon = flavour == "semicolon"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if semicolon else ",")
    writer.writerow([inert_text(f"{c['label_vi']} / {c['label_en']}" if c["label_vi"] != c["label_en"] else c["label_vi"])
                     for c in table["columns"]])
    for row in table["rows"]:
        writer.writerow([format_cell(row.get(c["key"]), _cell_kind(table, row, c), decimal="," if semicolon else ".")
                         for c in table["columns"]])
    return "\ufeff" + out.getvalue()


def report_xlsx(report: dict[str, Any], keys: Iterable[str] | None = None) -> bytes:
    """The report's tables as one workbook, one sheet per table (numbers stay numbers)."""
    # Imported here: openpyxl takes ~0.1 s to load and only an Excel download needs it.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wanted = set(keys) if keys else None
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in report["tables"]:
        if wanted is not None and table["key"] not in wanted:
            continue
        sheet = workbook.create_sheet(_sheet_title(table["title_vi"], workbook.sheetnames))
        names = (", ".join(c["name"] for c in report["centers"]) if report.get("scope") == "center"
                 else "Tất cả trung tâm / All centers")
        sheet.append([_xlsx_value(f"{table['title_vi']} / {table['title_en']} — {report['period']['label_vi']} — {names}")])
        sheet["A1"].font = Font(bold=True, size=13)
        header = [_xlsx_value(c["label_vi"]) for c in table["columns"]]
        sheet.append(header)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDE7F3")
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table["rows"]:
            sheet.append([_xlsx_value(row.get(column["key"]), column["kind"]) for column in table["columns"]])
            line = sheet.max_row
            for i, column in enumerate(table["columns"], start=1):
                kind = _cell_kind(table, row, column)
                if kind == "min" or (kind == "num" and isinstance(row.get(column["key"]), float)):
                    sheet.cell(line, i).number_format = "0.0"
                elif kind == "pct":
                    sheet.cell(line, i).number_format = "0.0%"
                elif kind == "date":
                    sheet.cell(line, i).number_format = "dd/mm/yyyy"
        for i, column in enumerate(table["columns"], start=1):
            width = max([len(str(column["label_vi"]))] + [len(str(r.get(column["key"]) or "")) for r in table["rows"]])
            sheet.column_dimensions[get_column_letter(i)].width = min(45, max(10, width + 2))
        sheet.freeze_panes = "A3"
    if not workbook.sheetnames:
        workbook.create_sheet("Trống")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def published_xlsx(report: dict[str, Any], keys: Iterable[str] | None = None) -> bytes:
    """A published (periodic) report as a workbook: a first sheet with the ready paragraph, the
    766 points and the scope, then one sheet per table as :func:`report_xlsx` writes them."""
    from openpyxl import load_workbook
    from openpyxl.styles import Alignment, Font

    centers = report["centers"]
    if report["scope"] == "center" or len(centers) <= 3:
        names = ", ".join(c["name"] for c in centers)
    else:
        names = report["center_label"]
    # report_xlsx heads each sheet with the centers' names: give it the scope's name as one center.
    workbook = load_workbook(io.BytesIO(report_xlsx({**report, "scope": "center", "centers": [{"name": names}]}, keys)))
    sheet = workbook.create_sheet("Đoạn văn báo cáo", 0)
    sheet.append([_xlsx_value(f"Báo cáo định kỳ / Periodic report — {report['period']['label_vi']} — {names}")])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_xlsx_value(report["paragraph"])])
    sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 120
    sheet.row_dimensions[2].height = 90
    sheet.append([_xlsx_value(f"Điểm theo Quyết định 766/QĐ-TTg (tự đánh giá) / Decision 766 points: "
                              f"{report['points']} / {report['max_points']}")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: Any, kind: str = "text") -> Any:
    """A date column as a real date; text without the control characters a worksheet cannot hold (a name typed with one
    must not break the export), and never a formula (openpyxl writes "=…" as one); numbers as they are."""
    if kind == "date" and isinstance(value, str):
        return date.fromisoformat(value)
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # openpyxl only when exporting, as in report_xlsx

        # Stripped first: "\x07=cmd" would otherwise become a formula once its bell is gone.
        return inert_text(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _sheet_title(title: str, existing: list[str]) -> str:
    base = "".join(ch for ch in title if ch not in '[]:*?/\\')[:28] or "Bang"
    name, n = base, 2
    while name in existing:
        name, n = f"{base[:25]} {n}", n + 1
    return name


__all__ = ["CSV_FLAVOURS", "find_table", "format_cell", "inert_text", "published_xlsx", "report_xlsx", "table_csv"]
