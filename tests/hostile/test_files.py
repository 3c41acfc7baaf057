"""Hostile files: every file renewfin reads is parsed within the limits of
``renewfin.spec.limits`` and refused with exit code 2, a short message and under 200 MB
of memory (issue 14, point 1)."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from .conftest import CEILING_MB, MODELS, ROOT, SCENARIOS, assert_refused, renewfin

SPEC = MODELS / "old_community.yaml"
SCENARIO = SCENARIOS / "old_community.yaml"


def laughs(levels: int = 12) -> str:
    """A billion-laughs YAML document: 10**levels strings from 12 short lines."""
    text = "a0: &a0 [" + ", ".join(['"lol"'] * 10) + "]\n"
    for i in range(1, levels):
        text += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n"
    return text


def spec_text() -> str:
    return SPEC.read_text(encoding="utf-8")


def _first_amount_line() -> int:
    """Index of the bundled spec's first ``    amount:`` line (its first investment item)."""
    return next(
        i for i, line in enumerate(spec_text().splitlines()) if line.startswith("    amount: ")
    )


def with_duplicate_amount() -> str:
    """The bundled spec with a second ``amount:`` after the first one of its first
    investment item."""
    lines = spec_text().splitlines()
    k = _first_amount_line()
    return "\n".join([*lines[: k + 1], "    amount: 99999", *lines[k + 1 :]]) + "\n"


DUPLICATE_LINES = (_first_amount_line() + 1, _first_amount_line() + 2)
"""The 1-based lines of the two ``amount:`` keys of ``with_duplicate_amount``."""


YAML_CASES: dict[str, tuple[Callable[[], str], tuple[str, ...]]] = {
    "alias bomb": (laughs, ("values once aliases are expanded",)),
    "recursive alias": (
        lambda: "project: &p {name: *p}\n",
        ("refers to a value that contains it",),
    ),
    "deep block nesting": (
        lambda: "".join("  " * i + "a:\n" for i in range(200)),
        ("nested more than 64 levels deep",),
    ),
    "deep flow nesting": (lambda: "[" * 20000 + "]" * 20000, ("not valid YAML",)),
    "many values": (lambda: "[" + "1," * 1_500_000 + "1]", ("more than 200,000 values",)),
    "duplicate key": (
        with_duplicate_amount,
        ("duplicate key 'amount' on lines {} and {}".format(*DUPLICATE_LINES),),
    ),
    "duplicate section": (lambda: spec_text() + "funding: {}\n", ("duplicate key 'funding'",)),
    "too large": (lambda: "# " + "x" * (9 * 1024 * 1024), ("larger than 8 MB",)),
    "huge name": (
        lambda: spec_text().replace("  name: 滨江区", "  name: " + "滨" * 2_000_000, 1),
        ("project.name", "..."),
    ),
}


@pytest.mark.parametrize("case", list(YAML_CASES))
def test_hostile_spec_yaml_is_refused(case: str, tmp: Path) -> None:
    make, fragments = YAML_CASES[case]
    path = tmp / "spec.yaml"
    path.write_text(make(), encoding="utf-8")
    assert_refused(renewfin("validate", path, tmp=tmp), str(path), *fragments)


def test_duplicate_key_message_names_both_lines(tmp: Path) -> None:
    lines = with_duplicate_amount().splitlines()
    first, second = [i + 1 for i, line in enumerate(lines) if line.startswith("    amount:")][:2]
    assert (first, second) == DUPLICATE_LINES and "99999" in lines[second - 1]
    assert lines[first - 1] == spec_text().splitlines()[first - 1]


@pytest.mark.parametrize("case", ["deep", "duplicate", "many values"])
def test_hostile_spec_json_is_refused(case: str, tmp: Path) -> None:
    path = tmp / "spec.json"
    text = {
        "deep": "[" * 20000 + "]" * 20000,
        "duplicate": '{"project": {"name": "a", "name": "b"}}',
        "many values": "[" + "[]," * 1_000_000 + "[]]",
    }[case]
    path.write_text(text, encoding="utf-8")
    fragment = {
        "deep": "nested more than 64 levels deep",
        "duplicate": "duplicate key 'name'",
        "many values": "more than 200,000 values",
    }[case]
    assert_refused(renewfin("validate", path, tmp=tmp), fragment)


def test_alias_bomb_in_a_scenario_file_is_refused(tmp: Path) -> None:
    path = tmp / "scenario.yaml"
    path.write_text(SCENARIO.read_text(encoding="utf-8") + laughs(), encoding="utf-8")
    assert_refused(
        renewfin("simulate", SPEC, "--scenario", path, "-n", "10", tmp=tmp),
        "invalid scenario",
        "aliases are expanded",
    )


def test_duplicate_key_in_a_district_file_is_refused(tmp: Path) -> None:
    text = (MODELS / "districts" / "chengnan.yaml").read_text(encoding="utf-8")
    path = MODELS / "districts" / "hostile_tmp_district.yaml"  # members are found beside it
    path.write_text(text.replace("\nfunding:\n", "\nfunding: {}\nfunding:\n", 1), encoding="utf-8")
    try:
        out = renewfin("district", path, tmp=tmp)
    finally:
        path.unlink()
    assert_refused(out, "duplicate key 'funding'")


def test_alias_bomb_in_a_portfolio_file_is_refused(tmp: Path) -> None:
    path = tmp / "portfolio.yaml"
    path.write_text(laughs(), encoding="utf-8")
    assert_refused(
        renewfin("simulate-portfolio", path, "-n", "10", tmp=tmp), "aliases are expanded"
    )


# ----------------------------------------------------------------------------- xlsx


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A template pre-filled from the bundled spec (it imports cleanly)."""
    from renewfin.excel.template import write_template
    from renewfin.spec import load_spec

    path = tmp_path_factory.mktemp("tpl") / "filled.xlsx"
    write_template(path, load_spec(SPEC))
    return path


def rezip(src: Path, dst: Path, part: str, write: Callable[[bytes, object], None]) -> Path:
    """Copy ``src`` to ``dst`` with ``part`` rewritten by ``write(old_bytes, fh)``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == part:
                with zout.open(part, "w", force_zip64=True) as fh:
                    write(data, fh)
            else:
                zout.writestr(info, data)
        if part not in zin.namelist():
            with zout.open(part, "w", force_zip64=True) as fh:
                write(b"", fh)
    return dst


def padding(mb: int, byte: bytes = b" ") -> Callable[[bytes, object], None]:
    """Write the part's XML head, then ``mb`` MB of one byte (a deflate bomb)."""

    def write(data: bytes, fh: object) -> None:
        cut = data.find(b"<sheetData>")
        fh.write(data[: cut + len(b"<sheetData>")] if cut >= 0 else data[:200])  # type: ignore[attr-defined]
        chunk = byte * (1 << 20)
        for _ in range(mb):
            fh.write(chunk)  # type: ignore[attr-defined]

    return write


def sheet_part(path: Path, name: str) -> str:
    """The archive part of sheet ``name``."""
    wb = openpyxl.load_workbook(path, read_only=True)
    index = wb.sheetnames.index(name)
    wb.close()
    return f"xl/worksheets/sheet{index + 1}.xml"


def test_zip_bomb_worksheet_is_refused_before_inflating(filled: Path, tmp: Path) -> None:
    bomb = rezip(filled, tmp / "bomb.xlsx", sheet_part(filled, "revenues"), padding(300))
    assert bomb.stat().st_size < 2 * 1024 * 1024  # 300 MB inflated, under 2 MB on disk
    assert_refused(
        renewfin("import", bomb, "-o", tmp / "x.yaml", tmp=tmp),
        "inflates to 300 MB",
        "more than 16 MB",
    )
    assert not (tmp / "x.yaml").exists()


def test_bloated_styles_part_is_refused(filled: Path, tmp: Path) -> None:
    bomb = rezip(filled, tmp / "styles.xlsx", "xl/styles.xml", padding(40))
    assert_refused(
        renewfin("import", bomb, "-o", tmp / "x.yaml", tmp=tmp),
        "part xl/styles.xml inflates to 40 MB",
        "more than 4 MB",
    )


def test_bloated_shared_strings_part_is_refused(filled: Path, tmp: Path) -> None:
    bomb = rezip(filled, tmp / "ss.xlsx", "xl/sharedStrings.xml", padding(40))
    assert_refused(
        renewfin("import", bomb, "-o", tmp / "x.yaml", tmp=tmp),
        "part xl/sharedStrings.xml inflates to 40 MB",
    )


def test_compression_ratio_above_the_limit_is_refused(filled: Path, tmp: Path) -> None:
    bomb = rezip(filled, tmp / "ratio.xlsx", sheet_part(filled, "revenues"), padding(3))
    assert_refused(
        renewfin("import", bomb, "-o", tmp / "x.yaml", tmp=tmp),
        "more than 100 : 1",
        "not a zip bomb",
    )


def insert_rows(xml: bytes) -> Callable[[bytes, object], None]:
    def write(data: bytes, fh: object) -> None:
        fh.write(data.replace(b"</sheetData>", xml + b"</sheetData>"))  # type: ignore[attr-defined]

    return write


def test_content_beyond_the_row_limit_is_refused(filled: Path, tmp: Path) -> None:
    far = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    path = rezip(filled, tmp / "far.xlsx", sheet_part(filled, "revenues"), insert_rows(far))
    assert_refused(
        renewfin("import", path, "-o", tmp / "x.yaml", tmp=tmp),
        "revenues!A1048576",
        "more than 10,000 rows",
    )


def test_a_run_of_empty_rows_is_read_cheaply(filled: Path, tmp: Path) -> None:
    path = rezip(
        filled, tmp / "gap.xlsx", sheet_part(filled, "revenues"), insert_rows(b'<row r="1048576"/>')
    )
    out = renewfin("import", path, "-o", tmp / "x.yaml", tmp=tmp)
    assert out.rc == 0 and "Traceback" not in out.stderr, out.stderr[-2000:]
    assert out.growth_mb < CEILING_MB, f"{out.growth_mb:.0f} MB added"


def test_formula_without_a_stored_value_is_refused(filled: Path, tmp: Path) -> None:
    wb = openpyxl.load_workbook(filled)
    ws = wb["evaluation"]
    ref = next(
        r[1].coordinate for r in ws.iter_rows(min_row=2) if r[0].value == "evaluation.discount_rate"
    )
    ws[ref] = "=0.02*1"  # openpyxl stores no calculated value
    path = tmp / "formula.xlsx"
    wb.save(path)
    assert_refused(
        renewfin("import", path, "-o", tmp / "x.yaml", tmp=tmp),
        f"evaluation!{ref}: a formula without a calculated value",
        "=0.02*1",
    )
    assert not (tmp / "x.yaml").exists()


@pytest.mark.parametrize("content", [b"PK\x03\x04 not really a zip", b"\x00" * 1000])
def test_not_a_workbook_is_refused(content: bytes, tmp: Path) -> None:
    path = tmp / "fake.xlsx"
    path.write_bytes(content)
    assert_refused(renewfin("import", path, "-o", tmp / "x.yaml", tmp=tmp), "not an .xlsx workbook")


def test_limits_are_documented_in_one_place() -> None:
    from renewfin.spec import limits

    doc = limits.__doc__ or ""
    for name in (
        "MAX_TEXT_BYTES",
        "MAX_DEPTH",
        "MAX_ALIASES",
        "MAX_NODES",
        "MAX_XLSX_RATIO",
        "MAX_XLSX_PART_BYTES",
        "MAX_XLSX_SHEET_BYTES",
        "MAX_XLSX_TOTAL_BYTES",
    ):
        assert name in doc, name
    assert json.dumps(str(ROOT))  # the corpus runs from any directory
