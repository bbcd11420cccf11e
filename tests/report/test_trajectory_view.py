"""A trial's trajectory in the HTML report (headless Chromium) and in `mldevbench report --trial`, from a
trial folder written the way the meter and the trial write it."""
from __future__ import annotations

import json
import re

import pytest

from pytest_mldevbench import cli, trajectory
from pytest_mldevbench.meter.transcript import Transcript
from pytest_mldevbench.report import browser, html, json_report, table

from .factory import report, trial

needs_chromium = pytest.mark.skipif(browser.find() is None, reason="Chromium not installed")
LONG_RESULT = "\n".join(f"epoch {i} loss {1 / (i + 1):.3f}" for i in range(30))


def _trial_folder(folder):
    """Three calls: a tool call with a 30-line result, a second tool call, a final answer."""
    folder.mkdir(parents=True)
    t = Transcript(folder / trajectory.TRANSCRIPT)
    msgs = [{"role": "system", "content": "sys"}, {"role": "user", "content": "Train the model."}]
    replies = [
        {"role": "assistant", "text": "I will train.", "tool_calls": [{"id": "c1", "name": "run", "arguments": '{"command": "python train.py"}'}]},
        {"role": "assistant", "text": "", "tool_calls": [{"id": "c2", "name": "write_file", "arguments": '{"path": "a.txt", "content": "x"}'}]},
        {"role": "assistant", "text": "Done: loss 0.032."}]
    results = [LONG_RESULT, "wrote a.txt"]
    with (folder / trajectory.LEDGER).open("w") as ledger:
        for seq, reply in enumerate(replies, 1):
            t.record(seq, "chat", 1.7e9 + seq, {"messages": list(msgs)}, reply, "ok")
            ledger.write(json.dumps({"event": "call", "seq": seq, "status": "ok", "model": "m", "prompt_tokens": 100 * seq,
                                     "completion_tokens": 10, "cost_usd": 0.01, "latency_s": 0.5, "ts": 1.7e9 + seq}) + "\n")
            tc = reply.get("tool_calls") or []
            msgs.append({"role": "assistant", "content": reply["text"], "tool_calls": [
                {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}} for c in tc]})
            if tc:
                msgs.append({"role": "tool", "tool_call_id": tc[0]["id"], "content": results[seq - 1]})
    t.close()
    trajectory.write(folder, trial_id="test_t[react-m-1]", task_id="t", agent="react", model="m")


def _report_with_trajectory(tmp_path):
    tr = trial("t", "react", 1, False)
    tr["artifacts_dir"] = str(tmp_path / "out" / "t__react-1")
    tr["checks"] = [{"name": "loss below 0.05", "ok": True, "detail": "0.032"},
                    {"name": "a.txt has the answer", "ok": False, "detail": "wrong content"}]
    tr["flags"] = [{"flag": "package_install", "evidence": "pip install lightgbm", "step": 3}]
    tr["assets"] = {"fetched": ["hf-bert-base-uncased"], "refused": ["/cifar-10/cifar-10-python.tar.gz"],
                    "refused_requests": 2}
    _trial_folder(tmp_path / "out" / "t__react-1")
    other = trial("u", "oracle", 1, True)  # an agent without LLM calls: no trajectory
    rep = report([tr, other])
    path = tmp_path / "report.json"
    json_report.write(rep, path)
    return rep, path


def test_trajectory_written_validates(tmp_path):
    _trial_folder(tmp_path / "f")
    doc = trajectory.load(tmp_path / "f" / "trajectory.json")
    assert [s.source for s in doc.steps] == ["system", "user", "agent", "agent", "agent"]
    assert doc.steps[2].observation.results[0].content == LONG_RESULT
    assert doc.final_metrics.total_prompt_tokens == 600 and doc.final_metrics.total_cost_usd == pytest.approx(0.03)


@needs_chromium
def test_html_shows_steps_results_collapsed_and_checks(tmp_path):
    rep, _ = _report_with_trajectory(tmp_path)
    page = tmp_path / "r.html"
    html.write(rep, page)
    dom, log = browser.dump_dom(page)
    body = re.search(r"<body[^>]*>", dom).group(0)
    assert 'data-rendered="yes"' in body and 'data-errors="0"' in body, re.search(r'id="errors">[^<]*', dom)
    assert not [line for line in log.splitlines() if ":CONSOLE" in line], "console output"
    assert len(re.findall(r'<div class="step (agent|user|system)"', dom)) == 5  # one trial has a trajectory
    assert dom.count('class="call"') == 2 and dom.count('class="result"') == 2
    assert "26 more lines" in dom  # the 30-line result: 4 lines shown, the rest collapsed
    assert "100 in / 10 out tokens · $0.0100 · 0.50 s" in dom
    assert "I will train." in dom and "python train.py" in dom
    checks = re.search(r'<div class="tj-checks">(.*?)</div></div></details>', dom, re.S).group(1)
    assert "loss below 0.05" in checks and "wrong content" in checks
    assert "package_install (step 3): pip install lightgbm" in checks  # the flags beside the checks
    assert ("assets fetched: hf-bert-base-uncased; refused requests: 2 (/cifar-10/cifar-10-python.tar.gz)"
            in checks)  # what the mirror served the trial and refused it
    assert '<td class="flagged"><details><summary>package_install</summary>' in dom  # and in the trials table
    assert dom.count('<td class="muted">-</td>') >= 1  # the unflagged trial


def test_table_lists_flagged_trials(tmp_path):
    rep, _ = _report_with_trajectory(tmp_path)
    text = table.render(rep)
    assert "integrity flags (evidence to read; outcomes unchanged): 1 trial(s)" in text
    assert "t[react-1] (failed): package_install" in text


def test_report_trial_prints_the_trajectory(tmp_path, capsys):
    _, path = _report_with_trajectory(tmp_path)
    assert cli.main(["report", str(path), "--trial", "react"]) == 0
    out = capsys.readouterr().out
    assert "#3 agent  [100+10 tokens, $0.0100, 0.50 s]" in out and "calls run (c1):" in out
    assert "python train.py" in out and "[... 18 more lines]" in out  # a 30-line result cut at 12
    assert "FAIL a.txt has the answer: wrong content" in out and "outcome: failed" in out


@pytest.mark.parametrize("wanted, message", [("nosuch", "matches no trial"), ("oracle", "has no readable trajectory.json")])
def test_report_trial_bad_input_is_one_line(tmp_path, capsys, wanted, message):
    _, path = _report_with_trajectory(tmp_path)
    assert cli.main(["report", str(path), "--trial", wanted]) == 4
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_report_trial_takes_a_trial_folder(tmp_path, capsys, monkeypatch):
    _report_with_trajectory(tmp_path)
    folder = tmp_path / "out" / "t__react-1"
    (folder / "result.json").write_text(json.dumps({"trial_id": "t[react-1]", "outcome": "passed", "checks": []}))
    monkeypatch.chdir(tmp_path)  # no mldb-out/report.json here: the folder alone is enough
    assert cli.main(["report", "--trial", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "#5 agent" in out and "Done: loss 0.032." in out and "outcome: passed" in out
    assert cli.main(["report", "--trial", "t[react-1]"]) == 4
    assert "give the report" in capsys.readouterr().err
