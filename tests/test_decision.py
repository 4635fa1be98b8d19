"""The exported ranker (bot.decision.Trees) scores exactly as the scikit-learn model it was
fitted as, and the shipped model file loads with the features the code computes."""
import sys
from pathlib import Path

import numpy as np

from bot.decision import RANKER_FEATURES, DecisionModel, Trees, ranker_matrix
from bot.retrieval import Features

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))


def test_exported_trees_score_as_scikit_learn_does():
    from sklearn.ensemble import HistGradientBoostingClassifier

    import fit_decision

    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 6))
    y = ((X[:, 0] > 0.3) & (X[:, 1] + X[:, 2] ** 2 > 0.5) | (X[:, 5] > 1.5)).astype(int)
    trees = fit_decision.fit_trees(X, y)
    ref = HistGradientBoostingClassifier(**fit_decision.TREES).fit(X, y)
    Z = rng.normal(size=(500, 6))
    assert np.allclose(trees.prob(Z), ref.predict_proba(Z)[:, 1], atol=1e-9)
    again = Trees.from_json(trees.to_json())
    assert np.allclose(again.prob(Z), trees.prob(Z))


def test_models_of_several_seeds_are_averaged_exactly():
    """Averaged seeds (bench/fit_decision.py --seeds): one Trees whose logit is the models' mean.
    Above 10,000 rows each model early-stops on its own random tenth, so the seeds differ."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    import fit_decision

    rng = np.random.default_rng(1)
    X = rng.normal(size=(12000, 5))
    y = (X[:, 0] + 0.5 * X[:, 1] * X[:, 2] + rng.normal(size=12000) > 0).astype(int)
    trees = fit_decision.fit_trees(X, y, seeds=3)
    models = [HistGradientBoostingClassifier(**{**fit_decision.TREES, "random_state": s}).fit(X, y) for s in range(3)]
    Z = rng.normal(size=(300, 5))
    mean_logit = np.mean([m.decision_function(Z) for m in models], axis=0)
    assert not np.allclose(models[0].decision_function(Z), models[1].decision_function(Z))   # seeds differ
    assert np.allclose(trees.logit(Z), mean_logit, atol=1e-9)


def test_the_shipped_model_matches_the_ranker_features():
    model = DecisionModel.load()
    cands = [Features("a", "method", 0, lex=0.9, alias=0.9, sem_q=0.5), Features("b", "case", 1, sem_q=0.8)]
    X = ranker_matrix(cands)
    assert X.shape == (2, len(RANKER_FEATURES))
    p = model.ranker.prob(X)
    assert p.shape == (2,) and np.all((0 < p) & (p < 1))
