"""The HTTP API over real HTTP on 127.0.0.1: runs with uploads, events, traces, files, keys, limits."""

from __future__ import annotations

import asyncio
import base64
import fnmatch
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft202012Validator

from hugginggpt.experts.echo import EchoExperts, write_png
from live_server import FilePlanner, free_port, live_server

EXPECTED_ORDER = [
    "run_started", "stage_started", "plan_ready", "stage_started", "model_chosen", "model_chosen",
    "stage_started", "task_started", "task_finished", "task_started", "task_finished", "stage_started",
    "run_finished",
]  # fmt: skip


def png(name: str = "e1.png") -> Path:
    path = Path(name)
    write_png(path)
    return path


def events(
    client: httpx.Client, run_id: str, headers: dict[str, str] | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """(SSE id, event) of a run's stream, read to its end."""
    out: list[tuple[int, dict[str, Any]]] = []
    event_id = -1
    with client.stream("GET", f"/v1/runs/{run_id}/events", headers=headers) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("id: "):
                event_id = int(line[4:])
            elif line.startswith("data: "):
                out.append((event_id, json.loads(line[6:])))
    return out


def start(client: httpx.Client, request: str, *paths: Path, **form: str) -> dict[str, Any]:
    files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in paths]
    response = client.post("/v1/runs", data={"request": request, **form}, files=files)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_run_with_an_uploaded_image_end_to_end() -> None:
    with live_server() as url, httpx.Client(base_url=url, timeout=30) as client:
        run = start(client, "Describe e1.png and read it aloud", png())
        # "running", or already "finished": the echo experts are instant and the run goes on its own loop
        assert run["status"] in ("running", "finished") and run["links"]["events"] == f"/v1/runs/{run['id']}/events"
        stream = events(client, run["id"])
        kinds = [e["type"] for _, e in stream if e["type"] != "answer_delta"]
        assert kinds == EXPECTED_ORDER
        assert [i for i, _ in stream] == list(range(len(stream)))  # ids are the events' indexes
        finished = [e for _, e in stream if e["type"] == "task_finished"]
        assert finished[0]["model"] == "org/image-to-text-model"
        (wav_url,) = finished[1]["urls"]
        assert wav_url == f"/v1/runs/{run['id']}/files/t1-text-to-speech.wav"
        answer = "".join(e["text"] for _, e in stream if e["type"] == "answer_delta")
        assert answer.startswith("Here is what the experts found.") and stream[-1][1]["answer"] == answer

        wav = client.get(wav_url)
        assert (
            wav.status_code == 200 and wav.content == (Path("runs") / run["id"] / "t1-text-to-speech.wav").read_bytes()
        )
        uploaded = client.get(f"/v1/runs/{run['id']}/files/inputs/e1.png")
        assert uploaded.content == Path("e1.png").read_bytes()
        listed = {f["path"] for f in client.get(f"/v1/runs/{run['id']}/files").json()}
        assert {"inputs/e1.png", "t1-text-to-speech.wav", "trace.json"} <= listed

        trace = client.get(f"/v1/runs/{run['id']}/trace").json()
        assert trace["status"] == "finished" and trace["files"] == ["e1.png"] and trace["answer"] == answer
        assert [t["status"] for t in trace["tasks"]] == ["done", "done"]
        info = client.get(f"/v1/runs/{run['id']}").json()
        assert info["status"] == "finished" and info["answer"] == answer and info["events"] == len(stream)


def test_late_and_reconnecting_clients_replay_the_events() -> None:
    with live_server() as url, httpx.Client(base_url=url, timeout=30) as client:
        run = start(client, "Describe e1.png", png())
        first = events(client, run["id"])
        assert events(client, run["id"]) == first  # a second client gets the same stream
        resumed = events(client, run["id"], headers={"Last-Event-ID": "4"})
        assert resumed == first[5:]
        after = client.get(f"/v1/runs/{run['id']}/events", params={"after": len(first) - 2})
        assert after.text.count("data: ") == 1 and '"run_finished"' in after.text


def test_a_client_that_disconnects_does_not_stop_the_run() -> None:
    slow = EchoExperts(delay={"text-to-speech": 0.5})
    with live_server(experts=slow) as url, httpx.Client(base_url=url, timeout=30) as client:
        run = start(client, "Describe e1.png, read it aloud", png())
        with client.stream("GET", f"/v1/runs/{run['id']}/events") as response:
            next(response.iter_lines())  # one event, then the client goes away
        stream = events(client, run["id"])  # comes back later: the run went on
        assert stream[-1][1]["type"] == "run_finished"
        assert client.get(f"/v1/runs/{run['id']}/files/t1-text-to-speech.wav").status_code == 200


def test_a_conversation_keeps_earlier_files_usable() -> None:
    with live_server() as url, httpx.Client(base_url=url, timeout=30) as client:
        first = start(client, "Describe e1.png", png())
        events(client, first["id"])
        second = start(client, "And again, the same picture", conversation_id=first["conversation_id"])
        stream = events(client, second["id"])
        assert stream[0][1]["files"] == []  # nothing uploaded this turn ...
        plan = next(e for _, e in stream if e["type"] == "plan_ready")
        assert plan["tasks"][0]["args"] == {"image": "e1.png"}  # ... yet the first turn's image was used
        assert stream[-1][1]["type"] == "run_finished"


def test_api_keys() -> None:
    with live_server(api_keys=("key-a", "key-b")) as url, httpx.Client(base_url=url, timeout=30) as client:
        for method, path in [("POST", "/v1/runs"), ("POST", "/v1/chat/completions"), ("POST", "/hugginggpt"),
                             ("GET", "/v1/models"), ("GET", "/v1/experts")]:  # fmt: skip
            response = client.request(method, path)
            assert response.status_code == 401, path
            assert response.headers["www-authenticate"] == "Bearer"
            assert "Authorization: Bearer" in response.json()["detail"]
        assert client.get("/v1/models", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/health").status_code == 200  # needs no key

        a = {"Authorization": "Bearer key-a"}
        response = client.post(
            "/v1/runs", data={"request": "Describe e1.png"}, files={"files": png().open("rb")}, headers=a
        )
        assert response.status_code == 201
        run_id = response.json()["id"]
        assert events(client, run_id, headers=a)[-1][1]["type"] == "run_finished"
        b = {"Authorization": "Bearer key-b"}  # another key's runs look absent
        assert client.get(f"/v1/runs/{run_id}", headers=b).status_code == 404
        assert client.get(f"/v1/runs/{run_id}/files/inputs/e1.png", headers=b).status_code == 404
        assert client.get(f"/v1/runs/{run_id}/files/inputs/e1.png", headers=a).status_code == 200


def test_upload_limits() -> None:
    with live_server(max_input_mb=0.01) as url, httpx.Client(base_url=url, timeout=30) as client:
        big = Path("big.png")
        big.write_bytes(b"\x89PNG" + b"\x00" * 20_000)  # over 0.01 MiB
        response = client.post("/v1/runs", data={"request": "Describe big.png"}, files={"files": big.open("rb")})
        assert response.status_code == 413 and "HUGGINGGPT_MAX_INPUT_MB" in response.json()["detail"]
        huge = client.post(
            "/v1/runs", content=b"x" * 2_000_000, headers={"content-type": "multipart/form-data; boundary=x"}
        )
        assert huge.status_code == 413  # refused on its declared length, before reading it

        response = client.post("/v1/runs", data={"request": "Run it"}, files={"files": ("tool.exe", b"MZ")})
        assert response.status_code == 415 and "images, audio, video and text" in response.json()["detail"]
        inline = {"type": "image_url", "image_url": {"url": "data:image/png;base64," + "A" * 30_000}}
        chat = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": [inline]}]})
        assert chat.status_code == 413


def test_a_run_cannot_read_other_files() -> None:
    with live_server() as url, httpx.Client(base_url=url, timeout=30) as client:
        text_run = start(client, "Write a poem")
        image_run = start(client, "Describe e1.png", png())
        for run in (text_run, image_run):
            events(client, run["id"])
        base = f"/v1/runs/{text_run['id']}/files"
        assert client.get(f"{base}/t1-text-to-speech.wav").status_code == 404  # the other run's output
        secret = Path("secret.txt").resolve()
        secret.write_text("not for clients")
        (Path("runs") / text_run["id"] / "link.txt").symlink_to(secret)
        attempts = [
            f"{base}/%2E%2E%2F{image_run['id']}%2Ft1-text-to-speech.wav",
            f"{base}/..%2F..%2Fsecret.txt",
            f"{base}/%2F{str(secret).lstrip('/').replace('/', '%2F')}",
            f"{base}/link.txt",  # a link inside the folder that leads out of it
            f"{base}/inputs",  # a folder
        ]
        for attempt in attempts:
            response = client.get(attempt)
            assert response.status_code == 404, attempt
            assert "not for clients" not in response.text
        assert raw_get(url, f"{base}/../../{image_run['id']}/t1-text-to-speech.wav").startswith(b"HTTP/1.1 404")


def raw_get(url: str, path: str) -> bytes:
    """A GET with the path sent as it is (HTTP clients remove `..` segments before sending)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        return conn.recv(65536)


def test_openai_client_chat_completions() -> None:
    from openai import OpenAI

    image = "data:image/png;base64," + base64.b64encode(png().read_bytes()).decode()
    messages: Any = [
        {"role": "system", "content": "ignored"},
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hi, what shall I do?"},
        {"role": "user", "content": [{"type": "text", "text": "Describe this"}, {"type": "image_url", "image_url": {"url": image}}]},
    ]  # fmt: skip
    with live_server(api_keys=("k",)) as url:
        client = OpenAI(base_url=url + "/v1", api_key="k", max_retries=0)
        assert [m.id for m in client.models.list()] == ["hugginggpt"]
        completion = client.chat.completions.create(model="hugginggpt", messages=messages)
        answer = completion.choices[0].message.content or ""
        assert answer.startswith("Here is what the experts found.") and "t1-text-to-speech.wav" in answer
        assert completion.usage is not None and completion.usage.total_tokens > 0
        run_id = completion.id.removeprefix("chatcmpl-")
        trace = httpx.get(f"{url}/v1/runs/{run_id}/trace", headers={"Authorization": "Bearer k"}).json()
        assert trace["files"] == ["upload-1.png"] and trace["plan"][0]["args"] == {"image": "upload-1.png"}

        stream = client.chat.completions.create(model="hugginggpt", messages=messages, stream=True)
        pieces = [chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices]
        assert "".join(pieces).startswith("Here is what the experts found.") and len(pieces) > 3


def test_original_server_endpoints() -> None:
    messages = {"messages": [{"role": "user", "content": "Write a haiku"}]}
    with live_server() as url, httpx.Client(base_url=url, timeout=30) as client:
        answer = client.post("/hugginggpt", json=messages).json()
        assert set(answer) == {"message"} and answer["message"].startswith("Here is what the experts found.")
        planned = client.post("/tasks", json=messages).json()
        assert planned == {
            "task": [{"task": "text-generation", "id": 0, "dep": [-1], "args": {"text": "Write a haiku"}}]
        }
        results = client.post("/results", json=messages).json()
        assert list(results) == ["result"] and results["result"]["0"]["status"] == "done"
        assert results["result"]["0"]["output"].startswith("[echo of text-generation")
        assert client.post("/tasks", json={"messages": []}).status_code == 422


async def test_fifty_concurrent_runs_all_complete() -> None:
    png()
    with live_server(experts=EchoExperts(delay=0.05)) as url:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:

            async def one(n: int) -> str:
                files = {"files": ("e1.png", Path("e1.png").read_bytes())} if n % 2 else None
                created = await client.post("/v1/runs", data={"request": f"request {n}"}, files=files)
                assert created.status_code == 201, created.text
                last = ""
                async with client.stream("GET", f"/v1/runs/{created.json()['id']}/events") as response:
                    async for line in response.aiter_lines():
                        if line.startswith("data: "):
                            last = json.loads(line[6:])["type"]
                return last

            ends = await asyncio.gather(*(one(n) for n in range(50)))
            assert ends == ["run_finished"] * 50
            assert (await client.get("/health")).json()["active_runs"] == 0
    assert len(list(Path("runs").iterdir())) == 50


def test_openapi_schema_describes_the_running_app() -> None:
    """Every response the app gives below is declared in /openapi.json, and JSON bodies validate."""
    with live_server(api_keys=("k",)) as url, httpx.Client(base_url=url, timeout=30) as client:
        spec = client.get("/openapi.json").json()
        auth = {"Authorization": "Bearer k"}

        def check(response: httpx.Response, template: str) -> None:
            method = response.request.method.lower()
            operation = spec["paths"][template][method]
            declared = operation["responses"].get(str(response.status_code))
            assert declared is not None, f"{method} {template} answered {response.status_code}, not in the schema"
            content_type = response.headers["content-type"].split(";")[0]
            assert any(fnmatch.fnmatch(content_type, declared_type) for declared_type in declared["content"]), (
                f"{method} {template}: {content_type} not declared"
            )
            if content_type == "application/json":
                schema = {"$ref": declared["content"][content_type]["schema"]["$ref"], "components": spec["components"]} \
                    if "$ref" in declared["content"][content_type]["schema"] \
                    else {**declared["content"][content_type]["schema"], "components": spec["components"]}  # fmt: skip
                Draft202012Validator(schema).validate(response.json())

        created = client.post(
            "/v1/runs", data={"request": "Describe e1.png"}, files={"files": png().open("rb")}, headers=auth
        )
        check(created, "/v1/runs")
        run = created.json()
        events_response = client.get(f"/v1/runs/{run['id']}/events", headers=auth)
        check(events_response, "/v1/runs/{run_id}/events")
        for path, template in [
            (f"/v1/runs/{run['id']}", "/v1/runs/{run_id}"),
            (f"/v1/runs/{run['id']}/trace", "/v1/runs/{run_id}/trace"),
            (f"/v1/runs/{run['id']}/files", "/v1/runs/{run_id}/files"),
            (f"/v1/runs/{run['id']}/files/inputs/e1.png", "/v1/runs/{run_id}/files/{path}"),
            (f"/v1/runs/{run['id']}/files/nope", "/v1/runs/{run_id}/files/{path}"),
            ("/v1/runs/nope", "/v1/runs/{run_id}"),
            ("/v1/experts?task=object-detection&limit=3", "/v1/experts"),
            ("/v1/experts?task=nonsense", "/v1/experts"),
            ("/v1/models", "/v1/models"),
            ("/health", "/health"),
        ]:
            check(client.get(path, headers=auth), template)
        check(client.get("/v1/models"), "/v1/models")  # 401
        check(
            client.post("/v1/runs", data={"request": "x"}, files={"files": ("tool.exe", b"MZ")}, headers=auth),
            "/v1/runs",
        )
        messages = {"messages": [{"role": "user", "content": "Write a haiku"}]}
        check(client.post("/v1/chat/completions", json=messages, headers=auth), "/v1/chat/completions")
        check(
            client.post("/v1/chat/completions", json={**messages, "stream": True}, headers=auth), "/v1/chat/completions"
        )
        for legacy in ("/hugginggpt", "/tasks", "/results"):
            check(client.post(legacy, json=messages, headers=auth), legacy)
        check(client.post("/tasks", json={"messages": []}, headers=auth), "/tasks")

        for template, operations in spec["paths"].items():  # every documented operation is served
            path = template.replace("{run_id}", run["id"]).replace("{path}", "inputs/e1.png")
            for method in operations:
                response = client.request(method, path, headers=auth)
                assert response.status_code != 405 and response.text != '{"detail":"Not Found"}', (method, path)


def test_serve_command_and_lazy_imports() -> None:
    lazy = "import sys, hugginggpt.cli; assert not {'fastapi', 'uvicorn'} & set(sys.modules)"
    subprocess.run([sys.executable, "-c", lazy], check=True)
    Path("script.json").write_text(json.dumps([json.dumps(FilePlanner.plan("Write\n\nFiles: none")), "Done."]))
    env = {
        **os.environ,
        "HUGGINGGPT_LLM_SCRIPT": "script.json",
        "HUGGINGGPT_EXPERTS": "echo",
        "HUGGINGGPT_SELECTION": "top",
    }
    port = free_port()
    exe = Path(sys.executable).with_name("hugginggpt")
    server = subprocess.Popen([str(exe), "serve", "--port", str(port)], env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health")
                break
            except httpx.ConnectError:
                assert server.poll() is None and time.monotonic() < deadline, "hugginggpt serve did not start"
                time.sleep(0.1)
        assert health.json()["experts"] == ["echo"] and health.json()["controller"] == "scripted:script.json"
        answer = httpx.post(
            f"http://127.0.0.1:{port}/hugginggpt", json={"messages": [{"role": "user", "content": "Write"}]}
        )
        assert answer.json()["message"].startswith("Done.")
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_past_its_admission_limit_the_server_sheds_with_429_and_retry_after() -> None:
    slow = EchoExperts(delay={"text-to-speech": 1.0})
    with live_server(experts=slow, max_active_runs=2) as url, httpx.Client(base_url=url, timeout=30) as client:
        first = [start(client, "Describe e1.png, read it aloud", png()) for _ in range(2)]
        shed = client.post("/v1/runs", data={"request": "Describe e1.png"}, files={"files": png().open("rb")})
        assert shed.status_code == 429 and shed.headers["retry-after"] == "1"
        assert "HUGGINGGPT_MAX_ACTIVE_RUNS" in shed.json()["detail"]
        chat = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "Write"}]})
        assert chat.status_code == 429
        assert client.get("/health").json()["active_runs"] == 2
        for run in first:
            assert events(client, run["id"])[-1][1]["type"] == "run_finished"
        assert client.get("/health").json()["active_runs"] == 0
        assert start(client, "Describe e1.png", png())["status"] in ("running", "finished")  # admitted again


def test_a_client_reconnecting_mid_run_gets_every_later_event_exactly_once() -> None:
    slow = EchoExperts(delay={"image-to-text": 0.3, "text-to-speech": 0.3})
    with live_server(experts=slow) as url, httpx.Client(base_url=url, timeout=30) as client:
        run = start(client, "Describe e1.png, read it aloud", png())
        seen: list[tuple[int, dict[str, Any]]] = []
        with client.stream("GET", f"/v1/runs/{run['id']}/events") as response:
            event_id = None
            for line in response.iter_lines():
                if line.startswith("id: "):
                    event_id = int(line[4:])
                elif line.startswith("data: ") and event_id is not None:
                    seen.append((event_id, json.loads(line[6:])))
                    if seen[-1][1]["type"] == "task_started":
                        break  # the connection drops while the run goes on
        assert seen[-1][1]["type"] == "task_started"
        rest = events(client, run["id"], headers={"Last-Event-ID": str(seen[-1][0])})
        whole = events(client, run["id"])
        assert seen + rest == whole  # nothing lost, nothing twice
        assert [i for i, _ in whole] == list(range(len(whole)))


def test_keys_isolate_users_over_many_runs() -> None:
    keys = {"a": {"Authorization": "Bearer key-a"}, "b": {"Authorization": "Bearer key-b"}}
    with live_server(api_keys=("key-a", "key-b")) as url, httpx.Client(base_url=url, timeout=30) as client:

        async def start_many() -> list[tuple[str, str]]:
            async with httpx.AsyncClient(base_url=url, timeout=30) as aclient:

                async def one(who: str, n: int) -> tuple[str, str]:
                    body = {"messages": [{"role": "user", "content": f"Write note {n} for {who}"}]}
                    response = await aclient.post("/v1/chat/completions", json=body, headers=keys[who])
                    assert response.status_code == 200, response.text
                    return who, response.json()["id"].removeprefix("chatcmpl-")

                return await asyncio.gather(*(one(who, n) for n in range(15) for who in keys))

        runs = asyncio.run(start_many())
        assert len({run_id for _, run_id in runs}) == 30
        for who, run_id in runs:
            other = keys["b" if who == "a" else "a"]
            assert client.get(f"/v1/runs/{run_id}", headers=keys[who]).status_code == 200
            for path in ("", "/events", "/trace", "/files", "/files/trace.json"):
                response = client.get(f"/v1/runs/{run_id}{path}", headers=other)
                assert response.status_code == 404, (path, response.status_code)
        # Guessing ids: neighbours of a real id (same second, other suffixes) are absent for both keys.
        prefix = runs[0][1][:-6]
        for guess in (prefix + "000000", prefix + "ffffff", "../" + runs[0][1]):
            for headers in keys.values():
                assert client.get(f"/v1/runs/{guess}", headers=headers).status_code == 404


SERVE = """
import sys
import uvicorn
sys.path.insert(0, sys.argv[3])
from live_server import build_app
from hugginggpt.experts.echo import EchoExperts
app = build_app(EchoExperts(delay={"text-to-speech": float(sys.argv[2])}), drain_timeout=float(sys.argv[4]))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def serve_process(speech_delay: float, drain: float = 30.0) -> tuple[subprocess.Popen[bytes], str]:
    """The test app in a process of its own (so that it can be signalled), runs in ./runs."""
    port = free_port()
    tests = str(Path(__file__).parent)
    args = [sys.executable, "-c", SERVE, str(port), str(speech_delay), tests, str(drain)]
    process = subprocess.Popen(args)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{url}/health")
            return process, url
        except httpx.ConnectError:
            assert process.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)


def wait_for_event(client: httpx.Client, run_id: str, kind: str, task: str) -> None:
    with client.stream("GET", f"/v1/runs/{run_id}/events") as response:
        for line in response.iter_lines():
            if line.startswith("data: ") and f'"{kind}"' in line and task in line:
                return


def test_after_sigkill_and_a_restart_every_started_run_says_what_happened() -> None:
    process, url = serve_process(speech_delay=30.0)
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            done = client.post("/v1/runs", data={"request": "Write a line"}).json()
            assert events(client, done["id"])[-1][1]["type"] == "run_finished"
            going = start(client, "Describe e1.png, read it aloud", png())
            wait_for_event(client, going["id"], "task_started", "text-to-speech")
    finally:
        process.kill()
        process.wait(timeout=10)
    process, url = serve_process(speech_delay=30.0)
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            finished = client.get(f"/v1/runs/{done['id']}").json()
            assert finished["status"] == "finished" and finished["answer"]
            assert events(client, done["id"])[-1][1]["type"] == "run_finished"  # its events replay
            interrupted = client.get(f"/v1/runs/{going['id']}").json()
            assert interrupted["status"] == "interrupted" and "server stopped" in interrupted["error"]
            stream = events(client, going["id"])
            assert stream[-1][1] == {"type": "run_failed", "run_id": going["id"], "error": interrupted["error"]}
            assert client.get(f"/v1/runs/{going['id']}/trace").status_code == 404
            assert client.get(f"/v1/runs/{going['id']}/files/inputs/e1.png").status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_sigterm_lets_running_runs_finish_or_marks_them_interrupted() -> None:
    process, url = serve_process(speech_delay=1.5)
    with httpx.Client(base_url=url, timeout=30) as client:
        run = start(client, "Describe e1.png, read it aloud", png())
        wait_for_event(client, run["id"], "task_started", "text-to-speech")
    process.terminate()  # SIGTERM while the run is in its slow task
    assert process.wait(timeout=30) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal after its shutdown
    trace = json.loads((Path("runs") / run["id"] / "trace.json").read_text(encoding="utf-8"))
    assert trace["status"] == "finished"  # the run was let finish

    process, url = serve_process(speech_delay=30.0, drain=0.5)
    with httpx.Client(base_url=url, timeout=30) as client:
        run = start(client, "Describe e1.png, read it aloud", png())
        wait_for_event(client, run["id"], "task_started", "text-to-speech")
    process.terminate()
    assert process.wait(timeout=30) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal after its shutdown
    trace = json.loads((Path("runs") / run["id"] / "trace.json").read_text(encoding="utf-8"))  # valid JSON
    assert trace["status"] == "cancelled"
    process, url = serve_process(speech_delay=30.0)
    try:
        assert httpx.get(f"{url}/v1/runs/{run['id']}").json()["status"] == "interrupted"
    finally:
        process.terminate()
        process.wait(timeout=30)


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height pixels, in a few hundred bytes."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 99)) + chunk(b"IEND", b"")
    )


def plan_of(count: int) -> str:
    return json.dumps([{"task": "text-generation", "id": i, "dep": [-1], "args": {"text": "x"}} for i in range(count)])


def chat(content: Any) -> dict[str, Any]:
    return {"json": {"messages": [{"role": "user", "content": content}]}}


BAD_INPUTS: list[tuple[str, str, str, dict[str, Any], int, str]] = [
    ("malformed JSON", "POST", "/v1/chat/completions",
     {"content": b'{"messages": [', "headers": {"content-type": "application/json"}}, 400, "not valid JSON"),
    ("text where JSON is wanted", "POST", "/v1/chat/completions",
     {"content": b"hello", "headers": {"content-type": "text/plain"}}, 415, "Content-Type: application/json"),
    ("JSON where a form is wanted", "POST", "/v1/runs", {"json": {"request": "hi"}}, 415, "takes a form"),
    ("a 1 MB request text", "POST", "/v1/runs", {"data": {"request": "x" * 1_000_000}}, 413,
     "HUGGINGGPT_MAX_REQUEST_CHARS"),
    ("a 1 MB chat message", "POST", "/v1/chat/completions", chat("x" * 1_000_000), 413, "put long text in a .txt"),
    ("a NUL byte", "POST", "/v1/runs", {"data": {"request": "Describe\x00 this"}}, 400, "NUL character"),
    ("a PNG declaring 30,000 x 30,000 pixels", "POST", "/v1/runs",
     {"data": {"request": "Describe bomb.png"}, "files": {"files": ("bomb.png", png_declaring(30_000, 30_000))}},
     413, "megapixels"),
    ("a PNG declaring 10,000 x 10,000 pixels", "POST", "/v1/runs",
     {"data": {"request": "Describe big.png"}, "files": {"files": ("big.png", png_declaring(10_000, 10_000))}},
     413, "10000 x 10000 pixels"),
    ("bad base64 in a data URL", "POST", "/v1/chat/completions",
     chat([{"type": "image_url", "image_url": {"url": "data:image/png;base64,@@@"}}]), 400, "not valid base64"),
    ("9 files", "POST", "/v1/runs",
     {"data": {"request": "Describe"}, "files": [("files", (f"e{i}.png", b"\x89PNG")) for i in range(9)]},
     413, "at most 8"),
    ("a plan of 10,000 tasks", "POST", "/v1/runs", {"data": {"request": "run", "plan": plan_of(10_000)}}, 413,
     "HUGGINGGPT_MAX_TASKS"),
    ("a plan of 1,000 tasks", "POST", "/v1/runs", {"data": {"request": "run", "plan": plan_of(1_000)}}, 413,
     "over 50 (HUGGINGGPT_MAX_TASKS)"),
    ("a plan that is not JSON", "POST", "/v1/runs", {"data": {"request": "run", "plan": "{nope"}}, 400,
     "the plan is not JSON"),
    ("no messages", "POST", "/v1/chat/completions", {"json": {"messages": []}}, 422, "at least 1 item"),
]  # fmt: skip


def test_bad_input_gets_a_4xx_that_says_what_to_do_and_the_server_stays_up() -> None:
    with live_server() as url, httpx.Client(base_url=url, timeout=60) as client:
        for name, method, path, request, status, says in BAD_INPUTS:
            response = client.request(method, path, **request)
            assert response.status_code == status, (name, response.status_code, response.text[:200])
            assert says in response.json()["detail"], (name, response.json()["detail"])
            assert client.get("/health").status_code == 200, name
        assert client.get("/health").json()["active_runs"] == 0  # none of them started a run


def test_with_two_worker_processes_any_worker_answers_for_any_run() -> None:
    port = free_port()
    tests = str(Path(__file__).parent)
    code = (
        "import uvicorn; uvicorn.run('live_server:worker_app', factory=True, workers=2, host='127.0.0.1', "
        f"port={port}, log_level='warning')"
    )
    env = {**os.environ, "PYTHONPATH": tests, "HUGGINGGPT_TEST_SPEECH_DELAY": "4"}
    process = subprocess.Popen([sys.executable, "-c", code], env=env)
    url = f"http://127.0.0.1:{port}"

    def fresh(method: str, path: str, **kwargs: Any) -> httpx.Response:
        with httpx.Client(base_url=url, timeout=30) as client:  # a new connection: any worker may take it
            return client.request(method, path, **kwargs)

    try:
        deadline, workers = time.monotonic() + 60, set()
        while len(workers) < 2:
            assert process.poll() is None and time.monotonic() < deadline, "two workers did not both answer"
            try:
                workers.add(fresh("GET", "/health").json()["worker"])
            except httpx.TransportError:
                time.sleep(0.2)
        slow = fresh("POST", "/v1/runs", data={"request": "Describe e1.png"}, files={"files": png().open("rb")})
        quick = [fresh("POST", "/v1/runs", data={"request": f"Write line {n}"}).json() for n in range(8)]
        seen_running = 0
        for _ in range(6):  # the slow run, asked of whichever worker takes each connection, is going
            info = fresh("GET", f"/v1/runs/{slow.json()['id']}").json()
            seen_running += info["status"] == "running"
        assert seen_running == 6
        with httpx.Client(base_url=url, timeout=30) as client:
            stream = events(client, slow.json()["id"])  # followed to its end from any worker
        assert stream[-1][1]["type"] == "run_finished" and [i for i, _ in stream] == list(range(len(stream)))
        for run in quick:
            for _ in range(3):
                info = fresh("GET", f"/v1/runs/{run['id']}").json()
                assert info["status"] == "finished" and info["answer"], info
            with httpx.Client(base_url=url, timeout=30) as client:
                assert events(client, run["id"])[-1][1]["type"] == "run_finished"
            assert fresh("GET", f"/v1/runs/{run['id']}/trace").json()["status"] == "finished"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_serve_workers_hands_its_settings_to_every_worker() -> None:
    Path("script.json").write_text(json.dumps([json.dumps(FilePlanner.plan("Write\n\nFiles: none")), "Done."]))
    env = {**os.environ, "HUGGINGGPT_LLM_SCRIPT": "script.json", "HUGGINGGPT_SELECTION": "top"}
    port = free_port()
    exe = Path(sys.executable).with_name("hugginggpt")
    command = [str(exe), "--experts", "echo", "serve", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(command, env=env)
    try:
        deadline, seen = time.monotonic() + 60, {}
        while len(seen) < 2:
            assert server.poll() is None and time.monotonic() < deadline, "two workers did not both answer"
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health").json()
                seen[health["worker"]] = health
            except httpx.TransportError:
                time.sleep(0.2)
        assert all(h["experts"] == ["echo"] for h in seen.values())  # the --experts option reached both
    finally:
        server.terminate()
        server.wait(timeout=30)
