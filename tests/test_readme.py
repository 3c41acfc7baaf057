"""The README's commands run as written (issue 13 item 2): its quick-start commands are the
setup-and-run and the install-and-test commands, then (issue 21) the setup-and-serve one
of the web app; ``.ci/run`` runs exactly the second, and every ``renewfin`` command of its
code blocks runs, in a fresh directory that holds only the bundled ``models/`` and
``scenarios/``. A command that serves until interrupted (``renewfin serve``) runs with
``--check --port 0``: it starts on a free port, checks that the page and the API answer,
and stops. Reference: README.md itself."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from renewfin.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"```bash\n(.*?)```", re.S)


def _section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end]


def _lines(text: str) -> list[str]:
    return [
        ln.strip()
        for block in BLOCK.findall(text)
        for ln in block.splitlines()
        if ln.strip() and not ln.strip().startswith("#")
    ]


def _renewfin_commands() -> list[list[str]]:
    """Each ``renewfin`` command of every bash block (``a && b`` gives two), as argv."""
    out = []
    for line in _lines(README):
        for part in line.split("&&"):
            words = shlex.split(part, comments=True)
            if words and Path(words[0]).name == "renewfin":
                out.append(words[1:])
    return out


def test_quick_start_is_three_commands_and_ci_runs_the_second() -> None:
    setup, tests, web = _lines(_section("Quick start"))  # exactly three
    assert setup.startswith("sh tools/install.sh && .venv/bin/renewfin run models/")
    assert tests == "sh tools/install.sh --tests && .venv/bin/python -m pytest"
    assert web == "sh tools/install.sh && .venv/bin/renewfin serve"
    ci = [
        ln
        for ln in (ROOT / ".ci" / "run").read_text().splitlines()
        if ln and not ln.startswith(("#", "set ", "cd "))
    ]
    assert ci == [tests]


def test_install_script_installs_what_the_tests_need() -> None:
    """The system packages behind the tests that need LibreOffice (workbook recalculation;
    Writer opens the Word report), poppler (reads and renders the PDF reports), Chromium
    (report rendering), its driver (the web app's end-to-end tests) and the CJK fonts
    (report charts)."""
    script = (ROOT / "tools" / "install.sh").read_text()
    packages = (
        "python3-venv",
        "libreoffice-calc-nogui",
        "libreoffice-writer-nogui",
        "poppler-utils",
        "chromium",
        "chromium-driver",
    )
    for package in (*packages, "fonts-noto-cjk"):
        assert package in script
    assert 'pip install -q -e ".$extra"' in script and 'extra="[test]"' in script
    assert (
        subprocess.run(["sh", "-n", str(ROOT / "tools" / "install.sh")], check=False).returncode
        == 0
    )
    bad = subprocess.run(
        ["sh", str(ROOT / "tools" / "install.sh"), "--bogus"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "usage:" in bad.stderr


COMMANDS = _renewfin_commands()
SERVES = frozenset({"serve"})
"""Commands that run until interrupted: run with ``--check --port 0``."""


def test_the_readme_shows_the_commands() -> None:
    names = {argv[0] for argv in COMMANDS}
    assert names >= {
        "validate",
        "run",
        "simulate",
        "sensitivity",
        "solve",
        "district",
        "simulate-portfolio",
        "report",
        "template",
        "import",
        "schema",
        "serve",
    }


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("models", "scenarios"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_readme_command_runs_as_written(
    checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In order, as a reader would (``import`` reads what ``template`` wrote)."""
    for argv in COMMANDS:
        if argv[0] in SERVES:
            argv = [*argv, "--check", "--port", "0"]
        build_parser().parse_args(argv)
        code = main(argv)
        err = capsys.readouterr().err
        assert code == 0, f"renewfin {shlex.join(argv)} exited {code}: {err[-2000:]}"
        assert "Traceback" not in err
    assert (checkout / "spec.yaml").exists() and (checkout / "report.html").exists()


def test_the_reit_example_figures_are_true() -> None:
    """The README's figures for ``industrial_park_reit`` (the bundled-examples paragraph)
    are those the model gives, at the precision written: the reserve, the coverage with and
    without the exit proceeds, the retained units, the recovered money (the reinvested
    amount ÷ its 90 % share) and the equity IRR under both reinvestment conventions, the
    model's (counted) first. Reference: README.md itself."""
    from renewfin.engine import run
    from renewfin.spec import load_spec

    text = " ".join(README.split())
    res = run(load_spec(ROOT / "models" / "industrial_park_reit.yaml"))
    v = {k: float(a[0]) for k, a in res.values.items()}
    spec = res.spec.funding.reit_exit
    assert spec is not None and spec.reinvestment_counts_as_return
    recovered = v["reit_reinvested"] / spec.reinvestment_share
    expected = [
        f"reserve of {v['escrow_deposit']:,.0f} 万元",
        f"project income is {v['bond_coverage']:.2f} ({v['bond_coverage_with_exit']:.2f} with",
        f"units ({v['reit_retained_units']:,.0f} 万元)",
        f"90 % of the {recovered:,.0f} 万元 it recovers",
        f"equity IRR is {v['equity_irr']:.1%}".replace("%", " %"),
        f"({v['equity_irr_other_convention']:.1%}".replace("%", " %").replace("-", "−"),
    ]
    for phrase in expected:
        assert phrase in text, phrase


def test_the_urban_village_figures_are_true() -> None:
    """The README's land figures for ``urban_village``: the gross land income, its itemised
    set-asides and what the government repays the company, at the precision written (hand
    check: set-asides 0.3 × 260,000 × (1 − 0.77) = 17,940; 成本返还 0.77 × 260,000 = 200,200;
    management fee 2 % of it = 4,004). Reference: README.md itself."""
    from renewfin.engine import run
    from renewfin.spec import load_spec

    text = " ".join(README.split())
    res = run(load_spec(ROOT / "models" / "urban_village.yaml"))
    led = res.ledger
    gross = float(led["revenue.land_gross[经营性用地出让]"].sum())
    set_asides = float(res.values["land_set_asides"][0])
    paid = float(led["revenue.land_reimbursement[经营性用地出让]"].sum())
    fee = float(led["revenue.land_management_fee[经营性用地出让]"].sum())
    assert set_asides == pytest.approx(0.3 * 260_000 * (1 - 0.77), rel=1e-12)
    assert (paid, fee) == pytest.approx((0.77 * 260_000, 0.02 * 0.77 * 260_000), rel=1e-12)
    assert f"the {gross:,.0f} 万元 of land income, which bears {set_asides:,.0f} 万元 of" in text
    assert f"repays the company {paid:,.0f} 万元 of 成本返还 and a {fee:,.0f} 万元" in text
    assert "`platform_land_loan` runs on it and passes" in text
