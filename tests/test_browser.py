"""The page in a real browser: Playwright driving Debian's chromium (headless).

Skipped only where no chromium is installed; `.ci/run` installs it."""
from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Iterator

import pytest

from serving import served

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    from matdiff.web.app import app
    with served(app) as url:
        yield url + "/"


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        pg = browser.new_page()
        pg.goto(server)
        yield pg
        browser.close()


def test_type_an_expression_and_get_the_answer(page, tmp_path: Path) -> None:
    page.fill("#expr", "norm2(X'*W)^2")
    page.fill("#wrt", "W")
    page.click("#derive")
    page.wait_for_selector("#results:not(.hidden)")
    assert page.inner_text("#text") == "2*X*X'*W"
    assert "agrees" in page.inner_text("#check")
    assert "def d1_dW(W, X):" in page.inner_text("#code")
    assert page.query_selector("#math math") is not None
    shot = page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
    from PIL import Image
    image = Image.open(io.BytesIO(shot)).convert("L")
    low, high = image.getextrema()
    assert high - low > 100, "the screenshot is blank"
    assert len(set(image.resize((64, 64)).get_flattened_data())) > 10


def test_bad_expression_shows_an_inline_error(page) -> None:
    page.fill("#expr", "(x'*A*x")
    page.fill("#wrt", "x")
    page.click("#derive")
    page.wait_for_selector("#error:not(.hidden)")
    text = page.inner_text("#error-text")
    assert "ends too early" in text and "^" in text
    assert page.is_hidden("#results")


def test_variables_table_follows_the_expression(page) -> None:
    page.fill("#expr", "x'*A*x")
    page.wait_for_function("document.querySelectorAll('#variables tbody tr').length == 2")
    page.select_option("select[data-name=A]", "symmetric")
    page.fill("#wrt", "x")
    page.click("#derive")
    page.wait_for_selector("#results:not(.hidden)")
    page.wait_for_function("document.getElementById('text').textContent == '2*A*x'")
