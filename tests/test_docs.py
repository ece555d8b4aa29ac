"""Every cross-reference resolves inside the repository: Markdown links, the documents the code
cites, and the equations and sections of docs/math.md it cites."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
import re
import subprocess

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _markdown_candidates() -> Iterable[Path]:
    """Markdown files git tracks or would add: never a git-ignored one, so what a benchmark or
    example writes into an ignored folder does not change which tests are collected. Outside a
    git checkout (an unpacked sdist) every file."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.md"],
            cwd=ROOT,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ROOT.rglob("*.md")
    return (ROOT / name for name in listed.decode().split("\0") if name)


MARKDOWN = sorted(
    p
    for p in _markdown_candidates()
    if p.is_file()
    and not any(part.startswith(".") or part in {"build", "dist", "_build"} for part in p.parts)
    and "raw" not in p.relative_to(ROOT).parts
)
SOURCES = sorted(
    p
    for folder in ("optuna_gamma", "tests", "benchmarks", "examples", "scripts", "hub")
    for p in (ROOT / folder).rglob("*.py")
)
MATH = (ROOT / "docs" / "math.md").read_text()


@pytest.mark.parametrize("doc", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_links_resolve(doc: Path) -> None:
    text = doc.read_text()
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+://|mailto:|#", target):
            continue
        path = target.split("#", 1)[0]
        assert (doc.parent / path).exists(), f"{doc.relative_to(ROOT)} links to missing {target}"


def test_cited_documents_exist() -> None:
    # A path cited as ``<commit>:<path>`` is history (what `git show` prints), checked below.
    missing = []
    for source in SOURCES + MARKDOWN:
        for cited in re.findall(
            r"(?<!:)\b((?:docs|benchmarks/results)/[\w./-]+\.(?:md|png|csv))", source.read_text()
        ):
            if not (ROOT / cited).exists():
                missing.append(f"{source.relative_to(ROOT)}: {cited}")
    assert not missing, missing


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, timeout=60)


def test_cited_history_exists() -> None:
    # Results removed from the repository are cited as ``<commit>:<path>``: the path must exist
    # at that commit (skipped outside a git checkout, or where a shallow clone lacks the commit).
    try:
        if _git("rev-parse", "--git-dir").returncode != 0:
            pytest.skip("not a git checkout")
    except OSError:
        pytest.skip("git is not available")
    missing = []
    for source in SOURCES + MARKDOWN:
        for commit, path in re.findall(
            r"\b([0-9a-f]{7,40}):((?:docs|benchmarks)/[\w./-]+)", source.read_text()
        ):
            if _git("cat-file", "-e", f"{commit}^{{commit}}").returncode != 0:
                continue  # a shallow clone
            if _git("cat-file", "-e", f"{commit}:{path.rstrip('/')}").returncode != 0:
                missing.append(f"{source.relative_to(ROOT)}: {commit}:{path}")
    assert not missing, missing


def test_every_cited_markdown_file_is_in_the_repository() -> None:
    # Any "<name>.md" a source or document mentions must be a file of the repository (found
    # relative to the root, to the citing file, or by name): notes kept elsewhere are not
    # citable. Likewise no "issue <n>", which means nothing to a reader of the repository.
    names = {p.name for p in MARKDOWN}
    offenders = []
    for source in SOURCES + MARKDOWN:
        text = source.read_text()
        for cited in set(re.findall(r"[\w./-]*\w\.md\b", text)):
            resolvable = (
                (ROOT / cited).exists()
                or (source.parent / cited).exists()
                or Path(cited).name in names
            )
            if not resolvable:
                offenders.append(f"{source.relative_to(ROOT)}: {cited}")
        if re.search(r"\b[Ii]ssue \d", text):
            offenders.append(f"{source.relative_to(ROOT)}: an issue number")
    assert not offenders, offenders


def test_cited_equations_and_sections_of_math_md_exist() -> None:
    equations = set(re.findall(r"\(eq\. (\d+)\)", MATH))
    sections = set(re.findall(r"^## §(\d+)", MATH, flags=re.M))
    missing = []
    for source in SOURCES:
        text = source.read_text()
        for match in re.finditer(r"docs/math\.md (?:eqs?\. ([\d\-, ]+)|§(\d+))", text):
            eqs, section = match.groups()
            if section is not None and section not in sections:
                missing.append(f"{source.relative_to(ROOT)}: §{section}")
            for eq in re.findall(r"\d+", eqs or ""):
                if eq not in equations:
                    missing.append(f"{source.relative_to(ROOT)}: eq. {eq}")
    assert not missing, missing
