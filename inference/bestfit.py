"""Best fit: multi-start gradient maximisation of the log-likelihood over the free parameters.

Starts are drawn from the fit's priors and optimised together (vmapped) in an unconstrained space:
each free parameter's box [low, high] is mapped to the real line with a logit (of log x for
loguniform priors), so every iterate respects the bounds. Each start runs Adam, then L-BFGS
(optax). Errors come from the Hessian of -log L in the physical parameters at the best point.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pandas as pd

from jaxbsm.inference.config import FitConfig, full_parameters
from jaxbsm.inference.priors import prior_distribution

CONVERGED_CHI2 = 1e-3  # starts ending within this of the best chi^2 count as converged
_EDGE = 1e-9  # starts are kept this far (as a fraction of the box) from its edges
_AT_BOUND_U = math.log(1e6)  # |u| beyond this: the best fit lies within 1e-6 of the box edge


@dataclass(frozen=True)
class BestFit:
    """Result of a best fit; values and errors in the parameters' units, chi^2 = -2 log L.

    ``delta_chi2`` = chi2_sm - chi2 compares the best point with the SM point (model.sm_point:
    every parameter with an SM value set to it, the others at their best/fixed values; NaN when no
    free parameter has an SM value); ``pull`` is
    its square root. ``errors``/``covariance`` are NaN when the Hessian is not positive definite.
    """

    names: tuple[str, ...]
    values: dict[str, float]
    errors: dict[str, float]
    covariance: np.ndarray
    chi2: float
    chi2_sm: float
    delta_chi2: float
    pull: float
    n_converged: int
    n_starts: int
    start_chi2: np.ndarray
    at_bound: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per free parameter: best value and Hessian 1-sigma error."""
        return pd.DataFrame(
            {"best_fit": [self.values[n] for n in self.names], "hessian_sd": [self.errors[n] for n in self.names]},
            index=list(self.names),
        )

    def table(self) -> str:
        """Human-readable table of the best point, errors, chi^2, Delta chi^2 to the SM and pull."""
        width = max(len(n) for n in self.names)
        lines = [f"{'parameter':<{width}}  {'best fit':>12}  {'± (Hessian)':>12}"]
        lines += [
            f"{n:<{width}}  {self.values[n]:>12.6g}  {self.errors[n]:>12.4g}" + ("  (at prior bound)" if n in self.at_bound else "")
            for n in self.names
        ]
        if math.isnan(self.chi2_sm):
            lines += [f"chi2 at best fit = {self.chi2:.4f}   (no SM point: no free parameter has a Standard-Model value)"]
        else:
            lines += [
                f"chi2 at best fit = {self.chi2:.4f}   chi2 at SM = {self.chi2_sm:.4f}",
                f"Delta chi2 (SM - best) = {self.delta_chi2:.4f}   pull = {self.pull:.3f} sigma",
            ]
        lines += [
            f"{self.n_converged}/{self.n_starts} starts converged to within {CONVERGED_CHI2} in chi2",
        ]
        if len(self.names) > 1 and np.all(np.isfinite(self.covariance)):
            sd = np.sqrt(np.diag(self.covariance))
            corr = self.covariance / np.outer(sd, sd)
            lines += ["correlation matrix (Hessian):"]
            lines += [f"{n:<{width}}  " + "  ".join(f"{c:>7.3f}" for c in row) for n, row in zip(self.names, corr)]
        return "\n".join(lines)


def unconstraining_transforms(config: FitConfig):
    """``(to_physical, to_unconstrained)``: the bijection between the free parameters' prior box and R^n.

    Both map a vector of the free parameters in configuration order (``config.parameters``; only
    ``low``, ``high`` and ``prior`` of each PriorSpec are used). Each box [low, high] maps to the
    real line with a logit of x, or of log|x| for a loguniform prior (a negative loguniform box is
    flat in log|x|). ``to_unconstrained`` keeps a point 1e-9 of the box width (in that
    coordinate, x or log|x|) inside the edges, so an edge maps to a finite value (|u| = 20.7). Both are jit- and vmap-clean.
    """
    lo = np.array([s.low for s in config.parameters.values()])
    hi = np.array([s.high for s in config.parameters.values()])
    log = np.array([s.prior == "loguniform" for s in config.parameters.values()])
    sign = np.where(log & (hi < 0), -1.0, 1.0)  # a negative loguniform box is flat in log|x|
    lo_abs, hi_abs = np.where(sign < 0, -hi, lo), np.where(sign < 0, -lo, hi)
    a = jnp.asarray(np.where(log, np.log(np.where(log, lo_abs, 1.0)), lo))
    b = jnp.asarray(np.where(log, np.log(np.where(log, hi_abs, 1.0)), hi))

    def to_physical(u):
        y = a + (b - a) * jax.nn.sigmoid(u)
        return jnp.where(log, sign * jnp.exp(y), y)

    def to_unconstrained(x):
        y = jnp.where(log, jnp.log(jnp.where(log, sign * x, 1.0)), x)
        t = jnp.clip((y - a) / (b - a), _EDGE, 1 - _EDGE)
        return jnp.log(t) - jnp.log1p(-t)

    return to_physical, to_unconstrained


def _keep_if(ok, new, old):
    return jax.tree_util.tree_map(lambda n, o: jnp.where(ok, n, o), new, old)


def optimise(chi2_u, u0, steps: int):
    """Minimise ``chi2_u`` from ``u0`` in ``steps`` steps; returns the final point (unconstrained).

    Adam (steps // 2, cosine-decayed rate 0.1) then L-BFGS (until |grad| < 1e-10 or the rest of the
    steps). A step to a non-finite value or gradient is not taken. ``chi2_u`` maps an unconstrained
    vector (see :func:`unconstraining_transforms`) to a scalar; jit- and vmap-clean (one start; vmap
    it over starts)."""
    n_adam = steps // 2
    adam = optax.adam(optax.cosine_decay_schedule(0.1, max(n_adam, 1)))

    def adam_step(carry, _):
        u, state = carry
        v, g = jax.value_and_grad(chi2_u)(u)
        ok = jnp.isfinite(v) & jnp.all(jnp.isfinite(g))
        upd, new_state = adam.update(jnp.where(ok, g, 0.0), state, u)
        return _keep_if(ok, (u + upd, new_state), (u, state)), None

    u, _ = jax.lax.scan(adam_step, (u0, adam.init(u0)), None, length=n_adam)[0]

    lbfgs = optax.lbfgs()
    value_and_grad = optax.value_and_grad_from_state(chi2_u)

    def cond(carry):
        i, _, _, gnorm = carry
        return (i < steps - n_adam) & (gnorm > 1e-10)

    def body(carry):
        i, u, state, _ = carry
        v, g = value_and_grad(u, state=state)
        upd, new_state = lbfgs.update(g, state, u, value=v, grad=g, value_fn=chi2_u)
        new_u = u + upd
        ok = jnp.isfinite(chi2_u(new_u)) & jnp.all(jnp.isfinite(new_u))
        gnorm = jnp.where(ok & jnp.isfinite(v), jnp.linalg.norm(g), 0.0)
        u, state = _keep_if(ok, (new_u, new_state), (u, state))
        return i + 1, u, state, gnorm

    return jax.lax.while_loop(cond, body, (0, u, lbfgs.init(u), jnp.inf))[1]


def best_fit(likelihood, config: FitConfig) -> BestFit:
    """Maximise ``likelihood.log_likelihood`` over the free parameters of ``config``.

    ``config.bestfit.starts`` starts drawn from the priors (seed ``config.bestfit.seed``) run
    ``config.bestfit.steps`` optimiser steps each; the lowest final chi^2 is the best fit.
    """
    names = config.free
    to_physical, to_unconstrained = unconstraining_transforms(config)

    def chi2_x(x):
        return -2.0 * likelihood.log_likelihood(full_parameters(config, dict(zip(names, x))))

    def chi2_u(u):
        return chi2_x(to_physical(u))

    keys = jax.random.split(jax.random.PRNGKey(config.bestfit.seed), len(names))
    x0 = jnp.stack(
        [prior_distribution(s).sample(k, (config.bestfit.starts,)) for k, s in zip(keys, config.parameters.values())],
        axis=-1,
    )
    run = jax.jit(jax.vmap(lambda u: optimise(chi2_u, u, config.bestfit.steps)))
    u_final = run(jax.vmap(to_unconstrained)(x0))
    x_final = np.asarray(jax.vmap(to_physical)(u_final))
    chi2_final = np.asarray(jax.jit(jax.vmap(chi2_x))(jnp.asarray(x_final)))
    chi2_final = np.where(np.isfinite(chi2_final), chi2_final, np.inf)
    i_best = int(np.argmin(chi2_final))
    x_best, chi2_best = x_final[i_best], float(chi2_final[i_best])
    if not math.isfinite(chi2_best):
        warnings.warn("no start reached a finite log-likelihood", stacklevel=2)

    covariance = _covariance(chi2_x, x_best, names)
    # within 1e-6 of the box edge (in the prior's own coordinate): the optimum is on the boundary
    at_bound = tuple(n for n, u in zip(names, np.asarray(to_unconstrained(jnp.asarray(x_best)))) if abs(u) > _AT_BOUND_U)
    if at_bound:
        warnings.warn(
            f"best fit at the edge of the prior box for {', '.join(at_bound)}: the likelihood keeps improving "
            "beyond it, so Hessian errors there are not meaningful (use the posterior or a profile)",
            stacklevel=2,
        )
    best = dict(zip(names, map(float, x_best)))
    model = likelihood.model
    if any(model.parameter(n).sm is not None for n in names):
        sm = model.sm_point(full_parameters(config, {k: jnp.asarray(v) for k, v in best.items()}))
        chi2_sm = float(-2.0 * likelihood.log_likelihood({k: jnp.asarray(v) for k, v in sm.items()}))
    else:  # no free parameter has an SM value (e.g. neutrino masses): no SM point to compare with
        chi2_sm = math.nan
    delta = chi2_sm - chi2_best
    return BestFit(
        names=names,
        values=best,
        errors=dict(zip(names, map(float, np.sqrt(np.diag(covariance))))),
        covariance=covariance,
        chi2=chi2_best,
        chi2_sm=chi2_sm,
        delta_chi2=delta,
        pull=math.sqrt(max(delta, 0.0)) if not math.isnan(delta) else math.nan,
        n_converged=int(np.sum(np.abs(chi2_final - chi2_best) < CONVERGED_CHI2)),
        n_starts=config.bestfit.starts,
        start_chi2=chi2_final,
        at_bound=at_bound,
    )


def _covariance(chi2_x, x_best, names) -> np.ndarray:
    """Inverse Hessian of -log L = chi2/2 at the best point; NaN (with a warning) if not pos. def."""
    hessian = np.asarray(jax.hessian(lambda x: 0.5 * chi2_x(x))(jnp.asarray(x_best)))
    if np.all(np.isfinite(hessian)) and np.all(np.linalg.eigvalsh(0.5 * (hessian + hessian.T)) > 0):
        return np.linalg.inv(hessian)
    warnings.warn(
        f"Hessian of -log L at the best fit is not positive definite (parameters {', '.join(names)}); "
        "reporting NaN errors",
        stacklevel=3,
    )
    return np.full((len(names), len(names)), np.nan)
