"""The workshop guide (docs/guide, an mdBook): its generated chapters exist
for every lesson, it builds, and every command in a ```sh block of it runs
and exits 0 — so a teacher who types what the guide says never meets an
error. scripts/build-guide.sh (run by scripts/test.sh before these tests)
generates the chapters and builds the book.
"""
import os
import pathlib
import re
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SRC = ROOT / "docs" / "guide" / "src"
MICROSIM = pathlib.Path(os.environ.get("MICROSIM", str(ROOT / "target" / "release" / "microsim")))


def commands():
    out = []
    for md in sorted(SRC.rglob("*.md")):
        for block in re.findall(r"```sh\n(.*?)```", md.read_text(), re.S):
            out += [(md.relative_to(SRC).as_posix(), line) for line in block.splitlines() if line.strip()]
    return out


def test_every_lesson_has_a_chapter_and_the_book_was_built():
    lessons = sorted(p.stem for p in (ROOT / "architectures" / "lessons").glob("*.json"))
    chapters = sorted(p.stem for p in (SRC / "lessons").glob("*.md"))
    assert chapters == lessons, "run scripts/build-guide.sh"
    summary = (SRC / "SUMMARY.md").read_text()
    for name in lessons:
        assert f"lessons/{name}.md" in summary
    book = ROOT / "docs" / "guide" / "book"
    assert (book / "index.html").is_file(), "mdbook build docs/guide"
    assert (book / "lessons" / "zone-outage.html").is_file()


COMMANDS = commands()


def test_the_guide_has_commands():
    assert len(COMMANDS) > 20, COMMANDS


@pytest.mark.parametrize("where,command", COMMANDS, ids=[f"{w}:{c}" for w, c in COMMANDS])
def test_every_command_in_the_guide_runs(where, command, tmp_path):
    assert command.startswith("microsim "), f"{where}: {command}"
    env = dict(os.environ, PATH=f"{MICROSIM.parent}{os.pathsep}{os.environ['PATH']}", NO_COLOR="1")
    p = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, f"{where}: {command}\n{p.stderr[-2000:]}"
