"""Named likelihoods: a jaxbsm model's predictions bound to one or more datasets.

``build_likelihood(model, datasets)`` returns a ``Likelihood`` whose ``log_likelihood(params)`` is
a pure JAX function of a dict of scalar parameters (jit-, grad- and vmap-clean). It is
-1/2 chi^2 (parameter-independent constants dropped) where chi^2 adds

- one correlated asymmetric-Gaussian block for every measured value, with the experimental
  covariance of each dataset and the theory covariance the model supplies for its predictions
  (``Model.theory_covariance``; none: exact predictions); the same observable measured in two
  datasets is two entries with fully correlated theory error;
- one half-Gaussian term per one-sided limit;
- a constant chi^2 offset per dataset that is an expansion around a local minimum (records.py).

Outside the physical region (a parameter outside its model range, or the model's ``physical``
predicate False, e.g. a non-perturbative Z'), where a solver behind the prediction failed (non-zero
``jaxbsm.status`` under the prediction's ``STATUS`` key) and wherever the chi^2 is not finite,
log L = -inf. ``Likelihood.evaluate`` gives log L, its terms, the predictions and the status from
one prediction call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxbsm.checks import require_float64
from jaxbsm.likelihoods import shapes
from jaxbsm.likelihoods.records import DataError, Dataset, load_dataset
from jaxbsm.model import STATUS, Model
from jaxbsm.registry import get_model
from jaxbsm.status import Status


class Evaluation(NamedTuple):
    """One evaluation of a likelihood at a point (``Likelihood.evaluate``).

    log_likelihood: scalar log L (-inf outside the physical region or where a solver failed);
    terms: log L per term (``Likelihood.term_names``), adding up to log_likelihood; predictions:
    every observable the model predicts; status: the solver status (``jaxbsm.status``, int32).
    """

    log_likelihood: jax.Array
    terms: jax.Array
    predictions: dict
    status: jax.Array


@dataclass(frozen=True, eq=False)
class Likelihood:
    """A model bound to datasets. See the module docstring for the statistics."""

    model: Model
    datasets: tuple[str, ...]
    observables: tuple[str, ...]
    term_names: tuple[str, ...]
    measured: tuple[str, ...]
    value: np.ndarray
    sigma_plus: np.ndarray
    sigma_minus: np.ndarray
    corr: np.ndarray
    cov_theory: np.ndarray
    limits: tuple[tuple[str, float, float], ...]
    references: tuple[str, ...]
    chi2_offsets: tuple[float, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.model.name} on {'+'.join(self.datasets)}"

    def predict(self, params: Mapping) -> dict:
        """Predictions of the constrained observables."""
        pred = self.model.predict(params)
        return {o: pred[o] for o in self.observables}

    def chi2_terms(self, params: Mapping) -> jnp.ndarray:
        """chi^2 contributions, one per term_names entry; they add up to the total chi^2."""
        return self._chi2_terms(self.model.predict(params))

    def _chi2_terms(self, pred: Mapping) -> jnp.ndarray:
        terms = []
        if self.measured:
            x = jnp.stack([jnp.asarray(pred[o], dtype=jnp.float64) for o in self.measured])
            terms.append(
                shapes.chi2_contributions(x, self.value, self.sigma_plus, self.sigma_minus, self.corr, self.cov_theory)
            )
        for obs, upper, cl in self.limits:
            terms.append(jnp.atleast_1d(shapes.upper_limit_chi2(jnp.abs(pred[obs]), upper, cl)))
        if self.chi2_offsets:
            terms.append(jnp.asarray(self.chi2_offsets))
        return jnp.concatenate(terms)

    def _allowed(self, params: Mapping) -> jnp.ndarray:
        ok = jnp.array(True)
        for p in self.model.parameters:
            v = params[p.name]
            ok = ok & (v >= p.low) & (v <= p.high)
        if self.model.physical is not None:
            ok = ok & self.model.physical(params)
        return ok

    def evaluate(self, params: Mapping) -> Evaluation:
        """log L, its terms, the predictions and the solver status at one point, from one ``predict``.

        Outside the physical region the model is evaluated at its defaults instead (so that no
        NaN reaches values or gradients) and every term is -inf; a non-zero solver status or a
        non-finite chi^2 also gives -inf terms.
        """
        ok = self._allowed(params)
        safe = {k: jnp.where(ok, v, self.model.parameter(k).default) for k, v in params.items()}
        pred = dict(self.model.predict(safe))
        status = jnp.asarray(pred.pop(STATUS, Status.OK), jnp.int32)
        terms = -0.5 * self._chi2_terms(pred)
        ok = ok & (status == Status.OK) & jnp.all(jnp.isfinite(terms))
        terms = jnp.where(ok, terms, -jnp.inf)
        return Evaluation(jnp.sum(terms), terms, pred, status)

    def pointwise(self, params: Mapping) -> jnp.ndarray:
        """log L per term (-chi2_i/2), all -inf outside the physical region; sums to log_likelihood."""
        return self.evaluate(params).terms

    def log_likelihood(self, params: Mapping) -> jnp.ndarray:
        """Scalar log L = -chi^2/2 for a dict of all model parameters; -inf outside the physical region."""
        return self.evaluate(params).log_likelihood

    def bibtex(self) -> list[str]:
        """BibTeX (measurements) and reference lines (theory) for everything this likelihood uses."""
        return list(self.references)


def build_likelihood(model: str | Model, datasets: Sequence[str]) -> Likelihood:
    """Bind ``model`` (name or Model) to the named datasets (or dataset YAML paths); every observable
    a dataset measures must be one the model predicts (DataError naming file, record and field), and
    no dataset may be given twice (the same file, by name and by path, or two files of one name)."""
    require_float64("build_likelihood")
    model = get_model(model) if isinstance(model, str) else model
    if not datasets:
        raise ValueError("build_likelihood: at least one dataset is needed")
    loaded = [load_dataset(d, model.observable_names, model.name) for d in datasets]
    _refuse_repeats(datasets, loaded)
    measured, value, sp, sm, blocks, limits, terms, refs = [], [], [], [], [], [], [], []
    for ds in loaded:
        for m in ds.measurements:
            if m.bibtex() not in refs:
                refs.append(m.bibtex())
        meas = [m for m in ds.measurements if not m.is_limit]
        measured += [m.observable for m in meas]
        value += [m.value for m in meas]
        sp += [m.sigma_plus for m in meas]
        sm += [m.sigma_minus for m in meas]
        blocks.append(ds.correlation)
        terms += [f"{m.observable} ({m.experiment} {m.year})" for m in meas]
    for ds in loaded:
        for m in ds.measurements:
            if m.is_limit:
                limits.append((m.observable, m.limit, m.cl))
                terms.append(f"{m.observable} < {m.limit:.4g} at {m.cl:.0%} CL ({m.experiment} {m.year})")
    offsets = tuple(ds.chi2_offset for ds in loaded if ds.chi2_offset)
    terms += [f"chi2 offset of {ds.name} (local minimum)" for ds in loaded if ds.chi2_offset]
    corr = _block_diag(blocks)
    refs += [f"% model {model.name}: {c}" for c in model.citations]
    observables = tuple(dict.fromkeys(measured + [lim[0] for lim in limits]))
    return Likelihood(
        model=model,
        datasets=tuple(ds.name for ds in loaded),
        observables=observables,
        term_names=tuple(terms),
        measured=tuple(measured),
        value=np.asarray(value),
        sigma_plus=np.asarray(sp),
        sigma_minus=np.asarray(sm),
        corr=corr,
        cov_theory=model.theory_covariance(measured) if model.theory_covariance else np.zeros((len(measured),) * 2),
        limits=tuple(limits),
        references=tuple(refs),
        chi2_offsets=offsets,
    )


def _refuse_repeats(given: Sequence[str], loaded: Sequence[Dataset]) -> None:
    """DataError if two entries are one file (a shipped name and its path) or two datasets of one name:
    their measurements would count twice."""
    files: dict[Path, str] = {}
    names: dict[str, str] = {}
    for entry, ds in zip(given, loaded):
        file = Path(ds.path).resolve()
        if file in files:
            raise DataError(
                f"build_likelihood: datasets {files[file]!r} and {entry!r} are the same file {file}; "
                "allowed: each dataset once (it would count twice)"
            )
        if ds.name in names:
            raise DataError(
                f"build_likelihood: datasets {names[ds.name]!r} and {entry!r} ({ds.path}) both have name {ds.name!r}; "
                "allowed: each dataset once (it would count twice), datasets of different names"
            )
        files[file], names[ds.name] = str(entry), str(entry)


def _block_diag(blocks) -> np.ndarray:
    n = sum(b.shape[0] for b in blocks)
    out = np.zeros((n, n))
    i = 0
    for b in blocks:
        k = b.shape[0]
        out[i : i + k, i : i + k] = b
        i += k
    return out
