"""Machine, version and thread settings recorded next to every benchmark result."""

from __future__ import annotations

import datetime
import importlib
import os
from pathlib import Path
import platform
import shlex
import subprocess
import sys
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
THREAD_VARS = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
VERSIONED = (
    "optuna",
    "numpy",
    "scipy",
    "torch",
    "sklearn",
    "cmaes",
    "bayes_opt",
    "greenlet",
    "optuna_gamma",
)


def limit_threads(n: int = 1) -> None:
    """Limit BLAS/OpenMP (and torch, if already imported) to ``n`` threads in this process.

    Call before the worker processes are spawned: they inherit the environment, and libraries
    read it when first imported. Torch's intra-op pool follows ``OMP_NUM_THREADS``.
    """
    for var in THREAD_VARS:
        os.environ[var] = str(n)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(n)


def git_commit() -> str:
    """Short commit hash of the repository, ``+dirty`` if tracked files other than the
    committed results have changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no commit)"
    # Changes to committed results (which a benchmark itself may be rewriting) do not count.
    dirty = subprocess.run(
        [
            "git",
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            ".",
            ":!benchmarks/results",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return head + ("+dirty" if dirty else "")


def versions() -> dict[str, str]:
    """Versions of the packages that matter for the numbers (``-`` when not importable)."""
    out = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            mod = importlib.import_module(name)
            out[name] = str(getattr(mod, "__version__", "?"))
        except Exception:  # noqa: BLE001 - any import failure means "not available"
            out[name] = "-"
    return out


def cpu_model() -> str:
    """CPU model name from /proc/cpuinfo (falls back to platform.processor())."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def blas_kernels() -> str:
    """The BLAS libraries NumPy and SciPy use, their versions and the CPU kernels each chose
    (threadpoolctl's ``architecture``, e.g. ``openblas 0.3.31 (SkylakeX)``), sorted and joined:
    two machines that report the same CPU name can run other kernels, which round differently,
    so a model-based study's suggestions -- and every trial after them -- can differ between
    them from the first differing digit."""
    try:
        import numpy  # noqa: F401 - load the BLAS libraries threadpoolctl reports on
        import scipy.linalg  # noqa: F401
        from threadpoolctl import threadpool_info

        found = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    except Exception:  # noqa: BLE001 - any failure means "unknown"
        return "unknown"
    names = {
        f"{i.get('internal_api', '?')} {i.get('version', '?')}"
        + (f" ({i['architecture']})" if i.get("architecture") else "")
        for i in found
    }
    return ", ".join(sorted(names)) or "unknown"


def machine_info() -> dict[str, Any]:
    """Everything written next to a result: commit, versions, CPU, cores, threads, command."""
    return {
        "commit": git_commit(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": versions(),
        "cpu": cpu_model(),
        "blas": blas_kernels(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "threads": {v: os.environ.get(v, "") for v in THREAD_VARS[:3]},
        "command": command_line(),
    }


def shown_path(path: str | Path) -> str:
    """``path`` relative to the repository root when it lies inside it (results files must not
    carry one machine's absolute paths), else as given."""
    p = Path(path)
    if not p.is_absolute():
        return str(path)
    try:
        return str(p.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def command_line() -> str:
    """The command that started this process, as ``python -m benchmarks ...``, with
    paths inside the repository made relative to its root."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    name = spec.name.removesuffix(".__main__") if spec is not None else None
    head = ["python", "-m", name] if name is not None else ["python", sys.argv[0]]
    args = []
    for arg in sys.argv[1:]:
        name, eq, value = arg.partition("=")
        if eq and name.startswith("--"):
            args.append(f"{name}={shown_path(value)}")
        else:
            args.append(shown_path(arg))
    return shlex.join(head + args)


def markdown_header(info: dict[str, Any], extra: dict[str, str] | None = None) -> str:
    """A Markdown bullet list of the machine info, for the top of a results file."""
    v = info.get("versions", {})
    lines = [
        f"- commit: `{info.get('commit', '?')}`",
        f"- date (UTC): {info.get('date', '?')}",
        "- versions: " + ", ".join(f"{k} {val}" for k, val in v.items()),
        f"- CPU: {info.get('cpu', '?')}, {info.get('cores', '?')} cores"
        + (f"; BLAS: {info['blas']}" if "blas" in info else "")
        + "; threads per worker: "
        + ", ".join(f"{k}={val}" for k, val in info.get("threads", {}).items()),
    ]
    for key, val in (extra or {}).items():
        lines.append(f"- {key}: {val}")
    lines.append(f"- command: `{info.get('command', '?')}`")
    return "\n".join(lines)
