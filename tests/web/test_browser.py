"""End-to-end: the web app in a real headless Chromium (the system's /usr/bin/chromium and
/usr/bin/chromedriver, Debian ``chromium`` and ``chromium-driver``, which ``sh
tools/install.sh --tests`` installs; nothing is downloaded), driven by Selenium through
the journeys of issue 21: open an example, edit a rent, see the validation message for a
negative value (the words of ``renewfin validate``), run and see the coverage change, run
a 2,000-scenario Monte Carlo to completion with the progress bar moving (and cancel a
100,000-scenario one), download the workbook (opened with openpyxl) and the report;
upload, duplicate, rename and delete a project; user text shown as text; the English
switch. The server runs as ``renewfin serve --port 0`` in a subprocess and is always
stopped."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from renewfin.cli import main
from renewfin.spec import load_spec
from renewfin.spec.io import to_data
from report.test_render import CHROMIUM
from report.test_render import FLAGS as CHROMIUM_FLAGS

from .conftest import ROOT, serving

CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = [*CHROMIUM_FLAGS, "--window-size=1400,1000"]
MODEL = ROOT / "models" / "old_community.yaml"
OPEN_AND_SHOW = """
for (let d = arguments[0].closest('details'); d; d = d.parentElement.closest('details')) {
  d.open = true;
}
arguments[0].scrollIntoView({block: 'center'});
"""
"""Opens the collapsed sections around an element and scrolls to it."""
WAIT = 120.0
"""Longest wait for anything the page does [s]."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``renewfin serve`` on a free port over a fresh workspace: (address, workspace)."""
    workspace = tmp_path_factory.mktemp("browser") / "workspace"
    with serving(workspace) as (url, _):
        yield url, workspace


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, downloads: Path) -> Iterator[Any]:
    """Headless Chromium through the system's chromedriver, with a fresh profile."""
    for tool in (CHROMIUM, CHROMEDRIVER):
        if not os.access(tool, os.X_OK):
            pytest.fail(
                f"{tool} not found: install chromium and chromium-driver "
                "(sh tools/install.sh --tests does)"
            )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('profile')}")
    opts.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
        yield driver
    finally:
        driver.quit()


def until(check: Callable[[], Any], timeout: float = WAIT, what: str = "") -> Any:
    """The first truthy value of ``check()``, polled until ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except Exception:  # an element not there yet
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(0.05)


def css(driver: Any, selector: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


def open_page(driver: Any, url: str) -> None:
    driver.get(url)
    until(lambda: driver.execute_script("return document.body.dataset.ready === '1'"), what="page")


def open_example(driver: Any, url: str, example: str = "old_community") -> str:
    """Open a bundled example from the side bar; the new project's name."""
    from selenium.webdriver.support.ui import Select

    open_page(driver, url)
    before = {
        a.get_attribute("data-project")
        for a in driver.find_elements("css selector", "#project-list a")
    }
    Select(css(driver, "#example-select")).select_by_value(example)
    css(driver, "#example-form button").click()
    name = until(
        lambda: (
            {
                a.get_attribute("data-project")
                for a in driver.find_elements("css selector", "#project-list a")
            }
            - before
        ),
        what="the new project",
    )
    until(lambda: css(driver, "#project-name").text in name, what="the project opened")
    return str(next(iter(name)))


def tab(driver: Any, name: str) -> None:
    css(driver, f".tabs [data-tab={name}]").click()


def field(driver: Any, path: str) -> Any:
    """The input of the form field at ``path``, its section opened."""
    row = css(driver, f'[data-path="{path}"]')
    driver.execute_script(OPEN_AND_SHOW, row)
    return row.find_element("css selector", "input, select, textarea")


def type_into(driver: Any, element: Any, text: str) -> None:
    element.clear()
    element.send_keys(text)


def run_and_read(driver: Any, key: str, previous: str | None = None) -> str:
    """Wait for a run's result and read the key figure ``key``."""

    def value() -> str | None:
        text = css(driver, f'#headline [data-metric="{key}"] .value').text
        return text if text and text != previous else None

    return str(until(value, what=f"the run's {key}"))


def cli_problem(data: dict[str, Any], tmp: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The problem lines ``renewfin validate`` prints for ``data``."""
    path = tmp / "edited.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(path)]) == 2
    return [ln[4:] for ln in capsys.readouterr().err.splitlines()[1:]]


def test_edit_a_rent_validate_run_and_see_the_coverage_change(
    server: tuple[str, Path], browser: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, workspace = server
    name = open_example(browser, url)
    stored = workspace / name / "spec.yaml"
    original = stored.read_bytes()
    tab(browser, "run")
    css(browser, "#btn-run").click()
    before = run_and_read(browser, "bond_coverage")
    seconds = float(until(lambda: css(browser, "#run-time").text.split()[1], what="run time"))
    until(lambda: len(browser.find_elements("css selector", "#run-charts img")) == 3, what="charts")
    with capsys.disabled():
        print(f"\n[web] deterministic run of old_community shown in {seconds:.2f} s (page timing)")

    tab(browser, "edit")
    data = to_data(load_spec(MODEL))
    rent = next(i for i, r in enumerate(data["revenues"]) if r["kind"] == "rent")
    price = field(browser, f"revenues[{rent}].unit_price")
    type_into(browser, price, "-5")
    row = css(browser, f'[data-path="revenues[{rent}].unit_price"]')
    shown = until(lambda: row.find_element("css selector", ".problem").text, what="the message")
    data["revenues"][rent]["unit_price"] = -5
    assert shown.splitlines() == cli_problem(data, tmp_path, capsys)
    css(browser, "#btn-save").click()
    until(lambda: "问题" in css(browser, "#edit-status").text, what="refused save")
    assert stored.read_bytes() == original  # an invalid edit never reaches the file

    doubled = load_spec(MODEL).revenues[rent].unit_price * 3
    type_into(browser, price, f"{doubled:g}")
    until(lambda: "校验通过" in css(browser, "#edit-status").text, what="valid again")
    assert row.find_element("css selector", ".problem").text == ""
    css(browser, "#btn-save-run").click()
    after = run_and_read(browser, "bond_coverage", previous=before)
    assert float(after) > float(before)
    saved = load_spec(stored)
    assert saved.revenues[rent].unit_price == doubled  # stored as a spec the CLI runs
    browser.save_screenshot(str(tmp_path / "run.png"))


def test_add_and_remove_a_list_item_and_solve(server: tuple[str, Path], browser: Any) -> None:
    """A new loan shows what it lacks at its own fields; removing it clears them; the goal
    seek answers with its binding target."""
    url, workspace = server
    name = open_example(browser, url)
    loans = css(browser, '[data-path="funding.loans"]')
    count = len(load_spec(workspace / name / "spec.yaml").funding.loans)
    add = loans.find_element("css selector", ":scope > button.add")
    browser.execute_script(OPEN_AND_SHOW, add)
    add.click()
    row = until(lambda: css(browser, f'[data-path="funding.loans[{count}].name"]'), what="new loan")
    until(
        lambda: "required field is missing" in row.find_element("css selector", ".problem").text,
        what="the missing name at its field",
    )
    assert "问题" in css(browser, "#edit-status").text
    block = css(browser, f'fieldset[data-path="funding.loans[{count}]"]')
    block.find_element("css selector", "legend button.remove").click()
    until(lambda: "校验通过" in css(browser, "#edit-status").text, what="valid without it")
    assert not browser.find_elements("css selector", f'[data-path="funding.loans[{count}]"]')

    tab(browser, "solve")
    until(
        lambda: "special_bonds" in css(browser, "#solve-vary").get_attribute("value"), what="inputs"
    )
    css(browser, "#btn-solve").click()
    card = until(lambda: css(browser, "#solve-value"), what="the answer")
    assert "funding.special_bonds" in card.text
    assert "bond_coverage >= 1.2" in css(browser, "#solve-output").text


def _progress_log(driver: Any) -> None:
    driver.execute_script(
        """
        window.__progress = [];
        const bar = document.getElementById('mc-progress');
        new MutationObserver(() => window.__progress.push([bar.value, bar.max]))
          .observe(bar, {attributes: true});
        """
    )


def _latency(driver: Any, n: int = 5) -> list[float]:
    """Seconds the page waits for the project list, ``n`` times."""
    return [
        driver.execute_async_script(
            "const done = arguments[0]; const t = performance.now();"
            "fetch('/api/projects').then(r => r.json())"
            ".then(() => done((performance.now() - t) / 1000));"
        )
        for _ in range(n)
    ]


def test_monte_carlo_with_a_moving_progress_bar_and_cancel(
    server: tuple[str, Path], browser: Any
) -> None:
    url, _ = server
    open_example(browser, url)
    tab(browser, "risk")
    until(lambda: "情景文件" in css(browser, "#scenario-info").text, what="scenario")
    type_into(browser, css(browser, "#mc-n"), "2000")
    _progress_log(browser)
    css(browser, "#btn-mc").click()
    until(
        lambda: css(browser, "#mc-progress-text").text.startswith("完成："), what="the Monte Carlo"
    )
    log = browser.execute_script("return window.__progress")
    values = [v for v, m in log if m == 2000]
    assert values and max(values) == 2000
    assert any(0 < v < 2000 for v in values), log  # it moved on the way
    assert values == sorted(values)
    rows = browser.find_elements("css selector", "#mc-percentiles tbody tr")
    assert len(rows) > 5
    assert browser.find_elements("css selector", '#mc-output [data-chart="histograms"] img')

    type_into(browser, css(browser, "#mc-n"), "100000")
    css(browser, "#btn-mc").click()
    until(
        lambda: browser.execute_script("return document.getElementById('mc-progress').value > 0"),
        what="the large run started",
    )
    waits = _latency(browser)
    print(
        f"\n[web] /api/projects while 100,000 scenarios run: {max(waits) * 1000:.0f} ms at most "
        f"of {len(waits)} (median {sorted(waits)[len(waits) // 2] * 1000:.0f} ms)"
    )
    css(browser, "#btn-mc-cancel").click()
    until(lambda: "已取消" in css(browser, "#mc-progress-text").text, what="cancelled")
    assert css(browser, "#btn-mc").is_enabled()


def _downloaded(folder: Path, suffix: str) -> Path:
    def done() -> Path | None:
        found = [p for p in folder.iterdir() if p.suffix == suffix]
        partial = [p for p in folder.iterdir() if p.suffix == ".crdownload"]
        return found[0] if found and not partial else None

    return Path(until(done, what=f"a {suffix} download"))


def test_download_the_workbook_and_the_report(
    server: tuple[str, Path], browser: Any, downloads: Path
) -> None:
    url, _ = server
    open_example(browser, url)
    tab(browser, "download")
    css(browser, "#dl-xlsx").click()
    book = openpyxl.load_workbook(_downloaded(downloads, ".xlsx"))
    assert {"Inputs", "Outputs", "Checks"} <= set(book.sheetnames)
    css(browser, "#dl-html").click()
    html = _downloaded(downloads, ".html").read_text(encoding="utf-8")
    assert "财务评价报告" in html and load_spec(MODEL).project.name in html


def test_upload_duplicate_rename_delete(
    server: tuple[str, Path], browser: Any, tmp_path: Path
) -> None:
    url, workspace = server
    open_page(browser, url)
    path = tmp_path / "mine.yaml"
    path.write_bytes(MODEL.read_bytes())
    css(browser, "#upload-file").send_keys(str(path))
    type_into(browser, css(browser, "#upload-name"), "上传的项目")
    css(browser, "#upload-form button").click()
    until(lambda: css(browser, "#project-name").text == "上传的项目", what="uploaded")
    assert (workspace / "上传的项目" / "spec.yaml").is_file()

    def answer(text: str | None, ok: bool = True) -> None:
        until(lambda: css(browser, "#dialog").get_attribute("open") is not None, what="dialog")
        if text is not None:
            type_into(browser, css(browser, "#dialog-input"), text)
        css(browser, "#dialog-ok" if ok else "#dialog-cancel").click()

    css(browser, "#btn-duplicate").click()
    answer("副本")
    until(lambda: css(browser, "#project-name").text == "副本", what="duplicated")
    css(browser, "#btn-rename").click()
    answer("改名后")
    until(lambda: css(browser, "#project-name").text == "改名后", what="renamed")
    assert sorted(p.name for p in workspace.iterdir()) >= ["上传的项目", "改名后"]
    assert not (workspace / "副本").exists()
    css(browser, "#btn-delete").click()
    answer(None, ok=False)  # the confirmation declined: nothing happens
    assert (workspace / "改名后").is_dir()
    css(browser, "#btn-delete").click()
    assert "改名后" in css(browser, "#dialog-text").text
    answer(None)
    until(lambda: not (workspace / "改名后").exists(), what="deleted")
    until(
        lambda: not browser.find_elements("css selector", '#project-list a[data-project="改名后"]'),
        what="the list without it",
    )

    css(browser, "#upload-file").send_keys(str(ROOT / "pyproject.toml"))
    css(browser, "#upload-form button").click()
    message = until(lambda: css(browser, "#side-message").text, what="the refusal")
    assert "expected a spec" in message


def test_user_text_is_shown_as_text(server: tuple[str, Path], browser: Any, tmp_path: Path) -> None:
    url, workspace = server
    hostile = '<img src=x onerror="window.__pwned=1">'
    data = yaml.safe_load(MODEL.read_text(encoding="utf-8"))
    data["project"]["name"] = hostile
    data["investment"][0]["name"] = "<b>改造</b>"
    data["revenues"][0]["quantity_unit"] = "<i>个</i>"
    folder = workspace / "hostile"
    folder.mkdir(parents=True)
    (folder / "spec.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    open_page(browser, url)
    css(browser, '#project-list a[data-project="hostile"]').click()
    until(lambda: css(browser, "#project-title").text == hostile, what="the title as text")
    tab(browser, "run")
    css(browser, "#btn-run").click()
    run_and_read(browser, "bond_coverage")
    assert browser.execute_script("return window.__pwned") is None
    assert not browser.find_elements("css selector", 'img[src="x"]')
    assert not browser.find_elements("css selector", "#spec-form b, #spec-form i, #run-output b")
    tables = css(browser, "#run-output [data-table]").text
    assert "<b>改造</b>" in tables  # the item name, as text, in the investment estimate


def test_the_page_in_english(server: tuple[str, Path], browser: Any) -> None:
    url, _ = server
    open_page(browser, url)
    css(browser, "#lang-switch").click()
    until(
        lambda: browser.execute_script("return document.body.dataset.lang") == "en", what="English"
    )
    until(lambda: browser.execute_script("return document.body.dataset.ready === '1'"), what="page")
    assert css(browser, ".tabs [data-tab=edit]").get_attribute("textContent") == "Edit"
    css(browser, "#project-list a").click()
    label = until(lambda: css(browser, '[data-path="project.name"] .primary').text, what="form")
    assert label == "Name"
    css(browser, "#lang-switch").click()  # back to Chinese for the other tests
    until(lambda: browser.execute_script("return document.body.dataset.lang") == "zh", what="zh")
