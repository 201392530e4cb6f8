"""The house: one stage per module, data flowing one way. No module imports a later
stage (not even inside a function, the shells aside), no import cycle, files under 600
lines, and engine defects are not bad input."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import matdiff
from matdiff.errors import InternalError, MatdiffError

SRC = Path(matdiff.__file__).parent
#: The stages, earliest first: a module may import its own stage or an earlier one.
STAGES = ["errors", "dims", "intexpr", "expr", "indexing", "ops", "syntax", "evaluate", "simplify",
          "calculus", "explain", "render", "codegen", "check", "api", "__init__", "web", "cli", "__main__"]
#: The shells, which may import lazily (the server's dependencies only when serving).
SHELLS = ("cli", "web")


def _module(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(p): p for p in SRC.rglob("*.py")}


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(module: str) -> list[tuple[str, bool]]:
    """(imported module, at top level) for each import of the package's own modules;
    imports under ``if TYPE_CHECKING`` are for the type checker only."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out: list[tuple[str, bool]] = []

    def visit(body: list[ast.stmt], top: bool) -> None:
        for node in body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
                continue
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES]
                out.extend((s, top) for s in subs)
                if target in MODULES and len(subs) < len(node.names):
                    out.append((target, top))
            elif isinstance(node, (ast.Import, ast.ImportFrom)) and not getattr(node, "level", 0):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                out.extend((n, top) for n in names if n in MODULES)
            inner = top and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            for field in ("body", "orelse", "finalbody"):
                block = getattr(node, field, None)
                if isinstance(block, list):
                    visit(block, inner)
            for handler in getattr(node, "handlers", []):
                visit(handler.body, inner)
    visit(ast.parse(path.read_text()).body, True)
    return out


GRAPH = {m: _imports(m) for m in MODULES}


def test_no_stage_imports_a_later_one() -> None:
    wrong = [(m, t) for m, edges in GRAPH.items() for t, _ in edges
             if STAGES.index(_stage(t)) > STAGES.index(_stage(m))]
    assert not wrong, f"imports of a later stage: {wrong}"


def test_imports_inside_functions_only_in_the_shells() -> None:
    wrong = [(m, t) for m, edges in GRAPH.items() for t, top in edges
             if not top and _stage(m) not in SHELLS]
    assert not wrong, f"imports inside functions (a hidden cycle): {wrong}"


def test_no_import_cycle() -> None:
    edges = {m: {t for t, top in e if top} for m, e in GRAPH.items()}
    done: set[str] = set()

    def visit(m: str, path: list[str]) -> None:
        if m in path:
            pytest.fail(f"import cycle: {' → '.join(path[path.index(m):] + [m])}")
        if m in done:
            return
        for t in edges[m]:
            visit(t, path + [m])
        done.add(m)
    for m in edges:
        visit(m, [])


def test_files_are_under_600_lines() -> None:
    long = {str(p.relative_to(SRC)): n for p in SRC.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 600}
    assert not long


def test_a_defect_is_not_bad_input() -> None:
    assert not issubclass(InternalError, MatdiffError)
