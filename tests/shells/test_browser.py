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
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server: str) -> Iterator[object]:
    """A fresh page for each test, so that no test sees another's state."""
    pg = browser.new_page()
    pg.goto(server)
    yield pg
    pg.close()


def derive(page, expr: str, wrt: str) -> None:
    page.fill("#expr", expr)
    page.fill("#wrt", wrt)
    page.click("#derive")
    page.wait_for_selector("#results:not(.hidden):not(.stale), #error:not(.hidden)")


def shows(page, element: str, text: str) -> None:
    """Wait until ``element`` shows exactly ``text``, the result no longer stale."""
    page.wait_for_function("([id, want]) => document.getElementById(id).textContent == want && "
                           "!document.getElementById('results').classList.contains('stale')",
                           arg=[element, text])


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
    page.select_option("select[data-name=A][data-field=structure]", "symmetric")
    page.fill("#wrt", "x")
    page.click("#derive")
    page.wait_for_selector("#results:not(.hidden)")
    page.wait_for_function("document.getElementById('text').textContent == '2*A*x'")


def test_a_new_problem_does_not_inherit_the_old_ones_settings(page) -> None:
    """A symmetric for x'*A*x must not make tr(A*X*B) answer A*B'; a shape y=3x2 left from
    X*y must not break the logistic loss."""
    page.fill("#expr", "x'*A*x")
    page.wait_for_function("document.querySelectorAll('#variables tbody tr').length == 2")
    page.select_option("select[data-name=A][data-field=structure]", "symmetric")
    derive(page, "x'*A*x", "x")
    shows(page, "text", "2*A*x")
    derive(page, "tr(A*X*B)", "X")
    shows(page, "text", "A'*B'")
    assert page.input_value("select[data-name=A][data-field=structure]") == ""
    page.fill("#expr", "X*y")
    page.wait_for_function("document.querySelectorAll('#variables tbody tr').length == 2")
    page.fill("input[data-name=y]", "3x2")
    page.dispatch_event("input[data-name=y]", "change")
    derive(page, "X*y", "X")
    derive(page, "sum(log(vector(1) + exp(-y.*(X*w))))", "w")
    assert page.is_hidden("#error")
    assert "sigmoid" in page.inner_text("#text")


def test_editing_the_table_derives_again(page) -> None:
    derive(page, "x'*A*x", "x")
    shows(page, "text", "(A + A')*x")
    page.select_option("select[data-name=A][data-field=structure]", "symmetric")
    shows(page, "text", "2*A*x")
    page.fill("#expr", "x'*B*x")  # the result on screen is marked stale, then derived again
    shows(page, "text", "(B + B')*x")


def test_steps_are_math_and_their_latex_can_be_copied(page) -> None:
    derive(page, "norm2(X'*W)^2", "W")
    assert page.eval_on_selector_all("#steps li", "items => items.filter(li => li.querySelector('math')).length") >= 2
    latex = page.text_content("#steps-latex")
    assert latex.startswith("\\begin{aligned}") and "\\mathrm{d}" in latex
    page.click("button[data-copy=steps-latex]")


def test_unknown_functions_field(page) -> None:
    page.fill("#functions", "g:G")
    derive(page, "g(expm(X))", "X")
    assert page.is_hidden("#error")
    assert "G" in page.inner_text("#text")


def test_order_four_and_the_shape_of_the_result(page) -> None:
    page.select_option("#order", "4")
    derive(page, "(x'*x)^2", "x")
    assert page.inner_text("#text").startswith("∂⁴f/∂x[m]∂x[r]∂x[t]∂x[v]")
    assert "a 4th-order tensor" in page.inner_text("#shape")
    page.select_option("#order", "1")
    derive(page, "X'", "X")
    assert page.inner_text("#shape") == "shape: (cols(X)×rows(X))×(rows(X)×cols(X)), a 4th-order tensor"


def test_the_type_column_makes_a_vector_a_scalar(page) -> None:
    derive(page, "t*x", "x")
    assert page.is_visible("#error")
    page.select_option("select[data-name=t][data-field=kind]", "scalar")
    shows(page, "text", "t*eye(len(x))")


def test_the_common_subexpressions_switch(page) -> None:
    derive(page, "sum(tanh(A*x + b).^2)", "x")
    assert "where T1 = tanh(A*x + b)" in page.inner_text("#text")
    page.uncheck("#share")
    page.wait_for_function("!document.getElementById('text').textContent.includes('where')")
    assert "tanh(A*x + b)" in page.inner_text("#text")


def test_enter_derives(page) -> None:
    page.fill("#expr", "tr(A*X)")
    page.fill("#wrt", "X")
    page.press("#expr", "Enter")
    shows(page, "text", "A'")


def test_a_narrow_viewport(browser, server: str) -> None:
    pg = browser.new_page(viewport={"width": 400, "height": 800})
    pg.goto(server)
    derive(pg, "norm2(X'*W)^2", "W")
    assert pg.evaluate("document.documentElement.scrollWidth") <= 400
    box = pg.query_selector("#derive").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 400
    pg.close()


def test_typed_markup_is_never_run(page) -> None:
    page.fill("#expr", "x'*A*x")
    page.wait_for_function("document.querySelectorAll('#variables tbody tr').length == 2")
    evil = '"><img src=x onerror="window.pwned=1">'
    page.fill("input[data-name=A]", evil)
    page.dispatch_event("input[data-name=A]", "change")
    page.fill("#wrt", "x")
    page.click("#derive")
    page.wait_for_selector("#error:not(.hidden)")
    page.fill("#expr", "x'*A*x + 0")
    page.wait_for_timeout(600)
    assert page.evaluate("window.pwned") is None
    assert page.query_selector("#variables img") is None
