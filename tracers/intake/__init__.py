"""Victim reports: parse and check each row, verify it against the store, turn it into a seed."""

from tracers.intake.importer import ImportSummary, import_reports, list_reports
from tracers.intake.parse import REPORT_COLUMNS, ParsedReport, Refusal, parse_reports

__all__ = [
    "REPORT_COLUMNS",
    "ImportSummary",
    "ParsedReport",
    "Refusal",
    "import_reports",
    "list_reports",
    "parse_reports",
]
