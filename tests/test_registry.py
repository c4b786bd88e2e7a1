"""The model registry: every registered model is well formed, and a new model is one file plus one
registry line (README, "Adding a model"), shown here with a toy model added exactly that way."""

from __future__ import annotations

import textwrap

import jax.numpy as jnp
import numpy as np
import pytest

from jaxbsm import registry
from jaxbsm.model import STATUS

TOY_MODULE = '''
"""A toy model: one parameter a, predicting a^2."""

from jaxbsm.model import Model, Parameter
from jaxbsm.observables import ObservableInfo

TOY = Model(
    name="toy",
    description="toy: observable a^2",
    parameters=(Parameter("a", "GeV", -3.0, 3.0, 0.5, "$a$", "the parameter"),),
    observables=(ObservableInfo("a_squared", "$a^2$", "GeV^2", "the square of a"),),
    predict=lambda p: {"a_squared": p["a"] ** 2},
)
'''

TOY_DATA = """
name: toy-data
description: a^2 measured as 1.0 +- 0.1
measurements:
  - observable: "a_squared"
    value: 1.0
    uncertainties: {stat: 0.1}
    experiment: TOY
    year: 2026
    arxiv: "0000.00000"
    inspire: "Toy:2026"
    title: "A toy measurement"
    journal: "none"
"""


@pytest.fixture
def toy_registered(tmp_path, monkeypatch):
    """The toy model file on the path plus its one registry line."""
    (tmp_path / "toy_model.py").write_text(textwrap.dedent(TOY_MODULE))
    (tmp_path / "toy-data.yaml").write_text(TOY_DATA)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(registry.MODELS, "toy", "toy_model:TOY")  # the one registry line
    return tmp_path


# the exact variants run whole solver chains (seconds per point): test_scalar_decay_model.py covers them
@pytest.mark.parametrize("name", [m for m in registry.list_models() if not m.endswith("-exact")])
def test_every_registered_model_predicts_what_it_declares(name):
    model = registry.get_model(name)
    assert model.name == name
    pred = model.predict({k: jnp.asarray(v) for k, v in model.defaults().items()})
    assert set(pred) - {STATUS} == set(model.observable_names)


def test_unknown_model_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown model 'wilsn'; known models: .*wilson"):
        registry.get_model("wilsn")


def test_observable_catalogue_is_consistent():
    catalogue = registry.observables()
    assert {"R_K[1.1,6]", "m_bb", "Omega_N_h2", "lambda_hm"} <= set(catalogue)
    assert catalogue["lambda_hm"].unit == "Mpc/h"


def test_a_toy_model_added_as_one_file_and_one_registry_line(toy_registered, capsys):
    from jaxbsm.inference import cli
    from jaxbsm.inference.bestfit import best_fit
    from jaxbsm.inference.config import config_from_dict
    from jaxbsm.likelihoods import build_likelihood

    assert "toy" in registry.list_models()
    assert "a_squared" in registry.observables()
    lk = build_likelihood("toy", [str(toy_registered / "toy-data.yaml")])
    assert float(lk.log_likelihood({"a": 1.0})) == pytest.approx(0.0)
    assert float(lk.log_likelihood({"a": 1.1})) == pytest.approx(-0.5 * (0.21 / 0.1) ** 2)
    config = config_from_dict(
        {"name": "toy-fit", "model": "toy", "datasets": [str(toy_registered / "toy-data.yaml")],
         "parameters": {"a": {"prior": "uniform", "low": 0.0, "high": 3.0}}, "bestfit": {"starts": 4, "steps": 300}}
    )
    best = best_fit(lk, config)
    np.testing.assert_allclose(best.values["a"], 1.0, atol=1e-4)
    assert cli.main(["list", "models"]) == 0
    assert "toy: toy: observable a^2" in capsys.readouterr().out
    assert cli.main(["predict", "toy", "--set", "a=2"]) == 0
    assert "a_squared" in capsys.readouterr().out
