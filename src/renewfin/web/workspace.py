"""The workspace: a folder of projects, each a folder holding ``spec.yaml`` (and
``scenario.yaml`` when it has one), so that a project saved in the browser runs unchanged
on the command line (``renewfin run WORKSPACE/NAME/spec.yaml``).

No path outside the workspace is ever read or written: a project name is one plain path
component (checked by :func:`check_name`), symbolic links are refused, and every change
of a folder (create, duplicate, rename, delete) is a single rename, so that a failure
leaves either the old state or the new one. Files are written through
``renewfin.spec.io`` (atomically). The workspace folder is created on the first save.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from renewfin.spec import ProjectSpec, ScenarioSpec, SpecError, load_scenario, load_spec
from renewfin.spec.errors import Problem
from renewfin.spec.io import dump, read_data
from renewfin.web.errors import ApiError

__all__ = ["SCENARIO_FILE", "SPEC_FILE", "ProjectInfo", "Workspace", "check_name", "clean_name"]

SPEC_FILE = "spec.yaml"
"""The project spec inside a project folder."""
SCENARIO_FILE = "scenario.yaml"
"""The project's scenario file (uncertain inputs), when it has one."""
MAX_NAME = 80
"""Longest project name [characters]."""

_NAME = re.compile(r"[^\W_][\w .()（）·-]*")
_NOT_IN_NAME = re.compile(r"[^\w .()（）·-]+")


def _refuse(name: Any, why: str) -> ApiError:
    shown = name if isinstance(name, str) else type(name).__name__
    problem = Problem("name", why, shown)
    return ApiError(422, "invalid_name", str(problem), [problem])


def check_name(name: Any) -> str:
    """``name`` if it is a valid project name: 1 to 80 letters (any script), digits,
    spaces and ``_ - . ( ) （ ） ·``, starting with a letter or digit, not ending in a
    space or a dot — one path component, never ``..``.

    Raises
    ------
    ApiError
        422, naming the value and the rule.
    """
    rule = (
        f"expected a project name of 1 to {MAX_NAME} letters, digits, spaces and _ - . ( ), "
        "starting with a letter or digit"
    )
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME:
        raise _refuse(name, rule)
    if _NAME.fullmatch(name) is None or name.endswith((" ", ".")):
        raise _refuse(name, rule)
    return name


def clean_name(text: str) -> str:
    """A valid project name made from free text (a project's title): characters a name
    may not hold become ``_``."""
    name = _NOT_IN_NAME.sub("_", text.strip())[:MAX_NAME].strip(" ._") or "project"
    return name if _NAME.fullmatch(name) else f"p{name}"[:MAX_NAME]


@dataclass(frozen=True)
class ProjectInfo:
    """One project of the workspace as the project list shows it."""

    name: str
    title: str
    valid: bool
    has_scenario: bool
    modified: float
    """Last change of the spec file [seconds since the epoch]."""
    problems: int = 0


class Workspace:
    """The projects under one folder."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser().absolute()

    # --------------------------------------------------------------------- locations

    def _folder(self, name: Any, *, exists: bool | None = True) -> Path:
        """The folder of project ``name``; ``exists`` True/False requires it to exist or
        not (404 / 409), None accepts both."""
        path = self.root / check_name(name)
        if path.is_symlink():  # the name is one component: only a link could lead out
            raise _refuse(name, "a project folder may not be a link out of the workspace")
        there = path.is_dir() and (path / SPEC_FILE).is_file()
        if exists is True and not there:
            raise ApiError(404, "not_found", f"no project named {name!r} in the workspace")
        if exists is False and path.exists():
            raise ApiError(409, "exists", f"a project named {name!r} exists already")
        return path

    def _file(self, name: str, filename: str) -> Path:
        path = self._folder(name) / filename
        if path.is_symlink():
            raise _refuse(name, f"{filename} may not be a link")
        return path

    def spec_path(self, name: str) -> Path:
        """The spec file of project ``name`` (404 when there is none)."""
        return self._file(name, SPEC_FILE)

    def scenario_path(self, name: str) -> Path | None:
        """The scenario file of project ``name``, or None when it has none."""
        path = self._file(name, SCENARIO_FILE)
        return path if path.is_file() else None

    # ------------------------------------------------------------------------ reading

    def names(self) -> list[str]:
        """Names of the projects, sorted."""
        if not self.root.is_dir():
            return []
        out = []
        for entry in self.root.iterdir():
            if entry.is_symlink() or _NAME.fullmatch(entry.name) is None:
                continue
            if entry.is_dir() and (entry / SPEC_FILE).is_file():
                out.append(entry.name)
        return sorted(out)

    def info(self, name: str) -> ProjectInfo:
        """What the project list shows about project ``name``."""
        path = self.spec_path(name)
        try:
            title, valid, problems = load_spec(path).project.name, True, 0
        except SpecError as exc:
            title, valid, problems = name, False, len(exc.problems)
        return ProjectInfo(
            name,
            title,
            valid,
            self.scenario_path(name) is not None,
            path.stat().st_mtime,
            problems,
        )

    def projects(self) -> list[ProjectInfo]:
        """Every project, sorted by name."""
        return [self.info(n) for n in self.names()]

    def load(self, name: str) -> ProjectSpec:
        """The validated spec of project ``name`` (``SpecError`` when the file is not)."""
        return load_spec(self.spec_path(name))

    def raw(self, name: str) -> Any:
        """The spec file's plain data, valid or not, for editing."""
        return read_data(self.spec_path(name))

    def scenario(self, name: str) -> ScenarioSpec | None:
        """The validated scenario of project ``name``, or None when it has none."""
        path = self.scenario_path(name)
        return None if path is None else load_scenario(path)

    # ------------------------------------------------------------------------ writing

    def _fresh(self, name: str) -> tuple[Path, Path]:
        """A new hidden folder to fill, and where it goes when complete."""
        target = self._folder(name, exists=False)
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".new-{uuid.uuid4().hex}"
        tmp.mkdir()
        return tmp, target

    def _make(self, name: str, fill: Callable[[Path], None]) -> ProjectInfo:
        """A new project ``name`` whose files ``fill`` writes into a hidden folder, renamed
        into place once complete (a failure leaves nothing)."""
        tmp, target = self._fresh(name)
        try:
            fill(tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self._publish(tmp, target)
        return self.info(name)

    def _publish(self, tmp: Path, target: Path) -> None:
        try:
            if target.exists():
                raise ApiError(409, "exists", f"a project named {target.name!r} exists already")
            tmp.rename(target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    def create(
        self,
        name: str,
        spec: ProjectSpec | str,
        scenario: ScenarioSpec | str | None = None,
    ) -> ProjectInfo:
        """A new project from a spec and an optional scenario, each a model (written as
        YAML) or the text of a valid file (copied as it is, comments included)."""

        def fill(folder: Path) -> None:
            _write(folder / SPEC_FILE, spec)
            if scenario is not None:
                _write(folder / SCENARIO_FILE, scenario)

        return self._make(name, fill)

    def save_spec(self, name: str, spec: ProjectSpec) -> ProjectInfo:
        """Replace the spec of project ``name`` (atomically) by a validated one."""
        dump(spec, self.spec_path(name))
        return self.info(name)

    def save_scenario(self, name: str, scenario: ScenarioSpec | None) -> ProjectInfo:
        """Replace (or, with None, remove) the scenario of project ``name``."""
        path = self._file(name, SCENARIO_FILE)
        if scenario is None:
            path.unlink(missing_ok=True)
        else:
            dump(scenario, path)
        return self.info(name)

    def duplicate(self, name: str, new: str) -> ProjectInfo:
        """A copy of project ``name`` called ``new``."""
        source = self._folder(name)

        def fill(folder: Path) -> None:
            for filename in (SPEC_FILE, SCENARIO_FILE):
                if (source / filename).is_file() and not (source / filename).is_symlink():
                    shutil.copyfile(source / filename, folder / filename)

        return self._make(new, fill)

    def rename(self, name: str, new: str) -> ProjectInfo:
        """Project ``name`` renamed ``new`` (one rename of its folder)."""
        source = self._folder(name)
        target = self._folder(new, exists=False)
        source.rename(target)
        return self.info(new)

    def delete(self, name: str) -> None:
        """Remove project ``name``: its folder is renamed out of the way at once, then
        removed."""
        source = self._folder(name)
        trash = self.root / f".deleted-{uuid.uuid4().hex}"
        source.rename(trash)
        shutil.rmtree(trash, ignore_errors=True)

    def unique_name(self, base: str) -> str:
        """``base`` cleaned into a name, with `` (2)``, `` (3)`` … when it is taken."""
        first = clean_name(base)
        taken = set(self.names())
        if first not in taken:
            return first
        k = 2
        while True:
            suffix = f" ({k})"
            name = first[: MAX_NAME - len(suffix)].rstrip(" .") + suffix
            if name not in taken:
                return name
            k += 1


def _write(path: Path, content: BaseModel | str) -> None:
    if isinstance(content, str):
        from renewfin.spec.io import atomic_write

        atomic_write(path, lambda fh: fh.write(content))
    else:
        dump(content, path)
