"""Cells of the campaign CSV export as a spreadsheet reads them: never as formulas."""

import pytest

from pytake.web.api.campaigns import spreadsheet_safe


@pytest.mark.parametrize(
    ("cell", "exported"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+5511", "'+5511"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
    ],
)
def test_a_single_quote_leads_when_a_cell_starts_like_a_formula(cell: str, exported: str) -> None:
    assert spreadsheet_safe(cell) == exported


@pytest.mark.parametrize("cell", ["5511999999999", "Ana = 1", "(#131000) Generic error", "", None])
def test_the_cell_is_unchanged_when_it_cannot_start_a_formula(cell: str | None) -> None:
    assert spreadsheet_safe(cell) == cell
