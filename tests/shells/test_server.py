"""`matdiff serve` through real HTTP on 127.0.0.1: the gate (Host, Origin, JSON only,
body limits), deadlines for slow clients, and worker processes held to hard limits."""
from __future__ import annotations

import json
import socket
import time
from typing import Iterator

import httpx
import pytest

from matdiff.errors import LimitError, TimeLimitError
from matdiff.web import server as serving
from matdiff.web import workers
from serving import served


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    from matdiff.web.app import create_app
    with served(create_app(allow_hosts=["matdiff.local"]), http=serving.DeadlineH11Protocol,
                timeout_keep_alive=5) as address:
        yield address


def post(url: str, body: object, **headers: str) -> httpx.Response:
    return httpx.post(url + "/api/derivative", json=body, headers=headers, timeout=60)


def test_a_derivation_through_real_http(url: str) -> None:
    r = post(url, {"expr": "norm2(X'*W)^2", "wrt": "W"})
    assert r.status_code == 200 and r.json()["text"] == "2*X*X'*W"


@pytest.mark.parametrize("headers, status", [
    ({"host": "attacker.example"}, 403),  # DNS rebinding: the page's own name, our address
    ({"host": "attacker.example:80"}, 403),
    ({"origin": "http://attacker.example"}, 403),  # another site's page in the user's browser
    ({"origin": "null"}, 403),
    ({"host": "matdiff.local"}, 200),  # allowed with --allow-host
    ({"host": "localhost"}, 200),
])
def test_only_this_machines_pages_are_served(url: str, headers: dict, status: int) -> None:
    r = post(url, {"expr": "x'*x", "wrt": "x"}, **headers)
    assert r.status_code == status, r.text
    if status == 403:
        assert "error" in r.json()


def test_a_post_must_be_json(url: str) -> None:
    """An HTML form (text/plain, urlencoded) cannot send a JSON request cross-site."""
    for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        r = httpx.post(url + "/api/derivative", content=b'{"expr": "x", "wrt": "x"}',
                       headers={"content-type": kind})
        assert r.status_code == 415 and "JSON" in r.json()["error"]


def test_a_chunked_body_is_held_to_the_limit(url: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"expr": "x", "wrt": "x", "pad": "'
        for _ in range(64):
            yield b" " * 4096
        yield b'"}'
    r = httpx.post(url + "/api/derivative", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


@pytest.mark.parametrize("raw", [
    b'{"expr": "x", "wrt": "x", "order": NaN}',
    b'{"expr": Infinity, "wrt": "x"}',
    b'{"expr": "x\\ud800", "wrt": "x"}',
    b'{"expr": "x", "wrt": "x", "shapes": {"\\udfff": "3"}}',
    json.dumps({"expr": "x'*x", "wrt": "x", "shapes": {"x": "\u00b2"}}).encode(),
    json.dumps({"expr": "x'*x", "wrt": "x", "shapes": {"x": "9" * 5000}}).encode(),
    json.dumps({"expr": "x'*x", "wrt": "x", "shapes": {"x": "0"}}).encode(),
    b'{"expr": ',
    b'[1, 2]',
])
def test_malformed_requests_are_4xx_with_a_message(url: str, raw: bytes) -> None:
    r = httpx.post(url + "/api/derivative", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["error"] and r.json()["kind"] != "Exception"


@pytest.mark.parametrize("size", ["40000000", "1000000000"])
def test_a_huge_declared_shape_costs_nothing(url: str, size: str) -> None:
    """The numeric check samples at most work.CHECK_ENTRIES numbers: beyond, it says so."""
    r = post(url, {"expr": "x'*x", "wrt": "x", "shapes": {"x": size}})
    assert r.status_code == 200 and r.json()["check"].startswith("not checked")


def test_numeric_work_past_the_deadline_is_stopped(url: str) -> None:
    t0 = time.monotonic()
    r = post(url, {"expr": "tr(expm(X))", "wrt": "X", "order": 3, "shapes": {"X": "15x15"}})
    assert r.status_code in (200, 422)
    assert time.monotonic() - t0 < 20
    assert post(url, {"expr": "x'*x", "wrt": "x"}).status_code == 200


def test_slow_clients_are_disconnected(url: str, monkeypatch) -> None:
    """Slowloris: connections that trickle their headers in are closed after READ_SECONDS."""
    monkeypatch.setattr(serving, "READ_SECONDS", 1.0)
    port = int(url.rsplit(":", 1)[1])
    socks = []
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /api/derivative HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        socks.append(s)
    time.sleep(2.5)
    closed = 0
    for s in socks:
        s.settimeout(2)
        try:
            closed += s.recv(100) == b""
        except (ConnectionResetError, socket.timeout):
            closed += 0
        s.close()
    assert closed == 20
    assert post(url, {"expr": "x'*x", "wrt": "x"}).status_code == 200


def test_the_api_reference_is_offline(url: str) -> None:
    r = httpx.get(url + "/docs")
    assert r.status_code == 200 and "/api/derivative" in r.text
    assert "<script" not in r.text and "http" not in r.text.replace("http-equiv", "")
    assert httpx.get(url + "/redoc").status_code == 404


def test_a_worker_past_its_deadline_is_killed_and_replaced(monkeypatch) -> None:
    pool = workers.Pool(1)
    try:
        worker = pool.idle.queue[0]
        first = worker.process.pid
        monkeypatch.setattr(workers, "GRACE", -10.0)  # poll gives up at once
        with pytest.raises(TimeLimitError):
            pool.call("derivative", {"expr": "x'*x", "wrt": "x"}, 1.0)
        assert worker.process.pid != first and not _alive(first)
        monkeypatch.setattr(workers, "GRACE", 0.5)
        assert pool.call("derivative", {"expr": "x'*x", "wrt": "x", "check": False}, 30.0)["text"] == "2*x"
    finally:
        pool.close()


def test_a_worker_is_held_to_its_memory_cap() -> None:
    """Under a 40 MB cap the numeric check of the 1600x1600 Jacobian of expm (20 MB, with
    its finite differences more) runs out of memory, and says so; the worker lives on."""
    pool = workers.Pool(1, memory=40 << 20)
    try:
        try:
            r = pool.call("derivative", {"expr": "expm(X)", "wrt": "X", "shapes": {"X": "40x40"}}, 60.0)
            said = r["check"]
        except (LimitError, workers.Refused) as e:  # the worker died at its cap: replaced
            said = f"not checked: {e}"
        assert said.startswith("not checked") and "memory" in said
        assert pool.call("variables", {"expr": "x'*A*x"}, 30.0)[0]["name"] == "A"
    finally:
        pool.close()


def test_a_worker_that_has_grown_is_replaced_after_its_answer() -> None:
    pool = workers.Pool(1, recycle=-1)  # every worker "has grown"
    try:
        first = pool.idle.queue[0].process.pid
        assert pool.call("variables", {"expr": "x'*A*x"}, 30.0)[0]["name"] == "A"
        assert pool.idle.queue[0].process.pid != first and not _alive(first)
    finally:
        pool.close()


def _alive(pid: int) -> bool:
    import os
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
