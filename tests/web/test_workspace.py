"""The workspace (renewfin.web.workspace): project names are one plain path component,
links out of the workspace are refused, every change of a project folder is one rename,
and a project saved there runs unchanged on the command line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from renewfin.cli import main
from renewfin.spec import load_spec
from renewfin.web.errors import ApiError
from renewfin.web.workspace import SPEC_FILE, Workspace, check_name, clean_name

from .conftest import ROOT

MODEL = ROOT / "models" / "old_community.yaml"


@pytest.mark.parametrize(
    "name", ["老旧小区", "old community (2)", "项目_1-a.b", "Ab·c", "x" * 80, "城北（一期）"]
)
def test_names_a_person_would_type_are_accepted(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        ".",
        "..",
        "../x",
        "a/b",
        "a\\b",
        "/etc",
        ".hidden",
        "x" * 81,
        "trailing ",
        "trailing.",
        " leading",
        "nul\x00byte",
        "new\nline",
        "~user",
        "$HOME",
        "a:b",
        12,
        None,
    ],
)
def test_names_that_could_leave_the_folder_are_refused(name: object) -> None:
    with pytest.raises(ApiError) as info:
        check_name(name)
    assert info.value.status == 422
    assert info.value.problems[0].path == "name"
    assert "expected a project name" in info.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [("城北片区/城中村", "城北片区_城中村"), ("../../etc", "etc"), ("  ", "project"), ("_a", "a")],
)
def test_clean_name_makes_a_valid_name_from_any_title(text: str, expected: str) -> None:
    assert clean_name(text) == expected
    check_name(clean_name(text))


def test_a_project_is_a_folder_with_spec_yaml_that_the_cli_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = Workspace(tmp_path / "ws")
    assert ws.names() == [] and not ws.root.exists()  # created on the first save only
    info = ws.create("老旧小区", load_spec(MODEL))
    assert info.valid and info.title == load_spec(MODEL).project.name
    path = ws.spec_path("老旧小区")
    assert path == tmp_path / "ws" / "老旧小区" / SPEC_FILE
    assert main(["validate", str(path)]) == 0
    assert main(["run", str(path)]) == 0
    assert "专项债本息覆盖倍数" in capsys.readouterr().out


def test_duplicate_rename_delete(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    ws.create("a", MODEL.read_text(encoding="utf-8"), "n: 10\ninputs: []\n")
    ws.duplicate("a", "b")
    assert ws.names() == ["a", "b"]
    assert (tmp_path / "b" / "scenario.yaml").read_text() == "n: 10\ninputs: []\n"
    assert ws.spec_path("b").read_bytes() == ws.spec_path("a").read_bytes()
    ws.rename("b", "c")
    assert ws.names() == ["a", "c"]
    with pytest.raises(ApiError) as taken:
        ws.rename("a", "c")
    assert taken.value.status == 409
    ws.delete("a")
    assert ws.names() == ["c"]
    assert sorted(os.listdir(tmp_path)) == ["c"]  # no temporary folder left behind
    with pytest.raises(ApiError) as gone:
        ws.load("a")
    assert gone.value.status == 404


def test_a_failed_creation_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills while the scenario is written: no project, no half-made folder."""
    import renewfin.web.workspace as module

    def full(obj: object, path: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(module, "dump", full)
    ws = Workspace(tmp_path)
    with pytest.raises(OSError):
        ws.create("a", MODEL.read_text(encoding="utf-8"), load_spec(MODEL))  # type: ignore[arg-type]
    assert os.listdir(tmp_path) == []


def test_links_out_of_the_workspace_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / SPEC_FILE).write_text(MODEL.read_text(encoding="utf-8"), encoding="utf-8")
    root = tmp_path / "ws"
    root.mkdir()
    (root / "link").symlink_to(outside)
    (root / "inner").mkdir()
    (root / "inner" / SPEC_FILE).symlink_to(outside / SPEC_FILE)
    ws = Workspace(root)
    assert ws.names() == ["inner"]  # the linked folder is not listed
    for name in ("link", "inner"):
        with pytest.raises(ApiError) as info:
            ws.load(name)
        assert info.value.status == 422 and "link" in info.value.message
    with pytest.raises(ApiError):
        ws.delete("link")
    assert (outside / SPEC_FILE).is_file()


def test_unique_name_counts_up(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    text = MODEL.read_text(encoding="utf-8")
    ws.create(ws.unique_name("城北/片区"), text)
    ws.create(ws.unique_name("城北/片区"), text)
    assert ws.names() == ["城北_片区", "城北_片区 (2)"]
