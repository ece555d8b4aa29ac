"""Layout rules of the package that a reader relies on: a long function says why it is long, and
no module reads another module's private attributes (Optuna's storage internals only in
``optuna_gamma/_storage.py``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = sorted((ROOT / "optuna_gamma").rglob("*.py"))
MAX_LINES = 60  # body lines, the docstring not counted
REASON = "Long by design:"


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[int, int]:
    """First and last line of the body, after the docstring."""
    body = node.body
    first = body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
        and len(body) > 1
    ):
        first = body[1]
    assert node.end_lineno is not None
    return first.lineno, node.end_lineno


def _unexplained(source: str) -> list[str]:
    """The functions of ``source`` longer than ``MAX_LINES`` without a ``REASON`` comment."""
    lines = source.splitlines()
    found = []
    for node in _functions(ast.parse(source)):
        start, end = _body_lines(node)
        # The reason is a comment between the signature and the end of the function.
        if end - start + 1 > MAX_LINES and not any(
            REASON in line for line in lines[node.lineno - 1 : end]
        ):
            found.append(f"{node.name} (line {node.lineno}, {end - start + 1} lines)")
    return found


@pytest.mark.parametrize("path", PACKAGE, ids=lambda p: str(p.relative_to(ROOT)))
def test_long_functions_state_why(path: Path) -> None:
    unexplained = _unexplained(path.read_text())
    assert not unexplained, (
        f"functions over {MAX_LINES} lines without a '# {REASON} ...' comment: {unexplained}"
    )


def test_the_rule_flags_a_long_function_only_without_a_reason() -> None:
    body = '    """Docstring."""\n' + "    x = 1\n" * MAX_LINES
    assert _unexplained("def ok():\n" + body) == []  # the docstring does not count
    long = "def f():\n" + body + "    return x\n"
    assert _unexplained(long) == [f"f (line 1, {MAX_LINES + 1} lines)"]
    assert _unexplained(long.replace("():\n", f"():\n    # {REASON} a test.\n", 1)) == []


# The one module that touches Optuna's storage internals (trial system attrs need the storage
# and the trial id; see its docstring).
STORAGE_MODULE = ROOT / "optuna_gamma" / "_storage.py"


def _private_reads(source: str) -> list[str]:
    """``obj._name`` reads in ``source`` other than on ``self``/``cls``, on module aliases
    (``_gp.fit``) and of names the module defines itself (a classmethod using its own
    instance's helper)."""
    tree = ast.parse(source)
    modules = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    own = {n.name for n in _functions(tree)} | {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.ctx, ast.Store)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    }
    return [
        f"{node.value.id}.{node.attr} (line {node.lineno})"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and isinstance(node.value, ast.Name)
        and node.value.id not in {"self", "cls", *modules}
        and node.attr not in own
    ]


@pytest.mark.parametrize(
    "path", [p for p in PACKAGE if p != STORAGE_MODULE], ids=lambda p: str(p.relative_to(ROOT))
)
def test_no_private_attribute_of_another_module_is_read(path: Path) -> None:
    found = _private_reads(path.read_text())
    assert not found, f"private attributes of other modules' objects read: {found}"


def test_the_rule_flags_another_objects_private_attribute() -> None:
    source = (
        "from optuna_gamma import _gp\n"
        "class A:\n"
        "    def __init__(self):\n"
        "        self._mine = 1\n"
        "    def f(self, other, sampler):\n"
        "        return self._mine + other._mine + _gp.x + sampler._settings\n"
    )
    assert _private_reads(source) == ["sampler._settings (line 6)"]
