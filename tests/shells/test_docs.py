"""The documentation builds with mkdocs, strictly and fully offline, and the
tutorial's sessions print what matdiff prints."""
from __future__ import annotations

import doctest
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def test_docs_build_strict_and_offline(tmp_path: Path) -> None:
    site = tmp_path / "site"
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    for page in ("conventions", "tutorial", "faq", "comparison", "functions"):
        assert (site / page / "index.html").exists(), page
    loads = re.compile(r"<(?:script|link|img)[^>]*(?:src|href)=\"(?:https?:)?//", re.I)
    remote = [str(p.relative_to(site)) for p in site.rglob("*.html") if loads.search(p.read_text())]
    assert not remote, f"pages that load from the network: {remote}"


def test_every_page_is_in_the_navigation() -> None:
    nav = (ROOT / "mkdocs.yml").read_text()
    assert not [p.name for p in DOCS.glob("*.md") if p.name not in nav]


def test_the_tutorial_prints_what_matdiff_prints() -> None:
    result = doctest.testfile(str(DOCS / "tutorial.md"), module_relative=False,
                              optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.attempted >= 15
    assert result.failed == 0


def test_the_faq_and_the_comparison_quote_real_output() -> None:
    import matdiff
    faq, comparison = (DOCS / "faq.md").read_text(), (DOCS / "comparison.md").read_text()
    assert str(matdiff.derivative("g(X^2)", wrt="X", functions={"g": "G"})) in faq
    for expr, wrt in [("norm2(X'*W)^2", "W"), ("logdet(X)", "X"), ("det(X)", "X"), ("tr(inv(X))", "X"),
                      ("tr(expm(X))", "X")]:
        assert f"`{matdiff.derivative(expr, wrt=wrt)}`" in comparison, expr
