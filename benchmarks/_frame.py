"""The benchmark frame: what a suite is, where its runs are stored, how they run, the command
line, and the summary every suite reports.

A *suite* (:class:`Suite`) is a set of problems, samplers and seeds, a function that runs one
(problem, sampler, seed) study and returns a JSON-able dict, and a function that writes the
report from every stored run. Every suite runs through :func:`main`::

    python -m benchmarks <suite> [--seeds 0-9] [--workers 2] [--n-trials 100] [--samplers a,b]
                                 [--problems p,q] [--out DIR] [--report] [--quick] [--force]

The run store (:class:`Store`) is a folder ``<out>``:

- ``<out>/raw/<problem>/<sampler>-<seed>.json``: one run, written atomically when it finishes,
  so an interrupted benchmark resumes where it stopped (git ignores every ``raw/`` folder);
- ``<out>/raw/options.json``: the values of the suite's own options (:class:`Option`, e.g.
  ``--epochs``), which a run's numbers depend on: one store holds one setting;
- ``<out>/runs.jsonl.xz``: optionally, the runs packed into one compressed file
  (``--archive``), for a suite whose runs cost hours to repeat; read as if the runs were files;
- the report beside them (``results.md`` and the suite's tables and figures), committed.

The summary (:func:`regret_rows`, :func:`overall`): per problem, sampler and budget the mean and
median normalised regret over seeds, the share of runs stuck far from the optimum (normalised
regret above :data:`STUCK`) and the mean rank among the samplers, per seed; then their means over
problems. Each suite says what its normalised regret is.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import as_completed
import dataclasses
import datetime
import functools
import importlib
import json
import lzma
import multiprocessing
import os
from pathlib import Path
import statistics
import sys
import time
import traceback
from typing import Any
from typing import NamedTuple

from benchmarks import _env

RESULTS = _env.REPO_ROOT / "benchmarks" / "results"
# --quick writes here (git-ignored), so that trying a suite never touches a committed result.
QUICK_OUT = RESULTS / "raw" / "quick"
STUCK = 0.1  # normalised regret above which a run counts as stuck far from the optimum
ARCHIVE = "runs.jsonl.xz"

# Suite name -> the module that defines it (in its SUITES dict). Imported on demand: a suite's
# module limits the BLAS threads and imports its libraries when imported.
MODULES: dict[str, str] = {
    "core": "benchmarks.core",
    "synthetic": "benchmarks.core",
    "sklearn": "benchmarks.core",
    "torch": "benchmarks.core",
    "bbob": "benchmarks.bbob",
    "bbob_large": "benchmarks.bbob",
    "constrained": "benchmarks.constrained",
    "multi_objective": "benchmarks.multi_objective",
    "conditional": "benchmarks.conditional",
    "hpo": "benchmarks.hpo",
    "noisy": "benchmarks.noisy",
    "pruned": "benchmarks.pruned",
    "parallel": "benchmarks.parallel",
    "epochwise": "benchmarks.epochwise",
    "thesis": "benchmarks.thesis",
    "wide": "benchmarks.wide",
}


class Job(NamedTuple):
    """One study to run."""

    problem: str
    sampler: str
    seed: int
    n_trials: int
    options: Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class Option:
    """A suite's own command-line option (``--<name>``), whose value every run depends on: it is
    stored in ``raw/options.json``, and a store refuses runs with another value."""

    name: str  # "epochs" -> --epochs
    type: Callable[[str], Any]
    default: Any
    help: str
    choices: tuple[Any, ...] | None = None


@dataclasses.dataclass(frozen=True)
class Suite:
    """A benchmark suite.

    Attributes:
        name: The command's first argument, and the folder of its results.
        title: What it measures, one line (the README's map and ``--help``).
        run_one: Runs one study: ``run_one(job) -> dict`` with at least ``problem``,
            ``sampler``, ``seed`` and ``trials``; a module-level function (workers import it).
        report: Writes the report from every stored run into ``ctx.out`` and returns the
            Markdown to print: ``report(ctx) -> str``.
        problems: The valid problems (each run's ``--problems`` entry).
        problem_ok: Whether a name outside ``problems`` is a valid problem too (a family of
            problems named by a pattern), or ``None``.
        samplers: The samplers run by default.
        ablations: Further samplers, run only when ``--samplers`` names them.
        default_problems: The problems run by default (all of ``problems`` if ``None``).
        groups: Names that ``--problems`` expands to several problems.
        seeds: Default ``--seeds``.
        n_trials: Default ``--n-trials``; ``None`` if the suite has none (its options say).
        options: The suite's own options.
        quick: ``--quick``'s values of the options (a smoke run of seconds to a minute).
        max_workers: The most ``--workers`` allowed (1 for suites that time wall clock).
        docs: Where the results are discussed.
        pack, unpack: How a run is written to and read from the archive (default: as is).
        unsupported: Why a job cannot run (a sampler that cannot handle a problem), or
            ``None``; such jobs are skipped and listed.
    """

    name: str
    title: str
    run_one: Callable[[Job], dict[str, Any]]
    report: Callable[[ReportContext], str]
    problems: tuple[str, ...]
    samplers: tuple[str, ...]
    ablations: tuple[str, ...] = ()
    default_problems: tuple[str, ...] | None = None
    groups: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    seeds: str = "0-9"
    n_trials: int | None = 100
    options: tuple[Option, ...] = ()
    quick: Mapping[str, str] = dataclasses.field(default_factory=dict)
    max_workers: int | None = None
    docs: str = "docs/benchmarks.md"
    pack: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    unpack: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    unsupported: Callable[[Job], str | None] | None = None
    problem_ok: Callable[[str], bool] | None = None

    @property
    def out(self) -> Path:
        """The committed results folder, ``benchmarks/results/<name>``."""
        return RESULTS / self.name


@dataclasses.dataclass
class ReportContext:
    """What a suite's report gets: every stored run of the selection, and the setting."""

    suite: Suite
    out: Path
    runs: list[dict[str, Any]]
    options: dict[str, Any]
    n_trials: int | None
    info: dict[str, Any]  # this process's machine info (see _env.machine_info)

    @property
    def seeds(self) -> list[int]:
        return sorted({int(r["seed"]) for r in self.runs})

    def commands(self) -> list[str]:
        """Commands that make these runs: one per set of problems run with the same seeds and
        samplers."""
        suite = self.suite
        seeds: dict[str, set[int]] = {}
        samplers: dict[str, set[str]] = {}
        trials: dict[str, set[int]] = {}
        for run in self.runs:
            seeds.setdefault(run["problem"], set()).add(int(run["seed"]))
            samplers.setdefault(run["problem"], set()).add(run["sampler"])
            trials.setdefault(run["problem"], set()).add(n_trials_of(run))
        groups: dict[tuple[str, str, str], list[str]] = {}
        for p in seeds:
            key = (
                seed_spec(sorted(seeds[p])),
                ",".join(order(samplers[p], (*suite.samplers, *suite.ablations))),
                str(max(trials[p])),
            )
            groups.setdefault(key, []).append(p)
        out = []
        for (seed_list, sampler_list, n), problems in groups.items():
            parts = ["python", "-m", "benchmarks", suite.name]
            names = order(problems, suite.problems)
            if tuple(names) != tuple(suite.default_problems or suite.problems):
                group = [g for g, members in suite.groups.items() if list(members) == names]
                parts += ["--problems", group[0] if group else ",".join(names)]
            if sampler_list == ",".join((*suite.samplers, *suite.ablations)) and suite.ablations:
                parts += ["--samplers", "all"]
            elif sampler_list != ",".join(suite.samplers):
                parts += ["--samplers", sampler_list]
            parts += ["--seeds", seed_list]
            if suite.n_trials is not None:
                parts += ["--n-trials", n]
            for option in suite.options:
                if self.options.get(option.name) != option.default:
                    flag = f"--{option.name.replace('_', '-')}"
                    parts += [flag, str(self.options[option.name])]
            out.append(" ".join(parts))
        return out

    def header(self, extra: Mapping[str, str] | None = None) -> str:
        """The Markdown bullets at the top of a report: machine and versions of the report,
        where the runs were made, seeds, and the commands."""
        lines = _env.markdown_header(self.info, extra).splitlines()
        lines.insert(-1, f"- runs: {len(self.runs)}; {provenance(self.runs)}")
        lines[-1] = f"- report command: `{self.info.get('command', '?')}`"
        commands = self.commands()
        lines.append(
            "- run command"
            + ("s" if len(commands) > 1 else "")
            + ": "
            + "; ".join(f"`{c}`" for c in commands)
        )
        return "\n".join(lines)


def get_suite(name: str) -> Suite:
    """The suite called ``name``; a ``ValueError`` lists the valid names otherwise."""
    if name not in MODULES:
        raise ValueError(f"unknown suite {name!r}; valid suites: {', '.join(MODULES)}")
    suites: dict[str, Suite] = importlib.import_module(MODULES[name]).SUITES
    return suites[name]


# -- seeds, selections ------------------------------------------------------------------------


def parse_seeds(spec: str) -> list[int]:
    """``"0-9"``, ``"0,3,5"`` or ``"0-4,10"`` as a sorted list of distinct seeds >= 0."""
    seeds: set[int] = set()
    try:
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            lo, dash, hi = part.partition("-")
            if dash and lo:
                if int(lo) > int(hi):
                    raise ValueError
                seeds.update(range(int(lo), int(hi) + 1))
            else:
                seeds.add(int(part))
    except ValueError:
        raise ValueError(
            f"--seeds: cannot parse {spec!r}; use non-negative ints, ranges and commas, "
            "e.g. '0-9' or '0,2,5-7'"
        ) from None
    if not seeds or min(seeds) < 0:
        raise ValueError(f"--seeds: {spec!r} must select at least one seed >= 0")
    return sorted(seeds)


def seed_spec(seeds: Sequence[int]) -> str:
    """The shortest ``--seeds`` value for ``seeds``: ``0-9``, ``0-4,10``."""
    parts: list[str] = []
    ordered = sorted(set(seeds))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)


def select(
    spec: str,
    option: str,
    valid: Sequence[str],
    groups: Mapping[str, Sequence[str]],
    ok: Callable[[str], bool] | None = None,
) -> list[str]:
    """The names of a comma list, groups expanded; a ``ValueError`` names ``option`` and the
    valid names otherwise (``ok``: whether a further name is valid)."""
    out: list[str] = []
    for item in (s.strip() for s in spec.split(",")):
        if not item:
            continue
        known = item in valid or (ok is not None and ok(item))
        names = groups.get(item, [item] if known else None)
        if names is None:
            extra = f"groups {', '.join(groups)}; " if groups else ""
            raise ValueError(f"{option}: unknown name {item!r}; valid: {extra}{', '.join(valid)}")
        out.extend(n for n in names if n not in out)
    if not out:
        raise ValueError(f"{option}: empty selection {spec!r}")
    return out


# -- the run store ----------------------------------------------------------------------------


class Store:
    """The runs of one suite in one folder (see the module docstring)."""

    def __init__(self, out: Path, suite: Suite) -> None:
        self.out = out
        self.raw = out / "raw"
        self.suite = suite

    def path(self, problem: str, sampler: str, seed: int) -> Path:
        return self.raw / problem / f"{sampler}-{seed}.json"

    @functools.cached_property
    def archived(self) -> dict[tuple[str, str, int], dict[str, Any]]:
        path = self.out / ARCHIVE
        if not path.exists():
            return {}
        unpack = self.suite.unpack or (lambda run: run)
        with lzma.open(path, "rt") as fh:
            runs = [unpack(json.loads(line)) for line in fh if line.strip()]
        return {_key(r): r for r in runs}

    def load(self) -> dict[tuple[str, str, int], dict[str, Any]]:
        """Every stored run by ``(problem, sampler, seed)``; a file wins over the archive."""
        runs = dict(self.archived)
        for path in sorted(self.raw.glob("*/*.json")):
            run = json.loads(path.read_text())
            runs[_key(run)] = run
        return runs

    def done(self, job: Job, stored: Mapping[tuple[str, str, int], dict[str, Any]]) -> bool:
        """Whether a stored run covers ``job``: the same study with at least its trials (a
        seeded study's first trials do not depend on how many follow)."""
        run = stored.get((job.problem, job.sampler, job.seed))
        return run is not None and n_trials_of(run) >= job.n_trials

    def save(self, run: dict[str, Any]) -> Path:
        path = self.path(run["problem"], run["sampler"], int(run["seed"]))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(run) + "\n")
        tmp.replace(path)
        return path

    def options(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The suite's option values for this store: those it was made with, those ``given``
        (explicitly on the command line) or the defaults. A ``ValueError`` if a given value
        differs from the store's."""
        path = self.raw / "options.json"
        stored = json.loads(path.read_text()) if path.exists() else {}
        out = {}
        for option in self.suite.options:
            name = option.name
            if name in given and name in stored and given[name] != stored[name]:
                flag = "--" + name.replace("_", "-")
                raise ValueError(
                    f"{flag} {given[name]}: the runs in {_env.shown_path(self.out)} were made "
                    f"with {flag} {stored[name]}; use another --out for another setting"
                )
            out[name] = given.get(name, stored.get(name, option.default))
        return out

    def save_options(self, options: Mapping[str, Any]) -> None:
        if self.suite.options:
            self.raw.mkdir(parents=True, exist_ok=True)
            (self.raw / "options.json").write_text(json.dumps(dict(options), indent=1) + "\n")

    def write_archive(self) -> Path:
        """Packs every stored run (archive and files) into ``<out>/runs.jsonl.xz``."""
        pack = self.suite.pack or (lambda run: run)
        runs = self.load()
        path = self.out / ARCHIVE
        tmp = path.with_suffix(".tmp")
        with lzma.open(tmp, "wt", preset=9 | lzma.PRESET_EXTREME) as fh:
            for key in sorted(runs):
                fh.write(json.dumps(pack(runs[key])) + "\n")
        tmp.replace(path)
        return path


def _key(run: Mapping[str, Any]) -> tuple[str, str, int]:
    return run["problem"], run["sampler"], int(run["seed"])


def n_trials_of(run: Mapping[str, Any]) -> int:
    """The trials a run was asked for (runs stored before the field existed: those it has)."""
    return int(run.get("n_trials", len(run.get("trials", ()))))


# -- running ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _run_env() -> dict[str, Any]:
    info = _env.machine_info()
    return {
        "commit": info["commit"],
        "cpu": info["cpu"],
        "blas": info["blas"],
        "optuna": info["versions"].get("optuna"),
        "optuna_gamma": info["versions"].get("optuna_gamma"),
    }


def _run_job(suite_name: str, out: str, job: Job) -> str:
    """Runs one job and stores it (in a worker process or in this one)."""
    suite = get_suite(suite_name)
    start = time.perf_counter()
    run = suite.run_one(job)
    env = dict(_run_env())
    env["date"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    run = {
        **run,
        "n_trials": job.n_trials,
        "options": dict(job.options),
        "seconds": round(time.perf_counter() - start, 3),
        "env": env,
    }
    Store(Path(out), suite).save(run)
    return f"{job.problem} {job.sampler} seed {job.seed}: {run['seconds']:.1f} s"


def _init_worker(suite_name: str) -> None:
    """One BLAS/OpenMP/torch thread; the suite's module and the samplers' heavy modules are
    imported before any trial is timed."""
    _env.limit_threads(1)
    get_suite(suite_name)
    for module in ("scipy.optimize", "scipy.stats", "optuna_gamma", "torch"):
        try:
            importlib.import_module(module)
        except ImportError:
            pass
    _env.limit_threads(1)  # torch may be imported now: set its pool as well


def run_jobs(suite: Suite, out: Path, jobs: Sequence[Job], workers: int) -> int:
    """Runs ``jobs`` (``workers`` processes; with 1, in this process) and stores each run when
    it finishes; returns the number of failed runs (each reported with its traceback)."""
    failures = 0
    done = 0

    def report(job: Job, result: str | None, error: str | None) -> None:
        nonlocal failures, done
        done += 1
        head = f"[{done}/{len(jobs)}]"
        if error is None:
            print(f"{head} {result}", flush=True)
        else:
            failures += 1
            print(
                f"{head} {job.problem} {job.sampler} seed {job.seed}: FAILED\n{error}",
                file=sys.stderr,
                flush=True,
            )

    if workers == 1:
        _init_worker(suite.name)
        for job in jobs:
            try:
                report(job, _run_job(suite.name, str(out), job), None)
            except Exception:  # noqa: BLE001 - report it, keep the other runs going
                report(job, None, traceback.format_exc())
        return failures
    _env.limit_threads(1)  # inherited by the spawned workers
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=ctx, initializer=_init_worker, initargs=(suite.name,)
    ) as pool:
        futures = {pool.submit(_run_job, suite.name, str(out), job): job for job in jobs}
        for future in as_completed(futures):
            try:
                report(futures[future], future.result(), None)
            except Exception:  # noqa: BLE001 - report it, keep the other runs going
                report(futures[future], None, traceback.format_exc())
    return failures


# -- the command line -------------------------------------------------------------------------


def build_parser(suite: Suite) -> argparse.ArgumentParser:
    """The command line of ``python -m benchmarks <suite>``."""
    problems = suite.default_problems or suite.problems
    parser = argparse.ArgumentParser(
        prog=f"python -m benchmarks {suite.name}",
        description=f"{suite.title} Runs every missing (problem, sampler, seed) study into "
        "<out>/raw/ (resumable), then writes the report of every stored run into <out>.",
        epilog=f"problems: {', '.join(suite.problems)}"
        + (f"; groups: {', '.join(suite.groups)}" if suite.groups else "")
        + f". samplers: {', '.join(suite.samplers)}"
        + (
            f"; ablations (run only when named): {', '.join(suite.ablations)}"
            if suite.ablations
            else ""
        )
        + f". Results discussed in {suite.docs}.",
    )
    parser.add_argument("--seeds", default=None, help=f"e.g. 0-9, 0,3,5 (default {suite.seeds})")
    if suite.n_trials is not None:
        parser.add_argument(
            "--n-trials",
            type=int,
            default=None,
            help=f"trials per study (default {suite.n_trials})",
        )
    parser.add_argument(
        "--problems", default=None, help=f"comma list (default {','.join(problems)})"
    )
    parser.add_argument(
        "--samplers",
        default=None,
        help=f"comma list, or 'all' with the ablations (default {','.join(suite.samplers)})",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes, one run each, one BLAS thread each (default 1: in this process)"
        + (f"; at most {suite.max_workers} here" if suite.max_workers else ""),
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"store and report folder (default {_env.shown_path(suite.out)}, the committed "
        f"results; with --quick {_env.shown_path(QUICK_OUT / suite.name)}, git-ignored)",
    )
    parser.add_argument(
        "--report",
        action="store_true",
        help="run nothing; write the report (of the stored runs of --problems and --samplers "
        "where given)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: "
        + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in suite.quick.items())
        + " (explicit options still win)",
    )
    parser.add_argument("--force", action="store_true", help="rerun studies already stored")
    parser.add_argument(
        "--archive",
        action="store_true",
        help=f"after the report, pack every stored run into <out>/{ARCHIVE}",
    )
    for option in suite.options:
        parser.add_argument(
            f"--{option.name.replace('_', '-')}",
            type=_checked(option.type),
            default=None,
            choices=option.choices,
            help=f"{option.help} (default {option.default}; part of every run's setting)",
        )
    return parser


@dataclasses.dataclass
class Plan:
    """A command line, checked: what to run and where (:func:`plan`)."""

    suite: Suite
    parser: argparse.ArgumentParser
    args: argparse.Namespace
    store: Store
    problems: list[str]
    samplers: list[str]
    seeds: list[int]
    n_trials: int | None
    workers: int
    options: dict[str, Any]

    def jobs(self) -> tuple[list[Job], list[str]]:
        """The studies to run (those not stored yet, or all with ``--force``), and the
        combinations skipped with their reason."""
        stored = self.store.load()
        jobs, skipped = [], set()
        for s in self.samplers:
            for seed in self.seeds:
                for p in self.problems:
                    job = Job(p, s, seed, self.n_trials or 0, self.options)
                    why = self.suite.unsupported(job) if self.suite.unsupported else None
                    if why is not None:
                        skipped.add(f"skip {s} on {p}: {why}")
                    elif self.args.force or not self.store.done(job, stored):
                        jobs.append(job)
        return jobs, sorted(skipped)

    def runs(self) -> list[dict[str, Any]]:
        """The stored runs the report covers: every run of the suite in the store, or, with
        ``--report``, those of the problems and samplers that ``--problems`` and ``--samplers``
        name."""
        suite, args = self.suite, self.args
        narrow = args.report and not args.quick

        def wanted(p: str, s: str) -> bool:
            if narrow and args.problems is not None and p not in self.problems:
                return False
            if narrow and args.samplers is not None and s not in self.samplers:
                return False
            return p in suite.problems or (suite.problem_ok is not None and suite.problem_ok(p))

        return [run for (p, s, _), run in sorted(self.store.load().items()) if wanted(p, s)]


def _checked(convert: Callable[[str], Any]) -> Callable[[str], Any]:
    """``convert`` for argparse: its ``ValueError`` message becomes the error shown."""

    def checked(text: str) -> Any:
        try:
            return convert(text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    return checked


def plan(suite_name: str, argv: Sequence[str] | None = None) -> Plan:
    """Parses and checks ``python -m benchmarks <suite_name> ...``; a bad value exits with
    status 2 and a message naming the option (argparse's ``error``)."""
    suite = get_suite(suite_name)
    parser = build_parser(suite)
    args = parser.parse_args(argv)
    if args.quick:
        for key, value in suite.quick.items():
            if getattr(args, key, None) is None:
                setattr(args, key, value)
    out: Path = args.out or (QUICK_OUT / suite.name if args.quick else suite.out)
    store = Store(out, suite)
    try:
        seeds = parse_seeds(args.seeds or suite.seeds)
        problems = select(
            args.problems or ",".join(suite.default_problems or suite.problems),
            "--problems",
            suite.problems,
            suite.groups,
            suite.problem_ok,
        )
        valid = (*suite.samplers, *suite.ablations)
        samplers = select(
            args.samplers or ",".join(suite.samplers), "--samplers", valid, {"all": valid}
        )
        given = {}
        for option in suite.options:
            value = getattr(args, option.name)
            if value is not None:
                given[option.name] = option.type(value) if isinstance(value, str) else value
        options = store.options(given)
    except ValueError as err:
        parser.error(str(err))
    n_trials = suite.n_trials
    if suite.n_trials is not None:
        n_trials = int(args.n_trials) if args.n_trials is not None else suite.n_trials
        if n_trials < 1:
            parser.error(f"--n-trials: must be >= 1, got {n_trials}")
    workers = int(args.workers) if args.workers is not None else 1
    if workers < 1 or (suite.max_workers is not None and workers > suite.max_workers):
        parser.error(f"--workers: {workers} must be in 1..{suite.max_workers or os.cpu_count()}")
    return Plan(suite, parser, args, store, problems, samplers, seeds, n_trials, workers, options)


def main(suite_name: str, argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks <suite_name> ...``: run what is missing, then report."""
    p = plan(suite_name, argv)
    failures = 0
    if not p.args.report:
        jobs, skipped = p.jobs()
        p.store.save_options(p.options)
        for line in skipped:
            print(line)
        print(f"{len(jobs)} runs to do -> {_env.shown_path(p.store.raw)}", flush=True)
        failures = run_jobs(p.suite, p.store.out, jobs, p.workers)
        if failures:
            print(f"{failures} runs failed", file=sys.stderr)
    runs = p.runs()
    if not runs:
        p.parser.error(f"no stored runs of this selection under {_env.shown_path(p.store.raw)}")
    ctx = ReportContext(p.suite, p.store.out, runs, p.options, p.n_trials, _env.machine_info())
    p.store.out.mkdir(parents=True, exist_ok=True)
    print(p.suite.report(ctx))
    if p.args.archive:
        print(f"packed the runs into {_env.shown_path(p.store.write_archive())}")
    return 1 if failures else 0


# -- summaries --------------------------------------------------------------------------------


def ranks(values: Sequence[float]) -> list[float]:
    """Ranks of ``values`` (1 = smallest); ties share the mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def order(names: Sequence[str] | set[str], registry: Sequence[str]) -> list[str]:
    """Distinct ``names`` in ``registry`` order, unknown names last (alphabetically)."""
    keys = list(registry)
    return sorted(set(names), key=lambda n: (keys.index(n) if n in keys else len(keys), n))


def index_runs(
    runs: Sequence[dict[str, Any]], problem_order: Sequence[str], sampler_order: Sequence[str]
) -> tuple[dict[tuple[str, str, int], dict[str, Any]], list[str], list[str], dict[str, list[int]]]:
    """``(by_key, problems, samplers, complete)``: the runs by ``(problem, sampler, seed)``, the
    problems and samplers present (in the suite's order), and per problem the seeds that every
    sampler has finished -- only those count, so that ranks compare like with like."""
    by_key = {_key(r): r for r in runs}
    problems = order({r["problem"] for r in runs}, problem_order)
    samplers = order({r["sampler"] for r in runs}, sampler_order)
    seeds = sorted({int(r["seed"]) for r in runs})
    complete = {
        p: [s for s in seeds if all((p, sm, s) in by_key for sm in samplers)] for p in problems
    }
    return by_key, problems, samplers, complete


def report_budgets(runs: Sequence[dict[str, Any]], budgets: Sequence[int]) -> tuple[int, ...]:
    """The budgets every run reached (or the shortest run's length, for a smoke run)."""
    reached = tuple(b for b in budgets if all(len(r["trials"]) >= b for r in runs))
    return reached or (min(len(r["trials"]) for r in runs),)


def regret_stats(
    regrets: Sequence[float], rank: Sequence[float], stuck: float = STUCK
) -> dict[str, float]:
    """The row fields every suite reports for one problem, sampler and budget: the mean and
    median normalised regret over seeds, the share above ``stuck``, the mean rank."""
    return {
        "mean_nreg": statistics.fmean(regrets),
        "median_nreg": statistics.median(regrets),
        "stuck": statistics.fmean(r > stuck for r in regrets),
        "mean_rank": statistics.fmean(rank),
    }


def regret_rows(
    runs: Sequence[dict[str, Any]],
    problem_order: Sequence[str],
    sampler_order: Sequence[str],
    budgets: Sequence[int],
    nreg: Callable[[dict[str, Any], int], float],
    rank_value: Callable[[dict[str, Any], int], float],
    *,
    rank_groups: Callable[[list[str]], list[list[str]]] | None = None,
    extra: Callable[[str, str, int, list[dict[str, Any]]], dict[str, Any]] | None = None,
    stuck: float = STUCK,
) -> list[dict[str, Any]]:
    """One row per problem, sampler and budget over the seeds every sampler finished:
    ``problem, sampler, budget, runs`` and :func:`regret_stats`, then ``extra``'s fields.

    ``nreg(run, budget)``: a run's normalised regret at the budget (0 optimal, 1 as good as a
    typical random point). ``rank_value(run, budget)``: lower is better; per seed, each sampler
    is ranked within the first of ``rank_groups(samplers)`` that holds it (default: all
    samplers together).
    """
    by_key, problems, samplers, complete = index_runs(runs, problem_order, sampler_order)
    groups = rank_groups(samplers) if rank_groups is not None else [samplers]
    rows: list[dict[str, Any]] = []
    for p in problems:
        seeds = complete[p]
        if not seeds:
            continue
        for b in budgets:
            rank: dict[str, list[float]] = {s: [] for s in samplers}
            for seed in seeds:
                value = {s: rank_value(by_key[(p, s, seed)], b) for s in samplers}
                taken: set[str] = set()
                for group in groups:
                    for s, r in zip(group, ranks([value[s] for s in group]), strict=True):
                        if s not in taken:
                            rank[s].append(r)
                            taken.add(s)
            for s in samplers:
                chosen = [by_key[(p, s, seed)] for seed in seeds]
                rows.append(
                    {
                        "problem": p,
                        "sampler": s,
                        "budget": b,
                        "runs": len(chosen),
                        **regret_stats([nreg(r, b) for r in chosen], rank[s], stuck),
                        **(extra(p, s, b, chosen) if extra is not None else {}),
                    }
                )
    return rows


def regret_summary(
    runs: Sequence[dict[str, Any]],
    problems: Sequence[str],
    sampler_order: Sequence[str],
    budgets: Sequence[int],
    nreg: Callable[[dict[str, Any], int], float],
    rank_value: Callable[[dict[str, Any], int], float],
    refs: dict[str, Any],
    *,
    extra: Callable[[str, str, int, list[dict[str, Any]]], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The summary a suite's ``summary.json`` holds: :func:`regret_rows` per problem, their
    :func:`overall` means over the samplers present, the seeds every sampler finished, and the
    references the regrets used."""
    per_problem = regret_rows(
        runs, problems, sampler_order, budgets, nreg, rank_value, extra=extra
    )
    samplers = order({r["sampler"] for r in per_problem}, sampler_order)
    _, _, _, complete = index_runs(runs, problems, sampler_order)
    return {
        "per_problem": per_problem,
        "overall": overall(per_problem, samplers),
        "seeds": complete,
        "refs": refs,
    }


def overall(
    per_problem: Sequence[dict[str, Any]], samplers: Sequence[str]
) -> list[dict[str, Any]]:
    """Per sampler and budget, the mean over problems of the per-problem rows' ``mean_nreg``,
    ``mean_rank`` and ``stuck``."""
    fields = [
        f for f in ("mean_nreg", "mean_rank", "stuck") if per_problem and f in per_problem[0]
    ]
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for row in per_problem:
        groups.setdefault((row["sampler"], row["budget"]), []).append(row)
    return [
        {
            "sampler": s,
            "budget": b,
            "problems": len(rows),
            **{f: statistics.fmean(r[f] for r in rows) for f in fields},
        }
        for (s, b), rows in sorted(
            groups.items(), key=lambda kv: (kv[0][1], list(samplers).index(kv[0][0]))
        )
    ]


def save_summary(out: Path, summary: dict[str, Any], info: dict[str, Any]) -> None:
    """Writes ``summary.json`` (one table row per line) and ``machine.json`` (the report's
    machine)."""
    (out / "summary.json").write_text(dumps(summary) + "\n")
    (out / "machine.json").write_text(json.dumps(info, indent=2) + "\n")


def dumps(obj: Any, indent: int = 0) -> str:
    """JSON with nested containers indented and flat ones (a table row, a list of numbers) on
    one line: readable diffs at a third of ``indent=1``'s size."""

    def flat(x: Any) -> bool:
        items = x.values() if isinstance(x, dict) else x
        return not any(isinstance(v, (dict, list)) for v in items)

    if not isinstance(obj, (dict, list)) or flat(obj):
        return json.dumps(obj, default=str)
    pad = " " * (indent + 1)
    if isinstance(obj, dict):
        body = [f"{pad}{json.dumps(str(k))}: {dumps(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(body) + "\n" + " " * indent + "}"
    return "[\n" + ",\n".join(pad + dumps(v, indent + 1) for v in obj) + "\n" + " " * indent + "]"


def overall_table(rows: Sequence[dict[str, Any]], regret: str = "mean nreg") -> list[str]:
    """The Markdown lines of :func:`overall`'s rows (``regret``: the regret column's name)."""
    stuck = bool(rows) and "stuck" in rows[0]
    lines = [
        f"| trials | sampler | problems | {regret} | mean rank |" + (" stuck |" if stuck else ""),
        "|---|---|---|---|---|" + ("---|" if stuck else ""),
    ]
    for row in rows:
        lines.append(
            f"| {row['budget']} | {row['sampler']} | {row['problems']} | {row['mean_nreg']:.3f} "
            f"| {row['mean_rank']:.2f} |" + (f" {row['stuck']:.0%} |" if stuck else "")
        )
    return lines


def table(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str, str]]) -> list[str]:
    """The Markdown lines of a table with one row per ``rows`` entry and one column per
    ``(header, key, format spec)`` of ``columns``."""
    lines = ["| " + " | ".join(h for h, _, _ in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(format(r[k], f) for _, k, f in columns) + " |" for r in rows]
    return lines


def provenance(runs: Sequence[dict[str, Any]]) -> str:
    """Where the runs were made: commits, CPUs and (where any run recorded them) BLAS kernels,
    with their counts (runs stored before the store recorded one count as 'not recorded')."""

    def counts(field: str) -> str:
        found = Counter(str((run.get("env") or {}).get(field, "not recorded")) for run in runs)
        return ", ".join(
            f"{name} ({n})" if name == "not recorded" else f"`{name}` ({n})"
            for name, n in found.items()
        )

    text = f"made at commit {counts('commit')} on CPU {counts('cpu')}"
    if any("blas" in (run.get("env") or {}) for run in runs):
        text += f" with BLAS {counts('blas')}"
    return text


def cached_references(
    out: Path,
    keys: Sequence[str],
    compute: Callable[[str], Any],
    *,
    sort_keys: bool = False,
) -> dict[str, Any]:
    """The suite's references (optima, random medians, reference points) by key, from
    ``<out>/references.json``; missing ones are computed and saved one by one (they can take
    a while), so the file is committed with the report and never recomputed."""
    path = out / "references.json"
    refs: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    for key in keys:
        if key not in refs:
            refs[key] = compute(key)
            out.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(refs, indent=1, sort_keys=sort_keys) + "\n")
    return refs
