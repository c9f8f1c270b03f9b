"""The viewer in a real headless browser (Debian's chromium + chromium-driver, selenium).

Loads the page for a paired and a single-end archive, moves the record slider with the
keyboard, filters the table, searches a pattern and checks what is displayed against the
callbacks' own numbers; saves a screenshot in the test's tmp dir (and, when
PHYNGSC_SCREENSHOT names a file, there too: docs/viewer.png is made that way).
"""

import math
import os
import shutil
import threading
import time

import pytest

import phyngsc

from ..conftest import SHARED

dash = pytest.importorskip("dash", reason="the viz extra (dash, dash-bio) is not installed")
pytest.importorskip("dash_bio", reason="dash-bio is not installed")
selenium = pytest.importorskip("selenium", reason="selenium is not installed (test extra)")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)")


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--window-size=1400,1900"):
        opts.add_argument(a)
    opts.binary_location = CHROMIUM
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    yield driver
    driver.quit()


def serve(path):
    from werkzeug.serving import make_server

    from phyngsc.viewer.app import create_app
    app = create_app(str(path))
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server


#: How long a step may take: a callback's first call of a kernel compiles it when the
#: cache is cold (every CI run), which took over 30 s on a 2-vCPU machine under load
#: (the pattern search of the first archive, once).
STEP_TIMEOUT = 180.0


def wait_for(fn, timeout=STEP_TIMEOUT, what="condition"):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            value = fn()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - the page is still rendering
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what} (last error: {last})")


def focus(driver, element):
    """Scroll ``element`` to the middle of the window and give it the keyboard (a click
    could land on a tooltip drawn over it)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); "
                          "arguments[0].focus();", element)


def cells(driver, column):
    from selenium.webdriver.common.by import By
    return [e.text for e in driver.find_elements(
        By.CSS_SELECTOR, f"#table td[data-dash-column='{column}']")]


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is missing")
    import gzip
    d = tmp_path_factory.mktemp("view")
    for name in ("ERR127302_1", "ERR127302_2"):
        (d / f"{name}.fastq").write_bytes(gzip.decompress((SHARED / f"{name}.fastq.gz")
                                                          .read_bytes()))
    phyngsc.compress((str(d / "ERR127302_1.fastq"), str(d / "ERR127302_2.fastq")),
                     str(d / "paired.ngsc"), threads=1, window=1 << 20)
    phyngsc.compress(str(d / "ERR127302_1.fastq"), str(d / "single.ngsc"), threads=1,
                     window=1 << 20)
    return d


@pytest.mark.parametrize("kind", ["paired", "single"])
def test_viewer_in_browser(browser, archives, tmp_path, kind):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from phyngsc.viewer import callbacks as cb
    app, server = serve(archives / f"{kind}.ngsc")
    data = app.phyngsc_data
    try:
        browser.get(f"http://127.0.0.1:{server.server_port}/")
        want = "40,000 (20,000 pairs)" if kind == "paired" else "20,000"
        assert wait_for(lambda: browser.find_element(By.ID, "summary-records").text == want,
                        what="the summary header")
        assert browser.find_element(By.ID, "summary-quality-encoding").text.startswith(
            "Sanger/Phred+33")
        rows = cb.table(data, 0, [0, cb.DEFAULT_READS - 1], None)
        wait_for(lambda: cells(browser, "title")[:3] == [r["title"] for r in rows[:3]],
                 what="the table's first rows")
        if kind == "paired":
            assert cells(browser, "mate")[:4] == ["1", "2", "1", "2"]

        # move the left handle of the record slider 5 steps right: records 5..199
        handle = browser.find_element(By.CSS_SELECTOR, "#records [role=slider]")
        focus(browser, handle)
        handle.send_keys(*[Keys.ARROW_RIGHT] * 5)
        wait_for(lambda: cells(browser, "record")[:1] == ["5"], what="the slider to apply")
        title = browser.find_element(By.CSS_SELECTOR, "#heatmap .gtitle").text
        assert title == "Quality by position, reads 5–199 of sub-block 0"

        # filter the table natively: mean quality above 38
        expected = [r for r in cb.table(data, 0, [5, cb.DEFAULT_READS - 1], None)
                    if r["mean_quality"] > 38]
        box = browser.find_element(
            By.CSS_SELECTOR, "#table th.dash-filter[data-dash-column='mean_quality'] input")
        focus(browser, box)
        box.send_keys("> 38", Keys.ENTER)
        wait_for(lambda: cells(browser, "record")[:1] == [str(expected[0]["record"])],
                 what="the table filter")
        shown = [float(v) for v in cells(browser, "mean_quality")]
        assert shown and all(v > 38 for v in shown)
        assert shown == [r["mean_quality"] for r in expected[:len(shown)]]
        pages = browser.find_element(By.CSS_SELECTOR, "#table .last-page").text
        assert int(pages) == math.ceil(len(expected) / 12)

        # reads containing a pattern, searched in the sub-block
        hits = len(data.matching(0, "GGATC"))
        pattern = browser.find_element(By.ID, "pattern")
        focus(browser, pattern)
        pattern.send_keys("GGATC", Keys.ENTER)
        wait_for(lambda: browser.find_element(By.ID, "alignment-note").text.startswith(
            f"{hits:,} reads of sub-block 0 contain GGATC"), what="the pattern search")

        browser.execute_script("window.scrollTo(0, 0);")
        time.sleep(0.5)
        shot = tmp_path / f"viewer-{kind}.png"
        assert browser.save_screenshot(str(shot))
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        target = os.environ.get("PHYNGSC_SCREENSHOT")
        if target and kind == "paired":
            shutil.copy(shot, target)
    finally:
        server.shutdown()
        data.close()
