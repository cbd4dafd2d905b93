"""The warehouse source on DuckDB: a table or a query in the user's database file, filtered by the window in SQL."""

import duckdb
import pandas as pd
import pytest

from resources.sources.base import SourceError
from resources.sources.warehouse import DuckDBTableSource

MAPPING = {"series_id_column": "region", "timestamp_column": "hour", "value_column": "load"}


@pytest.fixture
def user_database(tmp_path):
    """The user's DuckDB file: grid.hourly_load over three days, a duplicated hour, and a text-stamped table."""
    path = tmp_path / "user.duckdb"
    hours = pd.date_range("2024-03-01", periods=72, freq="h")
    rows = pd.DataFrame({"region": ["east"] * 72 + ["west"] * 72, "hour": list(hours) * 2,
                         "load": [float(i) for i in range(144)], "note": "x"})  # fmt: skip
    rows = pd.concat([rows, rows.iloc[[30]].assign(load=-1.0)])  # the operator sent 06:00 on day 2 twice
    with duckdb.connect(str(path)) as connection:
        connection.execute("CREATE SCHEMA grid")
        connection.execute("CREATE TABLE grid.hourly_load AS SELECT * FROM rows")
        connection.execute("CREATE TABLE grid.text_stamps AS SELECT region, strftime(hour, '%d/%m/%Y %H') AS hour, "
                           "load FROM rows")  # fmt: skip
    return str(path)


def test_a_table_gives_the_window_with_the_mapping_duplicates_kept_and_sorted(user_database):
    source = DuckDBTableSource(database=user_database, table="grid.hourly_load", **MAPPING)
    day = source.fetch(pd.Timestamp("2024-03-02"), pd.Timestamp("2024-03-03"))
    assert list(day.columns) == ["series_id", "timestamp", "value"]
    assert day.groupby("series_id").size().to_dict() == {"east": 25, "west": 24}
    assert day["timestamp"].min() == pd.Timestamp("2024-03-02") and day["timestamp"].max() == pd.Timestamp("2024-03-02 23:00")
    six = day[(day["series_id"] == "east") & (day["timestamp"] == pd.Timestamp("2024-03-02 06:00"))]
    assert six["value"].tolist() == [30.0, -1.0]
    assert source.time_range() == (pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-03 23:00"))


def test_a_query_source_can_reshape_the_users_table_before_the_window_is_applied(user_database):
    query = "SELECT region, strptime(hour, '%d/%m/%Y %H') AS hour, load * 1000 AS load FROM grid.text_stamps"
    source = DuckDBTableSource(database=user_database, query=query, **MAPPING)
    day = source.fetch(pd.Timestamp("2024-03-03"), pd.Timestamp("2024-03-04"))
    assert len(day) == 48 and day["value"].iloc[0] == 48_000.0


@pytest.mark.parametrize(
    "settings, problem",
    [
        ({"table": "grid.hourly_load", "value_column": "megawatts"}, r"missing column\(s\) 'megawatts'; columns found: "
         r"'region', 'hour', 'load', 'note'"),
        ({"table": "grid.nowhere"}, r"the query failed \(Catalog Error: Table with name nowhere does not exist"),
        ({"table": "grid.text_stamps"}, r"column 'hour' holds VARCHAR, not timestamps; cast it in the source's query"),
        ({"table": "grid.hourly_load; DROP TABLE x"}, r"is not a table name"),
        ({"table": "grid.hourly_load", "query": "SELECT 1"}, r"set exactly one of table and query"),
    ],
    ids=["wrong-column", "missing-table", "text-timestamps", "injection", "table-and-query"],
)
def test_a_bad_warehouse_source_gets_an_error_naming_it(user_database, settings, problem):
    source = DuckDBTableSource(database=user_database, **{**MAPPING, **settings})
    with pytest.raises(SourceError, match=rf"duckdb .*{problem}"):
        source.fetch(pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-02"))


def test_an_empty_window_and_a_missing_database_are_named(user_database, tmp_path):
    source = DuckDBTableSource(database=user_database, table="grid.hourly_load", **MAPPING)
    with pytest.raises(SourceError, match=r"duckdb grid.hourly_load: no rows with 2024-04-01 00:00:00 <= hour < "
                                          r"2024-04-02 00:00:00 \(empty window\)"):  # fmt: skip
        source.fetch(pd.Timestamp("2024-04-01"), pd.Timestamp("2024-04-02"))
    missing = DuckDBTableSource(database=str(tmp_path / "none.duckdb"), table="grid.hourly_load")
    with pytest.raises(SourceError, match=r"none\.duckdb not found"):
        missing.time_range()
