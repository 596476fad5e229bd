"""Victim reports: parse and check each row, verify it against the store, turn it into a seed."""

from tracers.reports.intake import ImportSummary, import_reports, list_reports
from tracers.reports.parse import REPORT_COLUMNS, ParsedReport, Refusal, parse_reports

__all__ = [
    "REPORT_COLUMNS",
    "ImportSummary",
    "ParsedReport",
    "Refusal",
    "import_reports",
    "list_reports",
    "parse_reports",
]
