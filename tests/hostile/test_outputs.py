"""Output files (issue 14, point 6; issue 13, point 6): written whole or not at all, with
the user's umask, errors naming the user's path, temp files of killed runs cleaned up."""

from __future__ import annotations

import errno
import gc
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from renewfin.spec.atomic import STALE_SECONDS, TMP_PREFIX, atomic_write, remove_stale

from .conftest import MODELS, renewfin


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_files_follow_the_umask(umask: int, tmp: Path) -> None:
    old = os.umask(umask)
    try:
        atomic_write(tmp / "a.json", lambda fh: fh.write("{}"))
    finally:
        os.umask(old)
    assert (tmp / "a.json").stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_replaced_file_keeps_its_mode(tmp: Path) -> None:
    target = tmp / "a.txt"
    target.write_text("old")
    target.chmod(0o640)
    atomic_write(target, lambda fh: fh.write("new"))
    assert (target.read_text(), target.stat().st_mode & 0o777) == ("new", 0o640)


def test_cli_outputs_are_not_private(tmp: Path) -> None:
    out = renewfin("run", MODELS / "old_community.yaml", "--json", tmp / "m.json", tmp=tmp)
    assert out.rc == 0
    assert (tmp / "m.json").stat().st_mode & 0o044  # group/other may read (umask 022)


def test_disk_full_names_the_target_and_leaves_nothing(tmp: Path) -> None:
    late: list[Any] = []
    hook, sys.unraisablehook = sys.unraisablehook, late.append

    def full(fh: Any) -> None:
        archive = zipfile.ZipFile(fh, "w")  # like openpyxl's save, never closed on error
        archive.writestr("a.xml", "x" * 10_000)
        raise OSError(errno.ENOSPC, "No space left on device")

    try:
        with pytest.raises(OSError) as info:
            atomic_write(tmp / "book.xlsx", full, mode="wb")
        gc.collect()  # the abandoned ZipFile closes itself now
    finally:
        sys.unraisablehook = hook
    assert info.value.filename == str(tmp / "book.xlsx")
    assert late == []  # no "Exception ignored in ZipFile.__del__"
    assert os.listdir(tmp) == []


def test_an_unwritable_target_is_named_not_the_temp_file(tmp: Path) -> None:
    (tmp / "file").write_text("not a directory")
    with pytest.raises(OSError) as info:
        atomic_write(tmp / "file" / "out.json", lambda fh: fh.write("{}"))
    assert TMP_PREFIX not in str(info.value)
    assert str(tmp / "file") in str(info.value)


def test_cli_error_names_the_users_path(tmp: Path) -> None:
    (tmp / "file").write_text("x")
    out = renewfin("run", MODELS / "old_community.yaml", "--json", tmp / "file" / "m.json", tmp=tmp)
    assert out.rc == 3 and "Traceback" not in out.stderr  # an output failure (renewfin --help)
    assert str(tmp / "file") in out.stderr and TMP_PREFIX not in out.stderr


_SLOW_WRITER = """
import sys, time
from renewfin.spec.atomic import atomic_write
def write(fh):
    fh.write("partial")
    fh.flush()
    print("writing", flush=True)
    time.sleep(60)
atomic_write(sys.argv[1], write)
"""


def test_a_killed_write_leaves_no_target_and_its_temp_is_removed_later(tmp: Path) -> None:
    target = tmp / "out.json"
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    (temp,) = [p for p in tmp.iterdir() if p.name.startswith(TMP_PREFIX)]
    assert not target.exists()
    atomic_write(tmp / "other.json", lambda fh: fh.write("{}"))
    assert temp.exists()  # too recent: it might belong to a live run
    old = time.time() - STALE_SECONDS - 60
    os.utime(temp, (old, old))
    atomic_write(tmp / "other.json", lambda fh: fh.write("{}"))
    assert not temp.exists()
    assert sorted(p.name for p in tmp.iterdir()) == ["other.json"]


def test_remove_stale_touches_only_renewfin_temp_files(tmp: Path) -> None:
    old = time.time() - STALE_SECONDS - 60
    for name in (".renewfin-tmp.a.xlsx.x1", ".other.tmp", "report.html"):
        (tmp / name).write_text("x")
        os.utime(tmp / name, (old, old))
    assert [p.name for p in remove_stale(tmp)] == [".renewfin-tmp.a.xlsx.x1"]
    assert sorted(p.name for p in tmp.iterdir()) == [".other.tmp", "report.html"]
