"""Coleman–Glaser–Martin functional of a multi-field O(d) bounce (d ≥ 3) and its Newton minimiser.

Units: those of the user's potential (``jaxbsm.solitons.multi_bounce``); the functional f below is
dimensionless. Ω_d = 2π^{d/2}/Γ(d/2) (``jaxbsm.solitons.bounce.sphere_area``).

Method (Coleman–Glaser–Martin, Commun. Math. Phys. 58 (1978) 211). For d ≥ 3 write
T = Ω_d ∫ r^{d−1} ½|φ'|² and V = Ω_d ∫ r^{d−1} Û(φ). Under φ(r) → φ(r/λ), S = λ^{d−2} T + λ^d V;
for V < 0 its maximum over λ is

    S[φ] = (2/d) ((d − 2)/d)^{(d−2)/2} T^{d/2} / (−V)^{(d−2)/2}       (λ² = (d − 2)T/(d(−V))),

a scale-invariant functional whose *minimum* over all profiles with V < 0 is the bounce action
(CGM): the bounce is a true minimum, so the solver minimises instead of shooting, and handles any
number of fields. The minimised objective is

    f = log S + ½ μ_p ρ²,   ρ = log[(d − 2)T/(d(−V))]    (μ_p = 1),

the penalty fixing the scale (the one flat direction of log S) at the Derrick/virial point
(d − 2)T + dV = 0 without changing the minimum value. T and V are evaluated on the spectral grid of
``jaxbsm.solitons.spectral`` for a domain of size R (T exact, V by Gaussian quadrature).

Minimiser (``newton``): damped Newton (Levenberg–Marquardt) with the exact Hessian, assembled from
the kinetic matrix and the per-node Hessians of Û (n N ≤ ~300 unknowns: one dense solve per step),
damping metric the false-vacuum quadratic form (kinetic + mass matrix), steps accepted on the
actual vs predicted decrease; after each step a golden-section search over rigid translations of
the wall, φ(r) → φ(r − δ tanh(r/ℓ)) (``CGMProblem.wall_move``), which is the slow mode of Newton for
thin walls (moving a wall of width w by ≫ w is outside any quadratic model; with it and the
grid-ranked guess the thin-walled CosmoTransitions example takes ~50 iterations instead of ~500).
Not optimistix BFGS: the nodal kinetic matrix has condition number ~N⁴, which quasi-Newton must
learn over hundreds of iterations, whereas Newton converges quadratically: 10–20 iterations for
thick/moderate walls, 40–150 for thin ones. Converged when T gᵀA⁻¹g < ``gtol`` (A the metric), or
< ``GN_FLOOR`` = 1e−8 where Newton stalls at the round-off floor (e.g. cancellations inside Û). At
the solution the Hessian must be positive definite, else the stationary point is a saddle of S
(checked by the caller: status SADDLE).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp

from jaxbsm.solitons.bounce import sphere_area
from jaxbsm.solitons.spectral import grid, interpolate

__all__ = ["GN_FLOOR", "CGMProblem", "NewtonResult", "make_problem", "newton"]

_MU_P = 1.0  # weight of the scale (virial) penalty in the objective
GN_FLOOR = 1e-8  # accepted first-order residual T gᵀA⁻¹g when Newton stalls at the round-off floor


class CGMProblem(NamedTuple):
    """The CGM objective's pieces on the grid (functions of (Phi (N, n), R, params); ``make_problem``).

    TV: (T, V). fval: f (+inf where V ≥ 0). fgrad: ∇f over the flattened nodal values.
    fhess: (f, ∇f, Hessian, T). metric(R, params, n): the false-vacuum quadratic form (kinetic +
    mass matrix). Uh: Û − Û(0) at one field point. hessU: its Hessian. wall_move: the best rigid
    translation of the wall (module docstring).
    """

    TV: Callable
    fval: Callable
    fgrad: Callable
    fhess: Callable
    metric: Callable
    Uh: Callable
    hessU: Callable
    wall_move: Callable


class _Golden(NamedTuple):
    """Golden-section state: bracket [a, b], inner points xc < xd and f there."""

    a: jax.Array
    b: jax.Array
    xc: jax.Array
    fc: jax.Array
    xd: jax.Array
    fd: jax.Array


class NewtonResult(NamedTuple):
    """``newton``'s result: the profile (N, n), the Hessian of f there, the iterations, the
    first-order residual T gᵀA⁻¹g, and whether it is below ``GN_FLOOR``."""

    phi: jax.Array
    hessian: jax.Array
    n_iter: jax.Array
    residual: jax.Array
    converged: jax.Array


class _NewtonState(NamedTuple):
    """Loop state of ``newton``: the accepted point (Phi, f, g, H, T, residual gn), the
    Levenberg–Marquardt damping (mu, nu), the trial point and its predicted decrease."""

    it: jax.Array
    Phi: jax.Array
    f: jax.Array
    g: jax.Array
    H: jax.Array
    T: jax.Array
    gn: jax.Array
    mu: jax.Array
    nu: jax.Array
    trial: jax.Array
    pred: jax.Array
    conv: jax.Array
    dead: jax.Array


def _tile(Phi):
    return Phi.reshape(-1)


def make_problem(U: Callable, d: int, N: int) -> CGMProblem:
    """The CGM objective of ``U(phi, params)`` on the (N, d) grid for a domain of size R (the
    potential is Û = U − U(0); units of U; module docstring)."""
    g = grid(N, d)
    lam = g.lam
    u, w, D, Khat = (jnp.asarray(a) for a in (g.u, g.w, g.D, g.Khat))
    Om = sphere_area(d)
    a_, b_ = d / 2.0, (d - 2) / 2.0
    c0 = math.log(d / (d - 2.0))

    def Uh(phi, params):
        return U(phi, params) - U(jnp.zeros_like(phi), params)

    gradU = jax.grad(Uh)
    hessU = jax.hessian(Uh)

    def TV(Phi, R, params):
        dP = D @ Phi
        T = Om * R ** (d - 2) * jnp.sum((w * u)[:, None] * dP**2)
        V = 0.5 * Om * R**d * jnp.sum(w * jax.vmap(Uh, (0, None))(Phi, params))
        return T, V

    def fval(Phi, R, params):
        T, V = TV(Phi, R, params)
        ok = (V < 0) & (T > 0)
        Vs = jnp.where(ok, V, -1.0)
        Ts = jnp.where(ok, T, 1.0)
        rho = jnp.log(Ts) - jnp.log(-Vs) - c0
        f = a_ * jnp.log(Ts) - b_ * jnp.log(-Vs) + 0.5 * _MU_P * rho**2
        return jnp.where(ok, f, jnp.inf)

    def grads(Phi, R, params):
        """(T, V, ∇T, ∇V) with ∇ over the flattened nodal values."""
        T, V = TV(Phi, R, params)
        gT = Om * R ** (d - 2) * 2.0 * (D.T @ ((w * u)[:, None] * (D @ Phi)))
        gV = 0.5 * Om * R**d * w[:, None] * jax.vmap(gradU, (0, None))(Phi, params)
        return T, V, _tile(gT), _tile(gV)

    def fgrad(Phi, R, params):
        T, V, gT, gV = grads(Phi, R, params)
        rho = jnp.log(T) - jnp.log(-V) - c0
        return (a_ + _MU_P * rho) * gT / T - (b_ + _MU_P * rho) * gV / V

    def fhess(Phi, R, params):
        n = Phi.shape[1]
        T, V, gT, gV = grads(Phi, R, params)
        rho = jnp.log(T) - jnp.log(-V) - c0
        HT = Om * R ** (d - 2) * jnp.kron(Khat, jnp.eye(n))
        hU = jax.vmap(hessU, (0, None))(Phi, params)  # (N, n, n)
        blocks = 0.5 * Om * R**d * w[:, None, None] * hU
        HV = jnp.einsum("jkl,ji->jkil", blocks, jnp.eye(N)).reshape(N * n, N * n)
        v = gT / T - gV / V
        H = (
            (a_ + _MU_P * rho) * (HT / T - jnp.outer(gT, gT) / T**2)
            - (b_ + _MU_P * rho) * (HV / V - jnp.outer(gV, gV) / V**2)
            + _MU_P * jnp.outer(v, v)
        )
        g = (a_ + _MU_P * rho) * gT / T - (b_ + _MU_P * rho) * gV / V
        f = a_ * jnp.log(T) - b_ * jnp.log(-V) + 0.5 * _MU_P * rho**2
        return f, g, H, T

    def metric(R, params, n):
        """False-vacuum quadratic form: kinetic + mass matrix (positive definite)."""
        M2 = hessU(jnp.zeros((n,)), params)
        HT = Om * R ** (d - 2) * jnp.kron(Khat, jnp.eye(n))
        Hm = 0.5 * Om * R**d * jnp.kron(jnp.diag(w), M2)
        return HT + Hm

    lam_j = jnp.asarray(lam)
    sq_u = jnp.sqrt(u)
    golden = (math.sqrt(5.0) - 1.0) / 2.0

    def wall_move(Phi, R, params):
        """Best translation of the wall by δ (|δ| < 0.45 ℓ) at fixed wall shape: φ(r) → φ(r − δ
        tanh(r/ℓ)), ℓ = R_w/3, R_w = √((d+2)/d) r_rms; golden-section search on f. This is the
        slow mode of Newton for thin walls (displacing a wall of width w by δ ≫ w is far outside
        the quadratic model); accepted only if it lowers f beyond round-off."""
        p2 = jnp.sum(Phi**2, axis=1)
        r2 = jnp.sum(w * u * p2) / jnp.maximum(jnp.sum(w * p2), 1e-300)
        ell = jnp.maximum(R * jnp.sqrt((d + 2.0) / d * r2) / 3.0, 1e-300)
        r = R * sq_u

        def warped(delta):
            return interpolate(((r - delta * jnp.tanh(r / ell)) / R) ** 2, u, lam_j, Phi)

        f_at = lambda delta: fval(warped(delta), R, params)

        def step(_, c: _Golden) -> _Golden:
            left = c.fc < c.fd  # minimum in [a, xd]
            a2, b2 = jnp.where(left, c.a, c.xc), jnp.where(left, c.xd, c.b)
            xc2 = jnp.where(left, b2 - golden * (b2 - a2), c.xd)
            xd2 = jnp.where(left, c.xc, a2 + golden * (b2 - a2))
            fnew = f_at(jnp.where(left, xc2, xd2))
            fc2, fd2 = jnp.where(left, fnew, c.fd), jnp.where(left, c.fc, fnew)
            return _Golden(a2, b2, xc2, fc2, xd2, fd2)

        a, b = -0.45 * ell, 0.45 * ell
        xc, xd = b - golden * (b - a), a + golden * (b - a)
        c = jax.lax.fori_loop(0, 16, step, _Golden(a, b, xc, f_at(xc), xd, f_at(xd)))
        xbest = jnp.where(c.fc < c.fd, c.xc, c.xd)
        fbest = jnp.minimum(c.fc, c.fd)
        f0 = fval(Phi, R, params)
        better = jnp.isfinite(fbest) & (fbest < f0 - 1e-12 * (1.0 + jnp.abs(f0)))
        return jnp.where(better, warped(xbest), Phi)

    return CGMProblem(TV, fval, fgrad, fhess, metric, Uh, hessU, wall_move)


def newton(prob: CGMProblem, Phi0, R, params, max_iter: int, gtol: float, start_ok) -> NewtonResult:
    """Levenberg–Marquardt-damped Newton minimisation of f from Phi0 (N, n) at fixed R (module
    docstring); ``start_ok`` False skips the loop (the result is then meaningless; the caller flags it).

    The loop evaluates (f, ∇f, Hessian) once per iteration at the trial point (traced once)."""
    N, n = Phi0.shape
    A = prob.metric(R, params, n)
    A = jnp.where(start_ok, A, jnp.eye(N * n))
    cA = jax.scipy.linalg.cho_factor(A)

    def cond(st: _NewtonState):
        return (st.it < max_iter) & ~st.conv & ~st.dead

    def body(st: _NewtonState) -> _NewtonState:
        Phi, f, g, H, T, gn, mu, nu, pred = st.Phi, st.f, st.g, st.H, st.T, st.gn, st.mu, st.nu, st.pred
        f_n, g_n, H_n, T_n = prob.fhess(st.trial, R, params)
        fin = jnp.isfinite(f_n) & jnp.all(jnp.isfinite(g_n))
        gn_n = T_n * jnp.dot(g_n, jax.scipy.linalg.cho_solve(cA, g_n))
        first = st.it == 0
        actual = f - f_n
        ratio = actual / jnp.where(pred > 0, pred, 1.0)
        noise = 1e-13 * (1.0 + jnp.abs(f_n))
        ok = fin & (
            first | ((pred > 0) & ((ratio > 1e-4) | ((pred < noise) & (actual > -noise))))
        )
        rc = jnp.clip(ratio, 0.0, 1.0)
        mu_ok = jnp.where(first, mu, mu * jnp.maximum(1.0 / 3.0, 1.0 - (2.0 * rc - 1.0) ** 3))
        mu = jnp.where(ok, jnp.maximum(mu_ok, 1e-12), mu * nu)
        nu = jnp.where(ok, 2.0, nu * 2.0)
        sel = lambda a, b: jnp.where(ok, a, b)
        Phi, f, g, H, T, gn = (
            sel(st.trial, Phi),
            sel(f_n, f),
            sel(g_n, g),
            sel(H_n, H),
            sel(T_n, T),
            sel(gn_n, gn),
        )
        conv = gn < gtol
        # mu ≫ 1: no step lowers f any more (round-off floor, e.g. cancellations inside Û)
        dead = (first & ~fin) | (mu > 1e8)
        delta = jnp.linalg.solve(H + (mu / T) * A, -g)
        pred = -(jnp.dot(g, delta) + 0.5 * jnp.dot(delta, H @ delta))
        trial = Phi + delta.reshape(Phi.shape)
        trial = jnp.where(gn > 1e-8, prob.wall_move(trial, R, params), trial)
        return _NewtonState(st.it + 1, Phi, f, g, H, T, gn, mu, nu, trial, pred, conv, dead)

    z = jnp.zeros((), dtype=Phi0.dtype)
    init = _NewtonState(
        it=jnp.asarray(0),
        Phi=Phi0,
        f=z + jnp.inf,
        g=jnp.zeros(N * n),
        H=jnp.eye(N * n),
        T=z + 1.0,
        gn=z + jnp.inf,
        mu=z + 1e-2,
        nu=z + 2.0,
        trial=Phi0,
        pred=z,
        conv=jnp.asarray(False),
        dead=~jnp.asarray(start_ok),
    )
    st = jax.lax.while_loop(cond, body, init)
    return NewtonResult(st.Phi, st.H, st.it, st.gn, st.gn < GN_FLOOR)
