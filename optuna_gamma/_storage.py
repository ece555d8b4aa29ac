"""What GammaBOSampler keeps in trials' system attrs, written and read back as untrusted data.

Keys, all namespaced ``gammabo:``. Values longer than 2045 characters are split into chunks, the
limit and the idea that Optuna's own samplers use for their system attrs (``CmaEsSampler``
chunks its serialised optimizer, ``TPESampler`` its relative parameters, both with
``_SYSTEM_ATTR_MAX_LENGTH = 2045``: an RDB storage's value column holds at most 2045
characters). What is added here is the header written last and the checksum, so that a reader
never assembles a half-written value:

- ``gammabo:params`` -- the *claim*: the parameters the sampler gave a trial, so that other
  workers take a running trial into account before it has asked for all of them. A claim that
  fits in one value (2045 characters, the limit of Optuna's RDB storages) is written as
  ``{"params": {...}}`` in one write. A longer one is written as chunks
  ``gammabo:params:<r>:<i>`` first and then the header ``{"round": r, "chunks": k, "crc32": c}``
  under ``gammabo:params``: a reader that finds the header finds every chunk it names (each
  write of a claim uses fresh chunk keys, ``r`` counting the rewrites), and the checksum catches
  anything else. A worker killed between two writes leaves no header, so no claim.
- ``gammabo:prediction`` -- what the model predicted for the trial when it was suggested
  (median, 95 % interval, degrees of freedom, acquisition value), for plots and the dashboard;
  by default also as the trial's user attrs ``gammabo_pred_*`` / ``gammabo_acq``, which
  optuna-dashboard shows.
- ``gammabo:hyperparams`` -- the kernel hyperparameters fitted for the suggestion, with a
  checksum of the search space they belong to: the next suggestion's fit starts from them, so
  the sampler's decisions depend only on what the storage holds (a new process, or a restarted
  worker, decides exactly as the old one would have).
- ``gammabo:hyperparams:models`` -- the same for the other models of a suggestion: the constraint
  models (``"constraint:<name>"``) and the objectives after the first of a multi-objective study
  (``"objective:<index>"``).

Constraint values are Optuna's, not ours: ``trial.set_constraint`` writes them and
``FrozenTrial.constraints`` reads them back (:func:`read_constraints`); a ``constraints_func``
passed to the sampler has its values stored under Optuna's own key ``"constraints"``, exactly as
Optuna's samplers store it (:func:`write_constraints`), so both read back the same way.

Everything read back is checked as data: only JSON is decoded (no ``NaN``/``Infinity``
constants, bounded length, nesting errors caught), shapes and types are verified, and parameter
values must be admissible for the current search space. Whatever fails a check -- written by
another program, by an older version, half-written, or tampered with -- is ignored with a debug
log; it never fails a trial.

This is the only module that touches ``study._storage``: Optuna has no public API through which
a sampler writes a running trial's system attrs (its own samplers use the storage this way).
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
import json
import math
from typing import Any
import zlib

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.distributions import CategoricalDistribution
from optuna.distributions import FloatDistribution
from optuna.distributions import IntDistribution
from optuna.study import Study
from optuna.trial import FrozenTrial

from optuna_gamma import _gp

_logger = optuna.logging.get_logger(f"optuna.{__name__}")

PARAMS_KEY = "gammabo:params"
PREDICTION_KEY = "gammabo:prediction"
HYPERPARAMS_KEY = "gammabo:hyperparams"
MODEL_HYPERPARAMS_KEY = "gammabo:hyperparams:models"
#: Optuna's system attr for the values of a ``constraints_func`` (its samplers' format: a list).
CONSTRAINTS_KEY = "constraints"
MAX_VALUE_LENGTH = 2045  # characters per system attr value in Optuna's RDB storages
_MAX_CHUNKS = 256  # a claim of up to ~0.5 MB; anything longer is not one of ours
PREDICTION_FIELDS = ("median", "lower", "upper", "nu", "acquisition", "feasibility")
#: Trial user attr -> field of the prediction (what optuna-dashboard shows for a trial).
PREDICTION_USER_ATTRS = {
    "gammabo_pred_median": "median",
    "gammabo_pred_lower": "lower",
    "gammabo_pred_upper": "upper",
    "gammabo_pred_nu": "nu",
    "gammabo_acq": "acquisition",
    "gammabo_pred_feasible": "feasibility",
}
_FLOAT_MAX = float(np.finfo(float).max)


# -- decoding untrusted text -------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-JSON constant {name}")


def loads(text: object, max_length: int = MAX_VALUE_LENGTH) -> Any:
    """Decodes ``text`` as strict JSON; ``None`` for anything else (wrong type, too long, not
    JSON, ``NaN``/``Infinity``, nested too deeply)."""
    if not isinstance(text, str) or len(text) > max_length:
        return None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return None


def _finite_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, int):  # JSON ints are unbounded; math.isfinite(10**400) would raise
        return abs(value) <= _FLOAT_MAX
    return math.isfinite(value)


def admissible(dist: BaseDistribution, value: object) -> bool:
    """Whether ``value`` (as decoded from JSON) is a value the distribution can take."""
    if isinstance(dist, CategoricalDistribution):
        # Strict types: JSON keeps 1, 1.0, true and "1" apart, and so must the comparison.
        return any(type(value) is type(c) and value == c for c in dist.choices)
    if isinstance(dist, IntDistribution):
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and dist.low <= value <= dist.high
        )
    if isinstance(dist, FloatDistribution):
        return _finite_number(value) and dist.low <= float(value) <= dist.high  # type: ignore[arg-type]
    return False


def usable(dist: BaseDistribution, value: object) -> bool:
    """Whether a value Optuna recorded for a trial can enter the model: one of a categorical's
    choices (with its type), or a finite number -- possibly outside the range, as an enqueued
    value may be; it is clipped into the range when encoded."""
    if isinstance(dist, CategoricalDistribution):
        return admissible(dist, value)
    if type(value) is float:  # the common case first: this runs per trial and parameter
        return math.isfinite(value)
    if isinstance(value, (np.integer, np.floating)):
        value = value.item()
    return _finite_number(value)


def _debug(trial: FrozenTrial, key: str, why: str) -> None:
    _logger.debug(f"Ignoring system attr {key!r} of trial {trial.number}: {why}.")


# -- claims -------------------------------------------------------------------------------------


def write_claim(study: Study, trial: FrozenTrial, params: Mapping[str, Any], round_: int) -> None:
    """Stores the parameters given to ``trial`` (``round_``: how often this trial rewrote its
    claim, so that each rewrite uses fresh chunk keys)."""
    try:
        inline = json.dumps({"params": dict(params)}, allow_nan=False)
    except (TypeError, ValueError) as e:
        # A categorical choice JSON cannot hold (NaN, an arbitrary object): no claim for this
        # trial. Other workers then do not see it running; nothing fails.
        _logger.debug(f"No claim written for trial {trial.number}: {e}.")
        return
    storage = study._storage
    if len(inline) <= MAX_VALUE_LENGTH:
        storage.set_trial_system_attr(trial._trial_id, PARAMS_KEY, inline)
        return
    text = json.dumps(dict(params), allow_nan=False)
    chunks = [text[i : i + MAX_VALUE_LENGTH] for i in range(0, len(text), MAX_VALUE_LENGTH)]
    for i, chunk in enumerate(chunks):
        storage.set_trial_system_attr(trial._trial_id, f"{PARAMS_KEY}:{round_}:{i}", chunk)
    header = {"round": round_, "chunks": len(chunks), "crc32": zlib.crc32(text.encode())}
    storage.set_trial_system_attr(trial._trial_id, PARAMS_KEY, json.dumps(header))


def read_claim(trial: FrozenTrial) -> dict[str, Any] | None:
    """The parameters claimed for ``trial``, or ``None`` if there is no valid claim."""
    attrs = trial.system_attrs
    if PARAMS_KEY not in attrs:
        return None
    header = loads(attrs[PARAMS_KEY])
    if not isinstance(header, dict):
        _debug(trial, PARAMS_KEY, "not a JSON object")
        return None
    if "params" in header:
        params = header["params"]
    else:
        round_, n_chunks, crc = header.get("round"), header.get("chunks"), header.get("crc32")
        if not all(
            isinstance(v, int) and not isinstance(v, bool) for v in (round_, n_chunks, crc)
        ):
            _debug(trial, PARAMS_KEY, "malformed header")
            return None
        assert isinstance(n_chunks, int)
        if not 1 <= n_chunks <= _MAX_CHUNKS:
            _debug(trial, PARAMS_KEY, f"{n_chunks} chunks")
            return None
        parts = [attrs.get(f"{PARAMS_KEY}:{round_}:{i}") for i in range(n_chunks)]
        if not all(isinstance(p, str) for p in parts):
            _debug(trial, PARAMS_KEY, "missing chunks")
            return None
        text = "".join(parts)  # type: ignore[arg-type]
        if zlib.crc32(text.encode()) != crc:
            _debug(trial, PARAMS_KEY, "checksum mismatch")
            return None
        params = loads(text, max_length=_MAX_CHUNKS * MAX_VALUE_LENGTH)
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
        _debug(trial, PARAMS_KEY, "parameters are not a JSON object")
        return None
    return params


def intended_params(trial: FrozenTrial) -> dict[str, Any]:
    """The parameters a (possibly running) trial was given: its claim, completed by the
    parameters it has already asked for (those are Optuna's record and take precedence)."""
    if trial.state.is_finished():
        return dict(trial.params)
    params = read_claim(trial) or {}
    params.update(trial.params)
    return params


def running_claims(
    trials: Sequence[FrozenTrial],
    trial: FrozenTrial,
    search_space: Mapping[str, BaseDistribution],
) -> dict[int, dict[str, Any]]:
    """Valid intended parameters of the RUNNING trials other than ``trial``, by trial number:
    only those that hold an admissible value for every parameter of ``search_space``."""
    out = {}
    for t in trials:
        if t.state != optuna.trial.TrialState.RUNNING or t.number == trial.number:
            continue
        params = intended_params(t)
        if not search_space.keys() <= params.keys():
            continue
        # Values Optuna recorded for the trial may lie outside the range (an enqueued trial);
        # they are clipped when encoded. Claimed values must be admissible.
        ok = all(
            usable(d, params[k]) if k in t.params else admissible(d, params[k])
            for k, d in search_space.items()
        )
        if ok:
            out[t.number] = {k: params[k] for k in search_space}
        else:
            _debug(t, PARAMS_KEY, "a claimed value is not admissible for the search space")
    return out


# -- predictions --------------------------------------------------------------------------------


def prediction_record(
    per_objective: Sequence[tuple[float, float, float]],
    *,
    nu: float,
    acquisition: float,
    feasibility: float | None,
) -> dict[str, float]:
    """The prediction for one trial as stored: the ``(median, lower, upper)`` of each objective
    -- ``median``, ``lower``, ``upper`` for one objective, ``median_<k>``, ... for several --
    the degrees of freedom, the acquisition value and, with constraints, the probability of
    feasibility."""
    record: dict[str, float] = {}
    for k, (median, lower, upper) in enumerate(per_objective):
        suffix = "" if len(per_objective) == 1 else f"_{k}"
        record.update({f"median{suffix}": median, f"lower{suffix}": lower})
        record[f"upper{suffix}"] = upper
    record.update(nu=nu, acquisition=acquisition)
    if feasibility is not None:
        record["feasibility"] = feasibility
    return record


def write_prediction(
    study: Study, trial: FrozenTrial, prediction: Mapping[str, float], *, user_attrs: bool
) -> None:
    """Stores the prediction in the trial's system attrs and, with ``user_attrs``, as the user
    attrs of :data:`PREDICTION_USER_ATTRS`, which optuna-dashboard shows (it never shows system
    attrs). The trial is running, so Optuna still accepts both."""
    storage = study._storage
    storage.set_trial_system_attr(trial._trial_id, PREDICTION_KEY, json.dumps(dict(prediction)))
    if user_attrs:
        for user_key, key in PREDICTION_USER_ATTRS.items():
            if key in prediction:
                storage.set_trial_user_attr(trial._trial_id, user_key, float(prediction[key]))
        for key, value in prediction.items():  # multi-objective: median_0, lower_0, ...
            if key.rpartition("_")[0] in ("median", "lower", "upper"):
                storage.set_trial_user_attr(trial._trial_id, f"gammabo_pred_{key}", float(value))


def live_system_attrs(trial: Any) -> dict[str, Any]:
    """The current system attrs of a running :class:`optuna.trial.Trial` (which, unlike a
    frozen trial, does not expose them)."""
    return dict(trial.study._storage.get_trial_system_attrs(trial._trial_id))


def read_prediction(system_attrs: Mapping[str, Any]) -> dict[str, float] | None:
    """The sampler's prediction for a trial (the fields of :data:`PREDICTION_FIELDS` that hold
    numbers; ``nu`` may be ``inf``), or ``None`` if there is none or it is malformed."""
    raw = system_attrs.get(PREDICTION_KEY)
    if not isinstance(raw, str) or len(raw) > MAX_VALUE_LENGTH:
        return None
    try:  # Python's json writes an infinite nu as Infinity; accept exactly that constant
        decoded = json.loads(
            raw, parse_constant=lambda c: math.inf if c == "Infinity" else _reject_constant(c)
        )
    except (ValueError, RecursionError):
        return None
    if not isinstance(decoded, dict):
        return None
    out = {}
    for key in PREDICTION_FIELDS:
        value = decoded.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if math.isfinite(value) or (key == "nu" and value == math.inf):
                out[key] = float(value)
    return out or None


# -- kernel hyperparameters ---------------------------------------------------------------------


def write_hyperparams(
    study: Study, trial: FrozenTrial, space_key: str, inv_ls2: np.ndarray, g: float
) -> None:
    try:
        text = json.dumps(
            {"space": space_crc(space_key), "inv_ls2": [float(v) for v in inv_ls2], "g": float(g)},
            allow_nan=False,
        )
    except ValueError:  # a non-finite fit: not stored; the next fit starts from the defaults
        return
    if len(text) <= MAX_VALUE_LENGTH:  # else: not stored; the next fit starts from defaults
        study._storage.set_trial_system_attr(trial._trial_id, HYPERPARAMS_KEY, text)


def _stored_for_space(
    trials: Sequence[FrozenTrial], before: float, key: str, space_key: str
) -> Iterator[tuple[FrozenTrial, dict[str, Any]]]:
    """The decoded ``key`` attrs of the trials numbered below ``before``, latest first, that
    belong to this search space."""
    crc = space_crc(space_key)
    for t in sorted(trials, key=lambda t: -t.number):
        if t.number >= before or key not in t.system_attrs:
            continue
        data = loads(t.system_attrs[key])
        if isinstance(data, dict) and data.get("space") == crc:
            yield t, data


def _decode_fit(inv_ls2: object, g: object, dim: int) -> tuple[np.ndarray, float] | None:
    """``(inv_ls2, g)`` decoded from JSON, or ``None`` unless ``inv_ls2`` is a list of ``dim``
    positive finite numbers and ``g`` a positive finite number."""
    if (
        isinstance(inv_ls2, list)
        and len(inv_ls2) == dim
        and all(_finite_number(v) and v > 0 for v in inv_ls2)
        and _finite_number(g)
        and g > 0  # type: ignore[operator]
    ):
        return np.array(inv_ls2, dtype=float), float(g)  # type: ignore[arg-type]
    return None


def read_latest_hyperparams(
    trials: Sequence[FrozenTrial], before: float, space_key: str, dim: int
) -> tuple[np.ndarray, float] | None:
    """``(inv_ls2, g)`` stored by the trial with the largest number below ``before`` that holds
    valid hyperparameters for this search space; ``None`` if no trial does."""
    for t, data in _stored_for_space(trials, before, HYPERPARAMS_KEY, space_key):
        fit = _decode_fit(data.get("inv_ls2"), data.get("g"), dim)
        if fit is not None:
            return fit
        _debug(t, HYPERPARAMS_KEY, "malformed hyperparameters")
    return None


def space_crc(space_key: str) -> int:
    return zlib.crc32(space_key.encode())


def write_model_hyperparams(
    study: Study, trial: FrozenTrial, space_key: str, fits: Mapping[str, tuple[np.ndarray, float]]
) -> None:
    """Stores the other models' ``(inv_ls2, g)`` by model name (not stored if they do not fit in
    one value: the next fits then start from the defaults)."""
    try:
        text = json.dumps(
            {
                "space": space_crc(space_key),
                "fits": {
                    name: [[float(v) for v in inv_ls2], float(g)]
                    for name, (inv_ls2, g) in fits.items()
                },
            },
            allow_nan=False,
        )
    except ValueError:
        return
    if len(text) <= MAX_VALUE_LENGTH:
        study._storage.set_trial_system_attr(trial._trial_id, MODEL_HYPERPARAMS_KEY, text)


def read_latest_model_hyperparams(
    trials: Sequence[FrozenTrial], before: float, space_key: str, dim: int
) -> dict[str, tuple[np.ndarray, float]]:
    """The other models' ``(inv_ls2, g)`` by name, stored by the latest trial numbered below
    ``before`` that holds them for this search space (valid entries only; empty if none)."""
    for t, data in _stored_for_space(trials, before, MODEL_HYPERPARAMS_KEY, space_key):
        fits = data.get("fits")
        if not isinstance(fits, dict):
            _debug(t, MODEL_HYPERPARAMS_KEY, "malformed hyperparameters")
            continue
        out = {}
        for name, fit in fits.items():
            decoded = (
                _decode_fit(fit[0], fit[1], dim)
                if isinstance(fit, list) and len(fit) == 2
                else None
            )
            if decoded is not None:
                out[name] = decoded
        return out
    return {}


# -- the model-state record: kernel fits by model ----------------------------------------------
#
# One record: the first objective's fit under HYPERPARAMS_KEY (the format of 0.1, kept so that
# studies it wrote still start from their fits) and the other models' under
# MODEL_HYPERPARAMS_KEY, named "objective:<k>" and "constraint:<name>". Only the two functions
# below build or parse those names.


def model_key(names: Sequence[str], distributions: Sequence[Any], deterministic: bool) -> str:
    """Identifies the search space (and noise setting) that kernel hyperparameters belong to."""
    return repr([(n, repr(d)) for n, d in zip(names, distributions)]) + str(deterministic)


def read_model_starts(
    trials: Sequence[FrozenTrial], before: float, key: str, dim: int, n_objectives: int
) -> tuple[list[_gp.Hyperparams | None], dict[str, _gp.Hyperparams]]:
    """Where the kernel fits start: the hyperparameters the latest trial numbered below
    ``before`` stored for the space ``key`` -- one per objective (``None``: the defaults), and
    the constraint models' by constraint name -- so a decision depends only on the storage's
    content, not on a process's history."""
    stored = read_latest_hyperparams(trials, before, key, dim)
    others = {
        name: _gp.Hyperparams(inv_ls2=inv_ls2, g=g)
        for name, (inv_ls2, g) in read_latest_model_hyperparams(trials, before, key, dim).items()
    }
    starts = [None if stored is None else _gp.Hyperparams(inv_ls2=stored[0], g=stored[1])]
    starts += [others.get(f"objective:{k}") for k in range(1, n_objectives)]
    constraints = {
        name.split(":", 1)[1]: hp for name, hp in others.items() if name.startswith("constraint:")
    }
    return starts, constraints


def write_model_fits(
    study: Study,
    trial: FrozenTrial,
    key: str,
    objectives: Sequence[_gp.Hyperparams],
    constraints: Mapping[str, _gp.Hyperparams],
) -> None:
    """Stores the fitted kernel hyperparameters of every model, where the next trial's fits
    start from (:func:`read_model_starts`)."""
    write_hyperparams(study, trial, key, objectives[0].inv_ls2, objectives[0].g)
    fits = {f"constraint:{name}": hp for name, hp in constraints.items()}
    fits.update({f"objective:{k}": hp for k, hp in enumerate(objectives) if k})
    if fits:
        write_model_hyperparams(
            study, trial, key, {name: (hp.inv_ls2, hp.g) for name, hp in fits.items()}
        )


# -- constraints --------------------------------------------------------------------------------


def _constraint_number(value: object) -> float | None:
    if isinstance(value, (np.integer, np.floating)):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, int) and abs(value) > _FLOAT_MAX:
        # A Python int beyond the float range (10**400) has no float; it is a violation (or a
        # satisfaction) larger than any number the model can hold: infinite, as +-inf is kept.
        return math.inf if value > 0 else -math.inf
    value = float(value)
    return None if math.isnan(value) else value


def read_constraints(trial: FrozenTrial) -> dict[str, float] | None:
    """The trial's constraint values by name (feasible when every value is ``<= 0``): those of
    ``trial.set_constraint`` and those a ``constraints_func`` stored (``"0"``, ``"1"``, ... as
    Optuna names them). ``{}`` if the trial has none; ``None`` if what the storage holds is not
    a set of numbers (then the trial's feasibility is unknown). ``±inf`` is kept."""
    try:
        raw: Mapping[str, object] = trial.constraints  # Optuna >= 5
    except AttributeError:  # Optuna 4: only the constraints_func format exists
        listed = trial.system_attrs.get(CONSTRAINTS_KEY)
        if listed is not None and not isinstance(listed, (list, tuple)):
            return None
        raw = {str(i): c for i, c in enumerate(listed or ())}
    except Exception:  # noqa: BLE001 - storage content is data: undecodable means unknown
        return None
    out = {}
    for name, value in raw.items():
        number = _constraint_number(value)
        if number is None:
            return None
        out[str(name)] = number
    return out


def write_constraints(study: Study, trial: FrozenTrial, values: Sequence[float] | None) -> None:
    """Stores a ``constraints_func``'s values for ``trial`` under Optuna's key, in its format (a
    list; ``None`` when the function failed, as Optuna's samplers store it)."""
    study._storage.set_trial_system_attr(
        trial._trial_id, CONSTRAINTS_KEY, None if values is None else list(values)
    )
