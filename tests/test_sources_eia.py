"""The EIA API v2 source against a replay server on 127.0.0.1: paging, retries, a refused key, a changed answer."""

import pandas as pd
import pytest
from eia_replay import KEY, EIAReplay, demand_rows

from resources.sources.base import SourceError
from resources.sources.eia import EIASeriesSource

AUTHORITIES = {"PJM": "PJM Interconnection, LLC", "MISO": "Midcontinent Independent System Operator, Inc.",
               "CISO": "California Independent System Operator"}  # fmt: skip
DAY = pd.Timestamp("2024-03-02")


@pytest.fixture
def replay():
    server = EIAReplay(demand_rows(AUTHORITIES, "2024-03-01T00", 72))
    yield server
    server.stop()


def source(replay, **settings) -> EIASeriesSource:
    return EIASeriesSource(**{"api_key": KEY, "base_url": replay.base_url, "backoff_seconds": 0.01, **settings})


def test_a_day_arrives_page_by_page_until_the_total_with_each_authority_as_a_series(replay):
    day = source(replay, page_length=10).fetch(DAY, DAY + pd.Timedelta(days=1))
    assert day.groupby("series_id").size().to_dict() == {"CISO": 24, "MISO": 24, "PJM": 24}
    pjm = day[day["series_id"] == "PJM"]
    assert pjm["timestamp"].tolist() == list(pd.date_range(DAY, periods=24, freq="h"))
    assert pjm["value"].tolist() == [1000.0 + hour for hour in range(24)]
    offsets = [int(query["offset"][0]) for query in replay.requests]
    assert offsets == list(range(0, 72, 10)) and all(query["length"] == ["10"] for query in replay.requests)
    first = replay.requests[0]
    assert (first["start"], first["end"], first["frequency"]) == (["2024-03-02T00"], ["2024-03-02T23"], ["hourly"])
    assert first["facets[type][]"] == ["D"] and first["data[0]"] == ["value"]


def test_chosen_authorities_are_sent_as_respondent_facets(replay):
    day = source(replay, respondents=["PJM", "CISO"]).fetch(DAY, DAY + pd.Timedelta(days=1))
    assert sorted(day["series_id"].unique()) == ["CISO", "PJM"]
    assert replay.requests[0]["facets[respondent][]"] == ["PJM", "CISO"]


def test_rate_limits_and_server_errors_are_retried_then_the_page_is_served(replay):
    replay.failures = [429, 503, 502]
    assert len(source(replay).fetch(DAY, DAY + pd.Timedelta(days=1))) == 72
    assert len(replay.requests) == 4


def test_it_gives_up_after_max_attempts_naming_the_last_status(replay):
    replay.failures = [503] * 3
    with pytest.raises(SourceError, match=r"^EIA electricity/rto/region-data: gave up after 3 attempts \(last: HTTP 503\)"):
        source(replay, max_attempts=3).fetch(DAY, DAY + pd.Timedelta(days=1))


def test_a_bad_key_is_named_with_the_apis_message_and_how_to_fix_it_without_showing_the_key(replay):
    with pytest.raises(SourceError, match=r"the API key was refused \(HTTP 403: An invalid api_key was supplied.*"
                                          r"set EIA_API_KEY") as raised:  # fmt: skip
        source(replay, api_key="wrong-secret").fetch(DAY, DAY + pd.Timedelta(days=1))
    assert "wrong-secret" not in str(raised.value)


def test_a_changed_answer_names_the_missing_field(replay):
    replay.drop_fields = ("respondent",)
    with pytest.raises(SourceError, match=r"record 1 lacks 'respondent' \(response changed\?\); it has 'period'"):
        source(replay).fetch(DAY, DAY + pd.Timedelta(days=1))


def test_the_range_comes_from_the_routes_metadata_and_an_empty_window_is_named(replay):
    assert source(replay).time_range() == (pd.Timestamp("2024-03-01 00:00"), pd.Timestamp("2024-03-03 23:00"))
    with pytest.raises(SourceError, match=r"no rows with 2024-05-01 00:00:00 <= period < 2024-05-02 00:00:00"):
        source(replay).fetch(pd.Timestamp("2024-05-01"), pd.Timestamp("2024-05-02"))


def test_the_key_is_read_from_eia_api_key_through_an_env_var(replay, monkeypatch):
    from resources.sources.spec import source_from_spec

    monkeypatch.setenv("EIA_API_KEY", KEY)
    spec_source = source_from_spec("eia:pjm,MISO")
    assert spec_source.respondents == ["PJM", "MISO"]
    configured = spec_source.model_copy(update={"base_url": replay.base_url})
    assert sorted(configured.fetch(DAY, DAY + pd.Timedelta(days=1))["series_id"].unique()) == ["MISO", "PJM"]
    monkeypatch.delenv("EIA_API_KEY")
    with pytest.raises(SourceError, match="no API key; set EIA_API_KEY"):
        configured.fetch(DAY, DAY + pd.Timedelta(days=1))
