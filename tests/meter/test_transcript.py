"""The meter's transcript and the ATIF trajectory built from it: every route and shape, streamed or not,
redaction and the size cap. Real HTTP through the meter to the scripted backend."""
from __future__ import annotations

import json

import httpx
import openai
import pytest
from atif import Trajectory

from pytest_mldevbench import trajectory
from pytest_mldevbench.meter import transcript as transcript_mod
from pytest_mldevbench.meter.transcript import Transcript
from tests.scripted_llm import text_reply, tool_reply

BOTH_ROUTES = pytest.mark.parametrize("model", ["openai/scripted", "deepseek/scripted"], ids=["relay", "litellm"])
TOOLS = [{"type": "function", "function": {"name": "run", "parameters": {
    "type": "object", "properties": {"command": {"type": "string"}}}}}]
RUN_TOOL = {"name": "run", "description": "run a command",
            "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}}}


@pytest.fixture(autouse=True)
def _deepseek_key(monkeypatch):
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-scripted")


def _conversation(client, stream: bool, tool_output: str = "a.py\nb.py") -> None:
    """system + task, a tool call, its result, a final answer: what an OpenAI-style agent loop sends."""
    msgs = [{"role": "system", "content": "you are terse"}, {"role": "user", "content": "list the files"}]

    def ask():
        if not stream:
            return client.chat.completions.create(model="x", messages=msgs, tools=TOOLS).choices[0].message
        text, calls = "", {}
        for chunk in client.chat.completions.create(model="x", messages=msgs, tools=TOOLS, stream=True):
            for ch in chunk.choices:
                text += ch.delta.content or ""
                for tc in ch.delta.tool_calls or []:
                    slot = calls.setdefault(tc.index, {"id": "", "name": "", "args": ""})
                    slot["id"] = tc.id or slot["id"]
                    slot["name"] = (tc.function.name if tc.function else None) or slot["name"]
                    slot["args"] += (tc.function.arguments if tc.function else None) or ""
        return {"content": text, "calls": list(calls.values())}

    first = ask()
    if stream:
        call = first["calls"][0]
        call_id, echo = call["id"], {"role": "assistant", "content": first["content"] or None, "tool_calls": [
            {"id": call["id"], "type": "function", "function": {"name": call["name"], "arguments": call["args"]}}]}
    else:
        call_id, echo = first.tool_calls[0].id, first.model_dump(exclude_none=True)
    msgs += [echo, {"role": "tool", "tool_call_id": call_id, "content": tool_output}]
    ask()


def _lines(tmp_path):
    return [json.loads(x) for x in (tmp_path / "llm_transcript.jsonl").read_text().splitlines()]


def _built(tmp_path, model):
    doc = trajectory.build(tmp_path, trial_id="t1", task_id="hello_world", agent="scripted", model=model)
    Trajectory.model_validate(doc)  # what was written validates against the ATIF models
    return doc


@BOTH_ROUTES
@pytest.mark.parametrize("stream", [False, True], ids=["complete", "streamed"])
def test_openai_conversation_becomes_atif_steps(metered, tmp_path, model, stream):
    script = [tool_reply("run", {"command": "ls"}, content="Let me look.", prompt_tokens=90, completion_tokens=15),
              text_reply("There are two files.", prompt_tokens=120, completion_tokens=6)]
    server, meter = metered(script)
    key = meter.open_trial("t1", model, tmp_path / "llm_ledger.jsonl")
    _conversation(openai.OpenAI(base_url=meter.openai_base_url, api_key=key, max_retries=0), stream)
    meter.close_trial(key)

    first, second = _lines(tmp_path)
    assert [m["role"] for m in first["new"]] == ["system", "user"]
    assert [m["role"] for m in second["new"]] == ["tool"]  # the echoed reply is not repeated
    assert first["reply"]["tool_calls"][0]["name"] == "run"
    assert json.loads(first["reply"]["tool_calls"][0]["arguments"]) == {"command": "ls"}

    doc = _built(tmp_path, model)
    steps = doc["steps"]
    assert [s["source"] for s in steps] == ["system", "user", "agent", "agent"]
    assert [s["step_id"] for s in steps] == [1, 2, 3, 4]
    assert steps[0]["message"] == "you are terse" and steps[1]["message"] == "list the files"
    act, done = steps[2], steps[3]
    assert act["message"] == "Let me look."
    assert act["tool_calls"][0]["function_name"] == "run" and act["tool_calls"][0]["arguments"] == {"command": "ls"}
    result = act["observation"]["results"][0]
    assert result["source_call_id"] == act["tool_calls"][0]["tool_call_id"] and result["content"] == "a.py\nb.py"
    assert done["message"] == "There are two files." and "tool_calls" not in done
    assert (act["metrics"]["prompt_tokens"], act["metrics"]["completion_tokens"]) == (90, 15)
    assert (done["metrics"]["prompt_tokens"], done["metrics"]["completion_tokens"]) == (120, 6)
    assert act["metrics"]["cost_usd"] > 0 and act["metrics"]["extra"]["latency_s"] > 0
    assert doc["final_metrics"]["total_prompt_tokens"] == 210
    assert doc["final_metrics"]["total_cost_usd"] == pytest.approx(
        act["metrics"]["cost_usd"] + done["metrics"]["cost_usd"])
    assert doc["agent"]["tool_definitions"][0]["function"]["name"] == "run"


@pytest.mark.parametrize("stream", [False, True], ids=["complete", "streamed"])
def test_anthropic_messages_tool_use_and_result(metered, tmp_path, stream):
    script = [tool_reply("run", {"command": "ls"}, prompt_tokens=90, completion_tokens=15),
              text_reply("all done", prompt_tokens=120, completion_tokens=4)]
    server, meter = metered(script)
    key = meter.open_trial("a1", "openai/scripted", tmp_path / "llm_ledger.jsonl")
    headers = {"x-api-key": key, "anthropic-version": "2023-06-01"}

    def post(messages):
        body = {"model": "m", "max_tokens": 256, "tools": [RUN_TOOL], "system": "be brief",
                "messages": messages, "stream": stream}
        r = httpx.post(f"{meter.anthropic_base_url}/v1/messages", json=body, headers=headers, timeout=120)
        assert r.status_code == 200, r.text
        if not stream:
            return r.json()["content"]
        blocks: dict[int, dict] = {}
        for line in r.text.splitlines():
            if not line.startswith("data:"):
                continue
            ev = json.loads(line[5:])
            if ev.get("type") == "content_block_start":
                blocks[ev["index"]] = dict(ev["content_block"], _json="")
            elif ev.get("type") == "content_block_delta" and "partial_json" in ev["delta"]:
                blocks[ev["index"]]["_json"] += ev["delta"]["partial_json"]
        out = []
        for _, b in sorted(blocks.items()):
            raw = b.pop("_json")
            if b["type"] == "tool_use":
                b["input"] = json.loads(raw) if raw else {}
            out.append(b)
        return out

    history = [{"role": "user", "content": "list"}]
    content = post(history)
    use = next(b for b in content if b["type"] == "tool_use")
    post(history + [{"role": "assistant", "content": content},
                    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use["id"], "content": "a.py"}]}])
    meter.close_trial(key)

    steps = _built(tmp_path, "openai/scripted")["steps"]
    assert [s["source"] for s in steps] == ["system", "user", "agent", "agent"]
    act = steps[2]
    assert act["tool_calls"][0]["function_name"] == "run" and act["tool_calls"][0]["arguments"] == {"command": "ls"}
    assert act["observation"]["results"] == [{"source_call_id": use["id"], "content": "a.py"}]
    assert steps[3]["message"] == "all done"


def test_keys_and_tokens_are_redacted(metered, tmp_path, monkeypatch):
    secret = "zq7-backend-secret-value-1234567890"
    monkeypatch.setenv("SOMEVENDOR_API_KEY", secret)
    script = [tool_reply("run", {"command": "env"}), text_reply("ok")]
    server, meter = metered(script)
    key = meter.open_trial("t1", "openai/scripted", tmp_path / "llm_ledger.jsonl")
    dump = (f"SOMEVENDOR_API_KEY={secret}\nOPENAI_API_KEY={key}\nHF_TOKEN=hf_abcdefghijklmnopqrstuvwxyz123\n"
            "AWS=AKIAABCDEFGHIJKLMNOP\nold=sk-proj-abcdefghijklmnopqrstuv")
    _conversation(openai.OpenAI(base_url=meter.openai_base_url, api_key=key, max_retries=0), False, dump)
    meter.close_trial(key)
    text = (tmp_path / "llm_transcript.jsonl").read_text()
    doc = json.dumps(_built(tmp_path, "openai/scripted"))
    for leaked in (secret, key, "hf_abcdefghijklmnopqrstuvwxyz123", "AKIAABCDEFGHIJKLMNOP", "sk-proj-abcdefghij"):
        assert leaked not in text and leaked not in doc, leaked
    assert "SOMEVENDOR_API_KEY=***" in doc and "OPENAI_API_KEY=***" in doc and "HF_TOKEN=***" in doc


def test_size_caps_mark_what_was_left_out(tmp_path, monkeypatch):
    t = Transcript(tmp_path / "llm_transcript.jsonl", max_bytes=60_000)
    ledger = tmp_path / "llm_ledger.jsonl"
    big = "x" * (transcript_mod.MAX_TEXT + 500)
    msgs = [{"role": "user", "content": "go"}]
    with ledger.open("w") as fh:
        for seq in range(1, 6):
            reply = {"role": "assistant", "text": f"reply {seq}"}
            t.record(seq, "chat", 1.7e9 + seq, {"messages": list(msgs)}, reply, "ok")
            fh.write(json.dumps({"event": "call", "seq": seq, "status": "ok", "prompt_tokens": 10,
                                "completion_tokens": 2, "cost_usd": 0.001, "latency_s": 0.1, "ts": 1.7e9 + seq}) + "\n")
            msgs += [{"role": "assistant", "content": f"reply {seq}"}, {"role": "user", "content": big}]
    t.close()
    lines = _lines(tmp_path)
    assert "500 characters not recorded: mldevbench size cap" in lines[1]["new"][0]["text"]
    assert len(lines[1]["new"][0]["text"]) < transcript_mod.MAX_TEXT + 100
    assert [bool(x.get("omitted")) for x in lines] == [False, False, True, True, True]
    assert (tmp_path / "llm_transcript.jsonl").stat().st_size < 60_000 + 1000
    doc = _built(tmp_path, "m")
    assert doc["extra"]["size_capped"] is True and trajectory.NOT_RECORDED in doc["notes"]
    agents = [s for s in doc["steps"] if s["source"] == "agent"]
    assert len(agents) == 5 and agents[-1]["message"] == trajectory.NOT_RECORDED
    assert agents[-1]["metrics"]["prompt_tokens"] == 10  # the ledger's figures stay, content or not


def test_rewritten_history_is_recorded_whole_and_marked(tmp_path):
    t = Transcript(tmp_path / "llm_transcript.jsonl")
    t.record(1, "chat", 1.7e9, {"messages": [{"role": "user", "content": "a"}]}, {"role": "assistant", "text": "b"}, "ok")
    summary = [{"role": "user", "content": "summary of a/b"}, {"role": "assistant", "content": "noted"},
               {"role": "user", "content": "go on"}]
    t.record(2, "chat", 1.7e9 + 1, {"messages": summary}, {"role": "assistant", "text": "c"}, "ok")
    t.close()
    second = _lines(tmp_path)[1]
    assert second["reset"] is True and [m["text"] for m in second["new"]] == ["summary of a/b", "noted", "go on"]
    steps = _built(tmp_path, "m")["steps"]
    assert [(s["source"], s["message"]) for s in steps] == [
        ("user", "a"), ("agent", "b"), ("user", "summary of a/b"), ("agent", "noted"), ("user", "go on"), ("agent", "c")]
    assert steps[2]["extra"] == {"new_context": True} and "extra" not in steps[4]
    # the assistant message the agent wrote into its history is no LLM call of this trial
    assert steps[3]["is_copied_context"] is True and steps[3]["llm_call_count"] == 0 and "metrics" not in steps[3]


def test_agent_version_is_recorded(tmp_path):
    """agent.version: what the AgentSpec says (pinned package of an agent env, or its distribution's version)."""
    from pytest_mldevbench.agents.registry import discover
    agents = discover()
    assert agents["react"].version.startswith("pytest-mldevbench ")
    assert agents["openhands"].version.startswith("openhands-sdk 1.")
    assert agents["mini-swe-agent"].version.startswith("mini-swe-agent 2.")
    assert agents["aide"].version.startswith("aideml 0.")
    (tmp_path / "llm_ledger.jsonl").write_text("")
    doc = trajectory.build(tmp_path, trial_id="t1", task_id="hello_world", agent="react", model="m",
                           agent_version=agents["react"].version)
    assert doc["agent"]["version"] == agents["react"].version
    assert trajectory.build(tmp_path, trial_id="t1", task_id="h", agent="x", model="m")["agent"]["version"] == "unknown"
