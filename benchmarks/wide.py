"""Wide spaces: more than ten parameters of mixed types, with and without noise, and branched.

The candidates near the best trials (``SurrogateSettings.local_candidates_from``, docs/math.md
§13) are on by default in spaces of at least eleven continuous or large-grid parameters. They
were chosen on continuous bbob functions in 20 and 40-D; this suite checks them where real
tuning spaces of that width live: floats on log scales, integers, stepped floats and
categoricals together, objectives with noise, and a choice between two wide branches. The
ablation is ``gamma-nolocal`` (``local_candidates_from=None``); ``gamma-noise-prior1``
(``noise_prior_rate=1``), ``gamma-noise-check`` (the noise check from 10 trials;
``-25``: from 25, the default since 0.2; ``gamma-no-noise-check`` without it) and
``gamma-trust-region`` (``noisy_trust_region=0.25``, the default since 0.2;
``gamma-no-trust-region`` without it) are the settings for noisy objectives (docs/math.md
§11). Ablations run only when ``--samplers`` names them.

Five problems, all minimised, each built from a fixed layout of 18 parameters (or a branched
one) whose optimum sits on the grid, away from the centre (:data:`LAYOUT`):

- ``wide-levy`` -- Levy on the 16 numeric parameters (each mapped to the Levy domain, the
  optimum moved to the layout's target), plus two categoricals that add an offset (3-way: 0,
  2, 4; 2-way: 0, 1): multimodal, every parameter matters; minimum 0;
- ``wide-hartmann`` -- Hartmann-6 on six of the floats, a weak quadratic (weight 0.05 per
  unit coordinate) on the ten other numeric parameters, and offsets 0 / 0.3 / 0.6 and
  0 / 0.15 for the categoricals: few parameters matter, as in most tuning problems; minimum
  -3.32237;
- ``wide-levy-noisy``, ``wide-hartmann-noisy`` -- the same with Gaussian noise of standard
  deviation :data:`NOISE_SD` (about a tenth of the distance from the random median to the
  optimum); each evaluation draws from a generator keyed by the seed and the trial number;
- ``wide-branched`` -- a categorical ``family`` and two shared integers, then either the
  Hartmann branch (six important floats and six weak ones; minimum -3.32237) or the Levy
  branch (twelve floats, ``levy / 20 - 2.5``: minimum -2.5, worse): 14 parameters on either
  branch.

Four more, run by name only (``--problems wide36-...``; not in the committed run), check the
trust region of many dimensions (``SurrogateSettings.trust_region_from``, on from 20 relaxed
parameters; docs/math.md §13) where it acts in a tuning space: ``wide36-levy``,
``wide36-hartmann`` and their ``-noisy`` forms are the problems above on 36 parameters -- the
layout twice, the second block (:data:`LAYOUT_2`, names prefixed ``2_``) with its own targets and
two more categoricals -- 24 of them relaxed; Levy then runs over all 32 numeric parameters, and
the Hartmann-6 floats stay six beside 26 weak terms. Noise standard deviations 70 and 0.4 (about
a tenth of the distance from the random median to the optimum, as above). The ablation
``gamma-whole-box-20`` (``trust_region_from=None``) is the acquisition over the whole box,
``gamma-startup5`` (``n_startup_trials=5``) the start before 0.2 (five random trials, where the
default now takes one per four parameters: nine):

    python -m benchmarks wide --problems wide36 --seeds 0-7 --n-trials 200 \\
        --samplers gamma,gamma-startup5,gamma-whole-box-20,tpe-mv,random \\
        --out benchmarks/results/wide36

Normalised regret of a run at a budget: ``(best - optimum) / (median of random - optimum)``
where *best* is the lowest noise-free value among the trials evaluated so far (what the search
found; on the noisy problems the values the sampler saw are noisy, the regret is of the truth),
the median over 500 random trials (seed 12345, noise-free values). Rank: per problem, seed and
budget among the samplers (ties share the mean rank).

    python -m benchmarks wide --workers 2                   # the committed run (resumable)
    python -m benchmarks wide --samplers gamma-nolocal      # an ablation
    python -m benchmarks wide --report                      # the report of every stored run
    python -m benchmarks wide --quick                       # smoke run, git-ignored folder

(``python -m benchmarks.wide ...`` is the same command.) Runs:
``benchmarks/results/wide/raw/<problem>/<sampler>-<seed>.json`` (git-ignored); report:
``results.md``, ``summary.json``, ``references.json`` beside it (committed).
"""

from __future__ import annotations

from collections.abc import Callable
import math
import statistics
import sys
from typing import Any

import numpy as np

from benchmarks import _env
from benchmarks import _frame

_env.limit_threads(1)

import optuna  # noqa: E402

from benchmarks.problems import Problem  # noqa: E402
from benchmarks.problems import hartmann6  # noqa: E402
from benchmarks.problems import levy  # noqa: E402

SAMPLERS = ("gamma", "tpe-mv", "gp", "random")
ABLATIONS = (
    "gamma-nolocal",
    "gamma-noise-prior1",
    "gamma-noise-check",
    "gamma-trust-region",
    "gamma-no-trust-region",
    "gamma-noise-check-25",
    "gamma-no-noise-check",
    "gamma-trust-region-12",
    "gamma-whole-box-20",
    "gamma-startup5",
)
# GammaBOSampler with these SurrogateSettings fields: without the local candidates (docs/math.md
# §13), and the settings for noisy objectives (§11).
_SETTINGS: dict[str, dict[str, Any]] = {
    "gamma-nolocal": {"local_candidates_from": None},
    "gamma-noise-prior1": {"noise_prior_rate": 1.0},
    "gamma-noise-check": {"noise_check": True, "noise_check_from": 10},
    "gamma-trust-region": {"noisy_trust_region": 0.25},
    "gamma-no-trust-region": {"noisy_trust_region": None},
    "gamma-noise-check-25": {"noise_check": True, "noise_check_from": 25},
    "gamma-no-noise-check": {"noise_check": False},
    # The trust region of many dimensions (docs/math.md §13) from 12 relaxed parameters, the
    # wide problems' number, not from 20: what it does below the default's threshold.
    "gamma-trust-region-12": {"trust_region_from": 12},
    # The acquisition over the whole box in 20 or more relaxed parameters (the wide36 problems'
    # 24), as before 0.2: what the default trust_region_from=20 does in mixed spaces.
    "gamma-whole-box-20": {"trust_region_from": None},
}
BUDGETS = (25, 50, 100, 200)
STUCK = _frame.STUCK
HARTMANN6_MIN = -3.322368011415514

# One numeric parameter: (name, kind, low, high, target). kind: "float", "log" (float on a log
# scale), "int", "logint" (int on a log scale), "step" (float with step 0.1). The target is on
# the parameter's grid and away from the centre; the unit coordinate of a value is its place
# between low and high (on the log scale for the log kinds).
Numeric = tuple[str, str, float, float, float]
LAYOUT: tuple[Numeric, ...] = (
    ("lr", "log", 1e-5, 1e-1, 3e-3),
    ("weight_decay", "log", 1e-6, 1e-2, 2e-5),
    ("dropout", "float", 0.0, 0.8, 0.15),
    ("momentum", "float", 0.5, 0.999, 0.9),
    ("warmup", "float", 0.0, 0.3, 0.21),
    ("label_smoothing", "float", 0.0, 0.3, 0.05),
    ("beta2", "float", 0.9, 0.9999, 0.97),
    ("grad_clip", "log", 0.01, 10.0, 1.5),
    ("width", "logint", 8, 1024, 200),
    ("batch", "logint", 16, 512, 48),
    ("epochs", "int", 5, 100, 70),
    ("patience", "int", 0, 50, 12),
    ("depth", "int", 1, 12, 4),
    ("heads", "int", 1, 16, 11),
    ("subsample", "step", 0.1, 1.0, 0.7),
    ("colsample", "step", 0.1, 1.0, 0.4),
)
CHOICES = {"optimizer": ("adam", "sgd", "rmsprop"), "schedule": ("cosine", "step")}
# The wide36 problems' second block: the same kinds and ranges (a second network, say, or a
# second stage), named with a ``2_`` prefix, with targets elsewhere on their grids.
_TARGETS_2 = (2e-4, 1e-3, 0.5, 0.7, 0.06, 0.2, 0.995, 0.05, 24, 256, 20, 35, 9, 3, 0.3, 0.9)
LAYOUT_2: tuple[Numeric, ...] = tuple(
    ("2_" + name, kind, low, high, target)
    for (name, kind, low, high, _), target in zip(LAYOUT, _TARGETS_2, strict=True)
)
CHOICES_2 = {"2_" + name: choices for name, choices in CHOICES.items()}
LAYOUT_36 = LAYOUT + LAYOUT_2
# The Hartmann-6 coordinates of wide-hartmann: these six floats (the rest are weak).
HARTMANN_NAMES = ("lr", "dropout", "momentum", "warmup", "label_smoothing", "beta2")
# Noise standard deviation of the noisy problems: about a tenth of (median of random - optimum)
# of the noise-free problem (references.json).
NOISE_SD = {
    "wide-levy-noisy": 30.0,
    "wide-hartmann-noisy": 0.35,
    "wide36-levy-noisy": 70.0,
    "wide36-hartmann-noisy": 0.4,
}


def _suggest(trial: optuna.Trial, spec: Numeric, prefix: str = "") -> float:
    name, kind, low, high, _ = spec
    name = prefix + name
    if kind == "float":
        return trial.suggest_float(name, low, high)
    if kind == "log":
        return trial.suggest_float(name, low, high, log=True)
    if kind == "step":
        return trial.suggest_float(name, low, high, step=0.1)
    return float(trial.suggest_int(name, int(low), int(high), log=kind == "logint"))


def _unit(spec: Numeric, value: float) -> float:
    _, kind, low, high, _ = spec
    if kind in ("log", "logint"):
        return (math.log(value) - math.log(low)) / (math.log(high) - math.log(low))
    return (value - low) / (high - low)


def _offsets(u: np.ndarray, spec: tuple[Numeric, ...]) -> np.ndarray:
    """Each unit coordinate minus its target's: zero at the optimum."""
    return u - np.array([_unit(s, s[4]) for s in spec])


def _levy_of(u: np.ndarray, spec: tuple[Numeric, ...]) -> float:
    """Levy with each unit coordinate spread over the Levy domain's width (20) and its target
    moved to Levy's minimiser (1)."""
    return float(levy(1.0 + 20.0 * _offsets(u, spec)))


def _hartmann_of(values: dict[str, float], spec: tuple[Numeric, ...]) -> float:
    """Hartmann-6 on the unit coordinates of the important floats (its minimiser, off the
    centre, is the optimum there), plus 0.05 per squared unit offset of the others from their
    targets."""
    x = np.array([_unit(_layout(n)[0], values[n]) for n in HARTMANN_NAMES])
    weak = tuple(s for s in spec if s[0] not in HARTMANN_NAMES)
    rest = _offsets(np.array([_unit(s, values[s[0]]) for s in weak]), weak)
    return float(hartmann6(x)) + 0.05 * float(np.sum(rest**2))


def _flat(
    trial: optuna.Trial,
    layout: tuple[Numeric, ...] = LAYOUT,
    categoricals: dict[str, tuple[str, ...]] = CHOICES,
) -> dict[str, Any]:
    values: dict[str, Any] = {s[0]: _suggest(trial, s) for s in layout}
    for name, choices in categoricals.items():
        values[name] = trial.suggest_categorical(name, list(choices))
    return values


def wide_levy(values: dict[str, Any]) -> float:
    """Levy on 16 mixed numeric parameters plus two categorical offsets; min 0."""
    u = np.array([_unit(s, values[s[0]]) for s in LAYOUT])
    offset = 2.0 * CHOICES["optimizer"].index(values["optimizer"])
    return _levy_of(u, LAYOUT) + offset + 1.0 * CHOICES["schedule"].index(values["schedule"])


def wide_hartmann(values: dict[str, Any]) -> float:
    """Hartmann-6 on six of 16 mixed numeric parameters, weak terms, two categorical
    offsets; min -3.32237."""
    offset = 0.3 * CHOICES["optimizer"].index(values["optimizer"])
    offset += 0.15 * CHOICES["schedule"].index(values["schedule"])
    return _hartmann_of(values, LAYOUT) + offset


def _layout(*names: str) -> tuple[Numeric, ...]:
    return tuple(s for s in LAYOUT if s[0] in names)


def _flat36(trial: optuna.Trial) -> dict[str, Any]:
    return _flat(trial, LAYOUT_36, {**CHOICES, **CHOICES_2})


def _offset36(values: dict[str, Any], weights: tuple[float, float]) -> float:
    """The four categoricals' offsets: ``weights[0]`` per step of each optimizer's index,
    ``weights[1]`` per step of each schedule's."""
    total = 0.0
    for prefix in ("", "2_"):
        total += weights[0] * CHOICES["optimizer"].index(values[prefix + "optimizer"])
        total += weights[1] * CHOICES["schedule"].index(values[prefix + "schedule"])
    return total


def wide36_levy(values: dict[str, Any]) -> float:
    """Levy on 32 mixed numeric parameters plus four categorical offsets; min 0."""
    u = np.array([_unit(s, values[s[0]]) for s in LAYOUT_36])
    return _levy_of(u, LAYOUT_36) + _offset36(values, (2.0, 1.0))


def wide36_hartmann(values: dict[str, Any]) -> float:
    """Hartmann-6 on six of 32 mixed numeric parameters, weak terms, four categorical
    offsets; min -3.32237."""
    return _hartmann_of(values, LAYOUT_36) + _offset36(values, (0.3, 0.15))


_SHARED = _layout("epochs", "heads")  # asked on every branch
_H_BRANCH = _layout(
    *HARTMANN_NAMES, "grad_clip", "width", "patience", "depth", "subsample", "colsample"
)
_L_BRANCH = tuple(s for s in LAYOUT if s not in _SHARED + _layout("subsample", "colsample"))


def _branched(trial: optuna.Trial) -> tuple[float, dict[str, Any]]:
    shared = {s[0]: _suggest(trial, s) for s in _SHARED}
    family = trial.suggest_categorical("family", ["hartmann", "levy"])
    prefix = family[0] + "_"
    branch = _H_BRANCH if family == "hartmann" else _L_BRANCH
    own = {s[0]: _suggest(trial, s, prefix) for s in branch}
    values = {**shared, **own}
    if family == "hartmann":
        return _hartmann_of(values, _SHARED + _H_BRANCH), values
    u = np.array([_unit(s, values[s[0]]) for s in _SHARED + _L_BRANCH])
    return _levy_of(u, _SHARED + _L_BRANCH) / 20.0 - 2.5, values


Truth = Callable[[optuna.Trial], float]


def _static(fn: Callable[[dict[str, Any]], float]) -> Truth:
    return lambda trial: fn(_flat(trial))


PROBLEMS: dict[str, tuple[Truth, float]] = {
    "wide-levy": (_static(wide_levy), 0.0),
    "wide-hartmann": (_static(wide_hartmann), HARTMANN6_MIN),
    "wide-levy-noisy": (_static(wide_levy), 0.0),
    "wide-hartmann-noisy": (_static(wide_hartmann), HARTMANN6_MIN),
    "wide-branched": (lambda trial: _branched(trial)[0], HARTMANN6_MIN),
    # 36 parameters, 24 of them relaxed: the trust region of many dimensions acts (§13).
    "wide36-levy": (lambda trial: wide36_levy(_flat36(trial)), 0.0),
    "wide36-hartmann": (lambda trial: wide36_hartmann(_flat36(trial)), HARTMANN6_MIN),
    "wide36-levy-noisy": (lambda trial: wide36_levy(_flat36(trial)), 0.0),
    "wide36-hartmann-noisy": (lambda trial: wide36_hartmann(_flat36(trial)), HARTMANN6_MIN),
}
# The problems of the committed run; the wide36 ones are run by name (``--problems wide36``),
# into their own folder.
WIDE36 = tuple(p for p in PROBLEMS if p.startswith("wide36"))
DEFAULT_PROBLEMS = tuple(p for p in PROBLEMS if p not in WIDE36)


def distributions() -> dict[str, optuna.distributions.BaseDistribution]:
    """The static space of ``wide-levy`` and ``wide-hartmann``, in the order they ask."""
    from optuna.distributions import CategoricalDistribution
    from optuna.distributions import FloatDistribution
    from optuna.distributions import IntDistribution

    out: dict[str, optuna.distributions.BaseDistribution] = {}
    for name, kind, low, high, _ in LAYOUT:
        if kind in ("int", "logint"):
            out[name] = IntDistribution(int(low), int(high), log=kind == "logint")
        else:
            step = 0.1 if kind == "step" else None
            out[name] = FloatDistribution(low, high, log=kind == "log", step=step)
    for name, choices in CHOICES.items():
        out[name] = CategoricalDistribution(list(choices))
    return out


# The noise-free static problems as :class:`benchmarks.problems.Problem` (for
# ``python -m benchmarks overhead --problems wide-levy``).
STATIC = {"wide-levy": wide_levy, "wide-hartmann": wide_hartmann}


def static_problem(name: str) -> Problem:
    """``wide-levy`` or ``wide-hartmann`` as a static :class:`~benchmarks.problems.Problem`."""
    fn = STATIC[name]
    return Problem(
        name=name,
        kind="synthetic",
        suggest=_flat,
        evaluate=fn,
        optimum=PROBLEMS[name][1],
        distributions=distributions(),
        description=(fn.__doc__ or "").strip().splitlines()[0],
    )


def make_sampler(name: str, seed: int) -> optuna.samplers.BaseSampler:
    from optuna_gamma import GammaBOSampler
    from optuna_gamma.surrogate import SurrogateSettings

    if name == "gamma":
        return GammaBOSampler(seed=seed, warn_independent_sampling=False)
    if name == "gamma-startup5":
        # Five start-up trials whatever the width, as before 0.2 (the default counts the
        # parameters: nine in the wide36 spaces).
        return GammaBOSampler(seed=seed, warn_independent_sampling=False, n_startup_trials=5)
    if name in _SETTINGS:
        settings = SurrogateSettings(**_SETTINGS[name])
        return GammaBOSampler(
            seed=seed, warn_independent_sampling=False, surrogate_settings=settings
        )
    if name == "tpe-mv":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True)
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed, warn_independent_sampling=False)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError(f"unknown sampler {name!r}; valid: {', '.join(SAMPLERS + ABLATIONS)}")


def run_one(job: _frame.Job) -> dict[str, Any]:
    """One study; per trial the value the sampler saw and the noise-free one."""
    import warnings

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    truth_of = PROBLEMS[job.problem][0]
    sd = NOISE_SD.get(job.problem, 0.0)
    truths: list[float] = []

    def objective(trial: optuna.Trial) -> float:
        truth = truth_of(trial)
        truths.append(truth)
        noise = np.random.default_rng([job.seed, trial.number]).normal(0.0, sd) if sd else 0.0
        return truth + float(noise)

    study = optuna.create_study(sampler=make_sampler(job.sampler, job.seed))
    study.optimize(objective, n_trials=job.n_trials)
    return {
        "problem": job.problem,
        "sampler": job.sampler,
        "seed": job.seed,
        "trials": [
            {"value": t.value, "truth": truth, "params": t.params}
            for t, truth in zip(study.trials, truths)
        ],
    }


def reference(problem: str) -> float:
    """Median noise-free value of 500 random trials."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=12345))
    study.optimize(PROBLEMS[problem][0], n_trials=500)
    return float(statistics.median(t.value for t in study.trials if t.value is not None))


def _best(trials: list[dict[str, Any]], budget: int) -> float:
    return min(t["truth"] for t in trials[:budget])


def summarise(
    runs: list[dict[str, Any]], refs: dict[str, float], budgets: tuple[int, ...]
) -> dict[str, Any]:
    """Per problem, sampler and budget (:func:`benchmarks._frame.regret_rows`): normalised
    regret of the best noise-free value found, rank by it; then the means over problems."""

    def nreg(run: dict[str, Any], b: int) -> float:
        p = run["problem"]
        optimum = PROBLEMS[p][1]
        return max(_best(run["trials"], b) - optimum, 0.0) / (refs[p] - optimum)

    return _frame.regret_summary(
        runs,
        list(PROBLEMS),
        (*SAMPLERS, *ABLATIONS),
        budgets,
        nreg,
        lambda run, b: _best(run["trials"], b),
        refs,
    )


# The ablations run on the noisy problems only (the noise settings), reported apart so that the
# main table keeps every problem.
NOISE_ABLATIONS = (
    "gamma-noise-prior1",
    "gamma-noise-check",
    "gamma-noise-check-25",
    "gamma-no-noise-check",
)


def report(ctx: _frame.ReportContext) -> str:
    """results.md, summary.json and machine.json from every stored run; references.json holds
    the median of random trials per problem. Two summaries: every problem without the noise
    settings (``summary.json``'s top level), and the noisy problems with them (its
    ``noise_settings``), each ranking the samplers it holds."""
    present = [p for p in PROBLEMS if any(r["problem"] == p for r in ctx.runs)]
    all_refs = _frame.cached_references(ctx.out, present, reference)
    refs = {k: all_refs[k] for k in present}
    budgets = _frame.report_budgets(ctx.runs, BUDGETS)
    main = [r for r in ctx.runs if r["sampler"] not in NOISE_ABLATIONS]
    s = summarise(main, refs, budgets)
    noisy_runs = [r for r in ctx.runs if r["problem"] in NOISE_SD]
    noise = None
    if any(r["sampler"] in NOISE_ABLATIONS for r in noisy_runs):
        noise = summarise(noisy_runs, {k: refs[k] for k in refs if k in NOISE_SD}, budgets)
        s["noise_settings"] = {k: noise[k] for k in ("per_problem", "overall", "seeds")}
    _frame.save_summary(ctx.out, s, ctx.info)
    lines = [
        "# Wide spaces",
        "",
        ctx.header(
            {
                "seeds": f"{_frame.seed_spec(ctx.seeds)} (runs per problem and sampler below)",
                "samplers": "GammaBOSampler, TPESampler (multivariate=True, group=True), "
                "GPSampler, RandomSampler; ablations gamma-nolocal (local_candidates_from=None), "
                "gamma-noise-prior1 (noise_prior_rate=1), "
                "gamma-trust-region (noisy_trust_region=0.25), gamma-no-trust-region "
                "(noisy_trust_region=None), gamma-noise-check (noise_check_from=10), "
                "gamma-noise-check-25 (noise_check_from=25, the default), gamma-no-noise-check "
                "(noise_check=False), gamma-trust-region-12 (trust_region_from=12), "
                "gamma-whole-box-20 (trust_region_from=None), gamma-startup5 "
                "(n_startup_trials=5)",
            }
        ),
        "",
        "Over all problems (mean over problems of each problem's mean over seeds): mean "
        "normalised regret of the best noise-free value found, mean rank, share of runs with "
        f"normalised regret above {STUCK}:",
        "",
        *_frame.overall_table(s["overall"]),
        "",
        *_problem_table(s["per_problem"]),
    ]
    if noise is not None:
        lines += [
            "",
            "## The noisy problems with the noise settings",
            "",
            "The same measures over the noisy problems, the samplers ranked together with "
            + ", ".join(NOISE_ABLATIONS)
            + ":",
            "",
            *_frame.overall_table(noise["overall"]),
            "",
            *_problem_table(
                [r for r in noise["per_problem"] if r["sampler"] in ("gamma", *NOISE_ABLATIONS)]
            ),
        ]
    lines += [
        "",
        "Median of 500 random trials per problem (noise-free): "
        + ", ".join(f"{k} {v:.4g}" for k, v in refs.items()),
    ]
    text = "\n".join(lines) + "\n"
    (ctx.out / "results.md").write_text(text)
    return text


def _problem_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| problem | trials | sampler | runs | mean nreg | median nreg | stuck | mean rank |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['problem']} | {row['budget']} | {row['sampler']} | {row['runs']} "
            f"| {row['mean_nreg']:.3f} | {row['median_nreg']:.3f} | {row['stuck']:.0%} "
            f"| {row['mean_rank']:.2f} |"
        )
    return lines


SUITES = {
    "wide": _frame.Suite(
        name="wide",
        title="Wide spaces (16 numeric parameters of mixed types and two categoricals; noisy; "
        "branched): the candidates near the best trials against their ablation, multivariate "
        "TPE, GPSampler and random search.",
        run_one=run_one,
        report=report,
        problems=tuple(PROBLEMS),
        default_problems=DEFAULT_PROBLEMS,
        groups={"wide36": WIDE36},
        samplers=SAMPLERS,
        ablations=ABLATIONS,
        n_trials=100,
        quick={
            "problems": "wide-levy-noisy,wide-branched",
            "samplers": "gamma,random",
            "seeds": "0",
            "n_trials": "12",
        },
        docs='docs/benchmarks.md, "Wide spaces"',
    )
}

if __name__ == "__main__":
    sys.exit(_frame.main("wide"))
