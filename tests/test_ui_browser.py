"""What a user sees after a short demo, in a real headless Chromium: the lineage, the forecast_accuracy asset page
with its embedded picture of forecasts against actuals (and the page with every series it links), raw_series'
check history, champion_model's decision (fitting its column), drift_report's links, a run, the Automation tick
history with its skip reasons, the Overview timeline, the Evidently dashboard and a day's Evidently report load
without a console error, without an empty placeholder where a plot is promised, and every promised picture is a
decoded image.

Chromium and its driver come from Debian's packages; the test installs them with apt-get when they are missing.
UI_TEST_HOME=<a FORECAST_HOME that `make demo` left> checks that state instead of running a short demo first (the
reports server then takes the port of FORECAST_REPORTS_URL, default 8001, which the demo wrote its links with).
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
# Console messages that are not errors of the pages under test (the browser asking for an icon we do not serve).
BENIGN = ("favicon.ico",)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_chromium() -> None:
    if CHROMIUM.exists() and DRIVER.exists():
        return
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-q"], check=True, env=env, timeout=600)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium", "chromium-driver"],
                   check=True, env=env, timeout=900)


def _wait_until(predicate, timeout: float, what: str, poll: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out after {timeout:.0f}s waiting for {what}"
        time.sleep(poll)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _short_demo(tmp_path_factory, reports_port: int) -> Path:
    """A FORECAST_HOME holding one live day after 30 days of history (the weekly lag features need three full weeks
    before the drift reference window), with links written for the reports server's port."""
    home = tmp_path_factory.mktemp("ui_home")
    dagster_home = home / "dagster_home"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\nnux:\n  enabled: false\n")
    env = {**os.environ, "FORECAST_HOME": str(home), "DAGSTER_HOME": str(dagster_home),
           "FORECAST_REPORTS_URL": f"http://127.0.0.1:{reports_port}", "FORECAST_PARTITIONS_END": "data"}
    env.pop("FORECAST_SOURCE", None)
    demo = subprocess.run([sys.executable, "-m", "demo", "--history-periods", "720", "--live-partitions", "1"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert demo.returncode == 0, demo.stderr[-3000:]
    return home


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A short demo's FORECAST_HOME (or UI_TEST_HOME's), and `make ui`'s three servers over it."""
    _ensure_chromium()
    reused = os.environ.get("UI_TEST_HOME")
    reports_port = (int(os.environ.get("FORECAST_REPORTS_URL", "http://127.0.0.1:8001").rsplit(":", 1)[1].strip("/"))
                    if reused else _free_port())
    home = Path(reused).resolve() if reused else _short_demo(tmp_path_factory, reports_port)  # DAGSTER_HOME: absolute
    ports = {"dagster": _free_port(), "evidently": _free_port(), "reports": reports_port}
    env = {**os.environ, "FORECAST_HOME": str(home), "DAGSTER_HOME": str(home / "dagster_home"),
           "FORECAST_REPORTS_URL": f"http://127.0.0.1:{reports_port}", "FORECAST_PARTITIONS_END": "data"}
    env.pop("FORECAST_SOURCE", None)
    ui = subprocess.Popen([sys.executable, "-m", "demo.ui", "--dagster-port", str(ports["dagster"]),
                           "--evidently-port", str(ports["evidently"]), "--reports-port", str(ports["reports"])],
                          cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    try:
        _wait_until(lambda: ui.poll() is not None or all(
            _answers(u) for u in (urls["dagster"] + "/server_info", urls["evidently"] + "/api/projects",
                                  urls["reports"] + "/")), 150, "the three servers")
        assert ui.poll() is None, f"make ui exited with {ui.returncode}"
        yield urls
    finally:
        ui.terminate()  # SIGTERM: the launcher stops its process groups
        ui.wait(timeout=90)


@pytest.fixture(scope="module")
def browser(site):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000"):
        options.add_argument(argument)
    options.binary_location = str(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _open(browser, url: str, text: str, timeout: float = 45):
    """Load url and wait until the page shows text."""
    browser.get_log("browser")  # drop what earlier pages logged
    browser.get(url)
    _wait_until(lambda: text in browser.find_element("tag name", "body").text, timeout, f"{text!r} on {url}")


def _console_errors(browser) -> list[str]:
    return [e["message"] for e in browser.get_log("browser")
            if e["level"] == "SEVERE" and not any(b in e["message"] for b in BENIGN)]


def _decoded_pngs(browser) -> list[int]:
    """Widths of the data-URI PNGs on the page that the browser decoded (0 = a broken picture)."""
    return browser.execute_script(
        "return Array.from(document.images).filter(i => i.src.startsWith('data:image/png'))"
        ".map(i => i.complete ? i.naturalWidth : 0)")


@pytest.mark.slow
def test_the_lineage_shows_the_lifecycle(site, browser):
    _open(browser, site["dagster"] + "/asset-groups", "Global asset lineage")
    # The global lineage opens with one collapsed box per lifecycle stage (group_name).
    _wait_until(lambda: all(group in browser.find_element("tag name", "body").text
                            for group in ("ingestion", "datasets", "training", "inference", "monitoring")),
                30, "the five lifecycle groups")
    assert _console_errors(browser) == []


@pytest.mark.slow
def test_the_accuracy_page_embeds_forecasts_against_actuals_and_links_every_series(site, browser):
    _open(browser, site["dagster"] + "/assets/forecast_accuracy", "forecasts_vs_actuals")
    row = browser.find_element("xpath", "//*[text()='forecasts_vs_actuals']/ancestor::tr")
    row.find_element("xpath", ".//*[contains(text(), 'Show Markdown')]").click()
    widths = _wait_until(lambda: _decoded_pngs(browser), 20, "the embedded picture")
    assert all(w > 300 for w in widths), widths
    link = browser.find_element("xpath", "//*[text()='all_series']/ancestor::tr//a").get_attribute("href")
    assert link.startswith(site["reports"] + "/monitoring/")
    assert _console_errors(browser) == []
    # The page with every series: a chart per series, each drawn (an SVG with its lines' paths filled in).
    _open(browser, link, "worst sMAPE first")
    drawn = browser.execute_script(
        "return Array.from(document.querySelectorAll('figure svg')).map("
        "s => Array.from(s.querySelectorAll('path')).filter(p => (p.getAttribute('d') || '').length > 20).length)")
    assert drawn and all(paths >= 3 for paths in drawn), drawn  # bands, history or actuals, forecast
    assert _console_errors(browser) == []


@pytest.mark.slow
def test_raw_series_checks_have_no_unresolved_evaluations(site, browser):
    _open(browser, site["dagster"] + "/assets/raw_series?view=checks", "missing_steps")
    _open(browser, site["dagster"] + "/assets/raw_series?view=checks&checkDetail=missing_steps", "Execution history")
    body = _wait_until(lambda: (lambda t: "Succeeded" in t and t)(browser.find_element("tag name", "body").text),
                       30, "the check's evaluations")
    assert "Skipped" not in body
    assert _console_errors(browser) == []


@pytest.mark.slow
def test_a_run_page_names_the_schedule_and_tick_that_launched_it(site, browser):
    _open(browser, site["dagster"] + "/runs?q%5B0%5D=tag%3Adagster%2Fschedule_name%3Dmonitoring_schedule",
          "monitoring_job")
    run = browser.find_element("xpath", "//a[starts-with(@href, '/runs/') and string-length(@href) > 20]")
    href = run.get_attribute("href")
    _open(browser, href, "monitoring_schedule")
    assert "Success" in browser.find_element("tag name", "body").text
    assert _console_errors(browser) == []


@pytest.mark.slow
def test_the_automation_pages_show_the_tick_history(site, browser):
    _open(browser, site["dagster"] + "/automation", "drift_retrain_sensor")
    _open(browser, site["dagster"] + "/locations/forecast_platform/schedules/monitoring_schedule", "Tick history")
    _wait_until(lambda: "1 run requested" in browser.find_element("tag name", "body").text, 30, "a tick with its run")
    _open(browser, site["dagster"] + "/locations/forecast_platform/sensors/drift_retrain_sensor", "Evaluations")
    body = lambda: browser.find_element("tag name", "body").text  # noqa: E731
    _wait_until(lambda: "0 runs requested" in body() and "Sensor has never run" not in body(), 30, "a skipped tick")
    assert _console_errors(browser) == []


@pytest.mark.slow
def test_a_quiet_retrain_sensor_tick_says_why_it_requested_nothing(site, browser):
    _open(browser, site["dagster"] + "/locations/forecast_platform/sensors/drift_retrain_sensor", "Evaluations")
    results = "//td//button[contains(., '0 runs requested')]"  # the Result column of the tick history
    skipped = _wait_until(lambda: browser.find_elements("xpath", results), 30, "a skipped tick")
    skipped[0].click()  # opens the tick's details
    body = lambda: browser.find_element("tag name", "body").text  # noqa: E731
    reason = _wait_until(lambda: next((line for line in body().splitlines() if line.startswith("Skip reason:")), None),
                         30, "the skip reason")
    assert "alarm" in reason or "drift_report" in reason, reason  # the policy's words, not Dagster's placeholder
    assert _console_errors(browser) == []


@pytest.mark.slow
def test_the_overview_timeline_draws_the_demo_s_runs_under_the_code_location(site, browser):
    _open(browser, site["dagster"] + "/overview/timeline", "Timeline")
    body = lambda: browser.find_element("tag name", "body").text  # noqa: E731
    # One row per job of the code location that ran in the window (the last 24 hours: after a recent demo).
    _wait_until(lambda: all(job in body() for job in ("ingestion_job", "inference_job", "monitoring_job")), 45,
                "the demo's jobs on the timeline")
    assert "No runs or scheduled ticks" not in body()
    assert "forecast_platform" in body()
    assert _console_errors(browser) == []


@pytest.mark.slow
def test_the_champion_page_s_reason_and_decision_table_fit_the_metadata_column(site, browser):
    _open(browser, site["dagster"] + "/assets/champion_model", "decision_table")
    overflow = ("const row = Array.from(document.querySelectorAll('tr')).find(r => r.cells[0] &&"
                " r.cells[0].innerText === 'decision_table'); const box = row.closest('table').parentElement;"
                " return [box.scrollWidth, box.clientWidth]")
    scroll_width, width = browser.execute_script(overflow)
    assert scroll_width <= width + 1, f"the metadata table is {scroll_width}px wide in a {width}px panel"
    body = browser.find_element("tag name", "body").text
    assert "sMAPE %" in body and "mean over" in body
    assert _console_errors(browser) == []


@pytest.mark.slow
def test_the_drift_page_links_its_report_and_alarm_log_through_the_reports_server(site, browser):
    _open(browser, site["dagster"] + "/assets/drift_report", "alarm_log")
    for key in ("report", "alarm_log"):
        link = browser.find_element("xpath", f"//*[text()='{key}']/ancestor::tr//a").get_attribute("href")
        assert link.startswith(site["reports"] + "/monitoring/"), link
        assert requests.get(link, timeout=10).status_code == 200, link
    assert _console_errors(browser) == []


@pytest.mark.slow
def test_the_evidently_dashboard_plots_every_panel(site, browser):
    projects = requests.get(site["evidently"] + "/api/projects", timeout=10).json()
    assert projects, "the demo left no Evidently project"
    _open(browser, f"{site['evidently']}/projects/{projects[0]['id']}", "Interval coverage", timeout=60)
    from monitoring.dashboard import PANELS

    charts = ("return Array.from(document.querySelectorAll('svg')).filter(s => !String(s.className.baseVal)"
              ".includes('MuiSvgIcon') && s.getBoundingClientRect().width > 200).length")
    drawn = _wait_until(lambda: browser.execute_script(charts) >= len(PANELS), 30, "a chart in every panel")
    assert drawn
    body = browser.find_element("tag name", "body").text
    assert all(title in body for title, _, _ in PANELS)
    assert "No data" not in body
    assert _console_errors(browser) == []


@pytest.mark.slow
def test_a_day_s_evidently_report_opens_with_its_forecasts_against_actuals(site, browser):
    from monitoring.dashboard import FORECAST_VIEW_TITLE

    project = requests.get(site["evidently"] + "/api/projects", timeout=10).json()[0]["id"]
    reports = requests.get(f"{site['evidently']}/api/projects/{project}/reports", timeout=10).json()
    latest = max(reports, key=lambda r: r["timestamp"])
    _open(browser, f"{site['evidently']}/projects/{project}/reports/{latest['id']}", FORECAST_VIEW_TITLE, timeout=60)
    # The widths once every such image has finished loading (0 = broken); null while one is still loading.
    loaded = ("const imgs = Array.from(document.images).filter(i => i.src.includes('/forecasts_vs_actuals.png'));"
              "return imgs.length && imgs.every(i => i.complete) ? imgs.map(i => i.naturalWidth) : null")
    widths = _wait_until(lambda: browser.execute_script(loaded), 30, "the picture in the report")
    assert all(w > 300 for w in widths), widths
    assert browser.find_elements("xpath", "//a[contains(@href, '/forecasts_vs_actuals.html')]")
    assert _console_errors(browser) == []

