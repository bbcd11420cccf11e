"""The HTML report: self-contained, and drawn in a real headless Chromium without console errors."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from pytest_mldevbench import cli
from pytest_mldevbench.report import browser, html, json_report

from . import png
from .factory import report, sample, trial

needs_chromium = pytest.mark.skipif(browser.find() is None, reason="Chromium not installed (apt-get install -y "
                                    "chromium, or set MLDB_CHROMIUM): the browser tests need a real browser")


def _sample_files(tmp_path):
    rep = sample()
    path = tmp_path / "r.json"
    json_report.write(rep, path)
    return rep, path


def test_html_is_self_contained(tmp_path):
    rep = report([trial("evil</script><script>alert(1)</script>", "oracle", 1, True)])
    page = tmp_path / "r.html"
    html.write(rep, page)
    text = page.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), "a network reference"
    assert "<link" not in text and "@import" not in text and "url(" not in text
    assert text.count("<script") == 2 and "evil\\u003c/script\\u003e" in text  # the data cannot close its script element
    assert "default-src 'none'" in text  # the CSP forbids any fetch at view time


def test_cli_writes_html(tmp_path, capsys):
    rep, path = _sample_files(tmp_path)
    assert cli.main(["report", str(path), "--html", str(tmp_path / "out" / "r.html")]) == 0
    assert (tmp_path / "out" / "r.html").is_file() and "html report:" in capsys.readouterr().out


@needs_chromium
def test_html_renders_in_chromium(tmp_path):
    rep, _ = _sample_files(tmp_path)
    page = tmp_path / "r.html"
    html.write(rep, page)
    dom, log = browser.dump_dom(page)
    body = re.search(r"<body[^>]*>", dom).group(0)
    assert 'data-rendered="yes"' in body and 'data-errors="0"' in body, re.search(r'id="errors">[^<]*', dom)
    assert not [line for line in log.splitlines() if ":CONSOLE" in line], "console output"
    agg = rep["aggregates"]
    bars = sum(1 for cat in agg["by_category_agent_model"].values() for s in cat.values() if s["success_rate"] is not None)
    points = sum(1 for task in agg["by_task_agent_model"].values() for s in task.values() if s["success_rate"] is not None)
    assert len(re.findall(r'<rect [^>]*class="bar"', dom)) == bars == 9
    assert len(re.findall(r'<circle [^>]*class="point"', dom)) == points == 27
    assert dom.count("<tr>") >= len(rep["trials"]) + 9  # one row per trial, per task, headers
    assert "sample data" in dom and "pass@k" in dom


@needs_chromium
def test_html_fails_loudly_in_chromium_on_a_script_error(tmp_path):
    """The error capture the previous test relies on does see errors."""
    rep, _ = _sample_files(tmp_path)
    page = tmp_path / "bad.html"
    page.write_text(html.render(rep, page).replace("const labels=", "notDefined();const labels="))
    dom, log = browser.dump_dom(page)
    assert 'data-errors="1"' in dom and "notDefined is not defined" in dom
    assert any(":CONSOLE" in line for line in log.splitlines())


@needs_chromium
def test_screenshot_shows_the_charts(tmp_path):
    rep, path = _sample_files(tmp_path)
    shot = tmp_path / "shot.png"
    assert cli.main(["report", str(path), "--html", str(tmp_path / "r.html"), "--screenshot", str(shot)]) == 0
    width, height, rows = png.read(shot)
    assert (width, height) == (1280, 1400)
    pixels = Counter(row[i:i + 3] for row in rows[::4] for i in range(0, len(row), 12))
    total = sum(pixels.values())
    white = pixels[b"\xff\xff\xff"]
    assert white < 0.97 * total, "the page is blank"
    # the first three palette colours fill the bars and points of the three agent-models
    for colour in ("3b6fd4", "e07b39", "2e9d6a"):
        assert pixels[bytes.fromhex(colour)] > 20, f"no #{colour} pixels: a chart did not draw"
