"""The import benchmark's pieces: the generated CSV, the percentiles and the memory reading."""

import csv
import os
from pathlib import Path

from pytake.cli.benchmarks.import_load import BAD_ROW_EVERY, ImportLoad, rss_kb, write_csv


def test_the_csv_has_the_rows_asked_with_one_bad_phone_in_a_thousand(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    size = write_csv(path, 2500)
    with path.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert size == path.stat().st_size
    assert len(rows) == 2500
    assert [index for index, row in enumerate(rows, 1) if row["phone"] == "12"] == [
        BAD_ROW_EVERY,
        2 * BAD_ROW_EVERY,
    ]
    assert len({row["phone"] for row in rows}) == 2500 - 1


def test_percentiles_are_nearest_rank_when_polls_were_timed() -> None:
    load = ImportLoad(health_ms=[float(ms) for ms in range(100, 0, -1)])
    assert (load.health_percentile(0.5), load.health_percentile(0.99)) == (50.0, 99.0)
    assert ImportLoad().health_percentile(0.99) == 0.0


def test_rss_is_read_when_the_process_exists() -> None:
    assert rss_kb(os.getpid()) > 1000
