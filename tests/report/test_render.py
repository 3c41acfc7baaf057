"""The report renders in headless Chromium without errors or broken images, for every
bundled model, and prints to PDF. Needs /usr/bin/chromium (Debian ``chromium``; ``.ci/run``
installs it): without it these tests fail and say so."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from renewfin.report.build import CSP, sections_for

from .conftest import MODELS, built
from .figures import parse

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

PROBE = """<script>
window.__errors = [];
window.addEventListener('error', function (e) {
  window.__errors.push('error: ' + (e.message || (e.target && e.target.tagName) || e.type));
}, true);
document.addEventListener('securitypolicyviolation', function (e) {
  window.__errors.push('csp: ' + e.blockedURI + ' ' + e.violatedDirective);
});
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var broken = imgs.filter(function (i) { return !i.complete || i.naturalWidth === 0; });
  var out = document.createElement('pre');
  out.id = '__probe';
  out.textContent = JSON.stringify({
    images: imgs.length, broken: broken.length, errors: window.__errors,
    sections: document.querySelectorAll('section[data-section]').length,
    height: document.body.scrollHeight});
  document.body.appendChild(out);
});
</script>"""
"""Injected into a copy of the report (the report itself has no script): records errors,
CSP violations and broken images, and writes them into the DOM after load."""


def chromium() -> str:
    """The Chromium binary, or fail with how to install it."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} not found: the report tests render the HTML in headless "
            "Chromium; install it (apt-get install chromium — .ci/run does)"
        )
    return CHROMIUM


def run_chromium(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def probe(html: str) -> str:
    """The report with the probe script allowed and injected."""
    assert CSP in html
    out = html.replace(CSP, CSP + "; script-src 'unsafe-inline'", 1)
    return out.replace("<head>", "<head>" + PROBE, 1)


@pytest.mark.parametrize("name", MODELS)
def test_renders_in_chromium_without_errors(name: str, tmp_path: Path) -> None:
    data, rendered = built(name)
    page = tmp_path / "report.html"
    page.write_text(probe(rendered.html), encoding="utf-8")
    done = run_chromium(["--virtual-time-budget=20000", "--dump-dom", page.as_uri()], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    m = re.search(r'<pre id="__probe">(.*?)</pre>', done.stdout, re.S)
    assert m is not None, "the page did not finish loading: " + done.stderr[-2000:]
    result = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    expected_images = len(parse(rendered.html).images)
    assert result["errors"] == []
    assert result["broken"] == 0
    assert result["images"] == expected_images == len(rendered.charts) >= 7
    assert result["sections"] == len(sections_for(data.spec))
    assert result["height"] > 5000


def test_prints_to_pdf(tmp_path: Path) -> None:
    _, rendered = built("old_community")
    page = tmp_path / "report.html"
    page.write_text(rendered.html, encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    done = run_chromium(
        ["--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()], tmp_path
    )
    assert done.returncode == 0, done.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= 10
