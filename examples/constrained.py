"""Tune a random forest under a model-size budget: an outcome constraint with GammaBOSampler.

The objective is the cross-validated accuracy of a random forest on scikit-learn's bundled
breast-cancer data; the constraint is its size -- the total number of tree nodes -- which is
known only after training, so it is reported from inside the objective with
``trial.set_constraint`` (feasible when ``<= 0``). GammaBOSampler models the constraint next to
the objective and proposes forests that are likely to fit the budget.

    .venv/bin/python examples/constrained.py                 # 40 trials, budget 500 nodes
    .venv/bin/python examples/constrained.py --n-trials 15 --max-nodes 300

Offline; about ten seconds on two cores at the defaults.
"""

from __future__ import annotations

import argparse

import optuna
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.model_selection import cross_validate

from optuna_gamma import GammaBOSampler


def make_objective(max_nodes: int) -> optuna.study.study.ObjectiveFuncType:
    X, y = load_breast_cancer(return_X_y=True)
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)

    def objective(trial: optuna.Trial) -> float:
        model = RandomForestClassifier(
            n_estimators=trial.suggest_int("n_estimators", 5, 60),
            max_depth=trial.suggest_int("max_depth", 2, 16),
            max_features=trial.suggest_float("max_features", 0.05, 1.0),
            min_samples_leaf=trial.suggest_int("min_samples_leaf", 1, 20, log=True),
            random_state=0,
            n_jobs=1,
        )
        result = cross_validate(model, X, y, cv=folds, return_estimator=True)
        nodes = max(sum(t.tree_.node_count for t in m.estimators_) for m in result["estimator"])
        trial.set_user_attr("nodes", int(nodes))
        trial.set_constraint("size", nodes - max_nodes)  # feasible: at most max_nodes nodes
        return float(result["test_score"].mean())

    return objective


def best_feasible(study: optuna.Study) -> optuna.trial.FrozenTrial | None:
    """The best trial that satisfies every constraint (Optuna 5's ``study.best_trial`` is this
    trial already; this also works with Optuna 4)."""
    feasible = [
        t
        for t in study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
        if all(c <= 0 for c in t.constraints.values())
    ]
    return max(feasible, key=lambda t: t.value, default=None)  # type: ignore[arg-type, return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=40)
    parser.add_argument("--max-nodes", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=GammaBOSampler(seed=args.seed))
    study.optimize(make_objective(args.max_nodes), n_trials=args.n_trials)

    n_feasible = sum(all(c <= 0 for c in t.constraints.values()) for t in study.trials)
    best = best_feasible(study)
    print(f"{n_feasible} of {len(study.trials)} trials within {args.max_nodes} nodes")
    if best is None:
        print("no feasible trial yet")
    else:
        print(
            f"best feasible: trial {best.number}, accuracy {best.value:.4f}, "
            f"{best.user_attrs['nodes']} nodes, params {best.params}"
        )


if __name__ == "__main__":
    main()
