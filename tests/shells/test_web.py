"""The JSON API behind the page, through FastAPI's test client."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from matdiff.web.app import app

client = TestClient(app, base_url="http://127.0.0.1:8000")


def local(**options: object) -> TestClient:
    """A client of a fresh app (its own answer cache), on loopback."""
    from matdiff.web import app as web
    return TestClient(web.create_app(**options), base_url="http://127.0.0.1:8000")


def test_page_is_served() -> None:
    r = client.get("/")
    assert r.status_code == 200 and "<title>matdiff" in r.text and "cdn" not in r.text.lower()


def test_derivative() -> None:
    r = client.post("/api/derivative", json={"expr": "norm2(X'*W)^2", "wrt": "W"})
    assert r.status_code == 200
    body = r.json()
    assert body["text"] == "2*X*X'*W"
    assert body["mathml"].startswith("<math")
    assert "agrees" in body["check"]
    assert [v["name"] for v in body["variables"]] == ["W", "X"]


def test_shapes_assumptions_and_order() -> None:
    r = client.post("/api/derivative", json={"expr": "x'*A*x", "wrt": "x", "order": 2,
                                             "assume": {"A": "symmetric"}, "shapes": {"x": "4"}})
    assert r.json()["text"] == "2*A"
    r = client.post("/api/derivative", json={"expr": "X*y", "wrt": "X", "shapes": {"y": "3x2"}})
    assert r.json()["index"] == "∂F[p,q]/∂X[m,n] = δ[p,m]·y[n,q]"


def test_variables() -> None:
    r = client.post("/api/variables", json={"expr": "A*x + b", "shapes": {"b": "n"}})
    assert {v["name"]: v["kind"] for v in r.json()} == {"A": "matrix", "b": "vector", "x": "vector"}


@pytest.mark.parametrize("body, words", [
    ({"expr": "(x'*A*x", "wrt": "x"}, "ends too early"),
    ({"expr": "A*x", "wrt": "x", "shapes": {"A": "3x4", "x": "3"}}, "3x4 matrix"),
    ({"expr": "foo(x)", "wrt": "x"}, "unknown function"),
])
def test_errors_carry_message_and_position(body: dict, words: str) -> None:
    r = client.post("/api/derivative", json=body)
    assert r.status_code == 422
    assert words in r.json()["error"] and isinstance(r.json()["position"], int)


@pytest.mark.parametrize("body", [{"expr": "x" * 20000, "wrt": "x"}, {"expr": "x", "wrt": "x", "order": 9},
                                  {"wrt": "x"}, {"expr": 3, "wrt": "x"}])
def test_invalid_requests_are_422(body: dict) -> None:
    assert client.post("/api/derivative", json=body).status_code == 422


def test_openapi_schema_documents_the_api() -> None:
    schema = client.get("/openapi.json").json()
    assert {"/api/derivative", "/api/variables"} <= set(schema["paths"])


def test_body_size_limit() -> None:
    r = client.post("/api/derivative", content=b"{" + b" " * 70000 + b"}",
                    headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_slow_request_is_cut_off(monkeypatch) -> None:
    import time

    from matdiff.web import app as web

    class Slow:
        def call(self, task: str, query: dict, seconds: float) -> None:
            time.sleep(1.0)
    web._pools()
    monkeypatch.setattr(web, "WAIT_SECONDS", 0.2)
    monkeypatch.setattr(web, "_pools", lambda: {"fast": Slow(), "slow": Slow()})
    r = local().post("/api/derivative", json={"expr": "x", "wrt": "x"})
    assert r.status_code == 503 and "busy" in r.json()["error"]


def _load_bodies() -> list[dict]:
    import importlib.util
    from pathlib import Path
    path = Path(__file__).parents[2] / "benchmarks" / "load.py"
    spec = importlib.util.spec_from_file_location("load", path)
    load = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(load)
    return load.VALID + load.HOSTILE


@pytest.mark.parametrize("body", _load_bodies(), ids=lambda b: str(b)[:40])
def test_load_test_bodies_never_fail_the_server(body: dict) -> None:
    """Every request the load test sends gets an answer or a clear refusal, never a 500
    (a derivative too large to explain once broke the response model)."""
    if isinstance(body, bytes):
        r = client.post("/api/derivative", content=body, headers={"content-type": "application/json"})
    else:
        r = client.post("/api/derivative", json=body)
    assert r.status_code in (200, 413, 422), r.text
    if r.status_code == 200:
        assert isinstance(r.json()["explain"], list)


def test_repeated_queries_are_answered_from_memory() -> None:
    from matdiff.web import app as web
    fresh = local()
    fresh.post("/api/derivative", json={"expr": "x'*A*x", "wrt": "x"})
    calls = web._POOLS["fast"].calls
    first = fresh.post("/api/derivative", json={"expr": "x'*A*x", "wrt": "x"}).json()
    again = fresh.post("/api/derivative", json={"expr": "x'*A*x", "wrt": "x"}).json()
    other = fresh.post("/api/derivative", json={"expr": "x'*A*x", "wrt": "A"}).json()
    assert first == again and other != first and web._POOLS["fast"].calls == calls + 1


def test_the_answer_cache_is_bounded_in_bytes() -> None:
    from matdiff.web.app import Answers
    kept = Answers(10_000)
    for k in range(100):
        kept.put(f"q{k}", b"x" * 500)
    assert kept.size <= 10_000 and kept.get("q99") is not None and kept.get("q0") is None
    kept.put("huge", b"x" * 5000)
    assert kept.get("huge") is None


def test_work_past_the_fast_lane_is_finished_in_the_slow_lane(monkeypatch) -> None:
    from matdiff.web import app as web
    monkeypatch.setattr(web, "FAST_SECONDS", 0.0)
    r = local().post("/api/derivative", json={"expr": "x'*A*x", "wrt": "x"})
    assert r.status_code == 200 and r.json()["text"] == "(A + A')*x"


def test_work_past_both_lanes_is_a_clear_refusal(monkeypatch) -> None:
    from matdiff.web import app as web
    monkeypatch.setattr(web, "FAST_SECONDS", 0.0)
    monkeypatch.setattr(web, "REQUEST_SECONDS", 0.0)
    r = local().post("/api/derivative", json={"expr": "x'*A*x", "wrt": "x"})
    assert r.status_code == 422 and "time budget" in r.json()["error"]


def test_a_full_slow_lane_turns_long_work_away(monkeypatch) -> None:
    from matdiff.web import app as web
    monkeypatch.setattr(web, "FAST_SECONDS", 0.0)
    monkeypatch.setattr(web, "SLOW_WAITING", 0)
    r = local().post("/api/derivative", json={"expr": "x'*A*x", "wrt": "x"})
    assert r.status_code == 429 and r.headers["retry-after"] == str(web.RETRY_AFTER)
    assert "busy" in r.json()["error"]
