"""Multi-field O(d) bounces (d ≥ 3) by constrained minimisation, and multi-flavour Q-balls.

Units: those of the user's potential, as in jaxbsm.solitons.bounce: if φ_k have mass dimension [φ]
and Û has [Û] = [φ]² [m]², lengths are in 1/[m] and S_d = Ω_d ∫ r^{d−1}[½|φ'|² + Û] dr has
[φ]² [m]^{2−d} (GeV for d = 3 and canonical fields: the Q-ball energy functional; dimensionless
for d = 4). Ω_d = 2π^{d/2}/Γ(d/2).

Problem. For fields φ = (φ_1 … φ_n) and a potential Û(φ) with a false-vacuum minimum at φ = 0
(Û(0) is subtracted; the mass matrix ∂²Û(0) must be positive definite), find the O(d) bounce

    φ'' + ((d − 1)/r) φ' = ∇Û(φ),      φ'(0) = 0,   φ(∞) = 0,

and its action S_d (Coleman, Phys. Rev. D 15 (1977) 2929).

Method (Coleman–Glaser–Martin, Commun. Math. Phys. 58 (1978) 211). For d ≥ 3 write
T = Ω_d ∫ r^{d−1} ½|φ'|² and V = Ω_d ∫ r^{d−1} Û(φ). Under φ(r) → φ(r/λ), S = λ^{d−2} T + λ^d V;
for V < 0 its maximum over λ is

    S[φ] = (2/d) ((d − 2)/d)^{(d−2)/2} T^{d/2} / (−V)^{(d−2)/2}       (λ² = (d − 2)T/(d(−V))),

a scale-invariant functional whose *minimum* over all profiles with V < 0 is the bounce action
(CGM): the bounce is a true minimum, so the solver minimises instead of shooting, and handles any
number of fields. The minimised objective is

    f = log S + ½ μ_p ρ²,   ρ = log[(d − 2)T/(d(−V))]    (μ_p = 1),

the penalty fixing the scale (the one flat direction of log S) at the Derrick/virial point
(d − 2)T + dV = 0 without changing the minimum value.

Discretisation: each φ_k(r) on r ∈ [0, R] is P(u) = (1 − u) Q(u), u = (r/R)², Q a polynomial of
degree N − 1 (so φ is even in r, φ'(0) = 0 exactly, and φ(R) = 0: a Dirichlet condition, which
keeps the minimisation coercive), represented by its values φ_j at the N Gauss–Jacobi nodes of the
weight u^{(d−2)/2} on [0, 1] (r^{d−1} dr = ½ R^d u^{(d−2)/2} du). Then T = Ω R^{d−2} Σ_j w_j u_j P'(u_j)²
is exact for the polynomial and V = ½ Ω R^d Σ_j w_j Û(φ_j) is Gaussian quadrature (spectral).
R = (wall radius) + ``tail``/m_min, m_min the lightest false-vacuum mass; the truncation costs the
boundary energy δS ≈ Ω R^{d−1} φ'(R)²/(4 m_min) ~ e^{−2·tail} (tail = 12: δS/S ≈ 1e−10–5e−9).

* guess: a tanh wall a·s(r/λ; ρ₀)·e (plateau ρ₀, unit width) along a ray e ∈ {φ_t, the projections
  of φ_t on each field axis, |φ_t|·(lightest mass eigenvector)}, φ_t the user's target (a point
  beyond the barrier with Û(φ_t) < 0: the true vacuum, or for potentials unbounded below any point
  past the bounce's centre), rescaled to its virial point λ; (e, a, ρ₀) minimise S on a grid (a from
  1e−12 to 1, ρ₀ from 0.25 to 2048 in factors of 2), and the 6 best, each with ρ₀ × 2^{0, ±1/2},
  are sampled on their actual grids (R₁ = λ(ρ₀ + 3) + tail/m_min) and ranked by the discrete f;
* three passes sharing one traced Newton loop: on R₁ from the guess, then twice on
  R = √((d+2)/d) r_rms + tail/m_min with r_rms from the previous pass, each started from the
  previous profile (the third pass matters for thin walls, whose first-pass radius can be off);
* minimiser: damped Newton (Levenberg–Marquardt) with the exact Hessian, assembled from the kinetic
  matrix and the per-node Hessians of Û (n N ≤ ~300 unknowns: one dense solve per step), damping
  metric the false-vacuum quadratic form (kinetic + mass matrix), steps accepted on the actual vs
  predicted decrease; after each step a golden-section search over rigid translations of the
  wall, φ(r) → φ(r − δ tanh(r/ℓ)), which is the slow mode of Newton for thin walls (moving a wall of
  width w by ≫ w is outside any quadratic model; with it and the grid-ranked guess the
  thin-walled CosmoTransitions example takes ~50 iterations instead of ~500).
  Not optimistix BFGS: the nodal kinetic matrix has condition number ~N⁴, which quasi-Newton must
  learn over hundreds of iterations, whereas Newton converges quadratically: 10–20 iterations for
  thick/moderate walls, 40–150 for thin ones. Converged when T gᵀA⁻¹g < ``gtol`` (A the metric),
  or < 1e−8 where Newton stalls at the round-off floor (e.g. cancellations inside Û). At the
  solution the Hessian must be positive definite, else the stationary point is a saddle of S
  (status 5: e.g. a start on a symmetry axis that the bounce leaves).

Accuracy (measured against jaxbsm.solitons.bounce's shooting for one field embedded in two by a
rotation, d = 3 and 4, and against CosmoTransitions / scipy solve_bvp for two fields):
relative error of S ≲ 1e−8 at N = 64 for thick-to-moderate walls (wall radius × m_min ≲ 20),
≲ 1e−8 at N = 96 up to R_w m ≈ 45 (U = ½ψ² − ψ³ + 0.49ψ⁴ in d = 4, R_w = 41; CosmoTransitions'
thin-walled example, R_w m_min = 46). The error falls geometrically with N until the truncation
floor (~1e−10–1e−8): ½ψ² − ψ³ (d = 3): 4e−4, 3e−7, 1.5e−10, 5e−11 at N = 32, 48, 64, 96;
CosmoTransitions' thick-walled example: 1e−3, 6e−6, 1.3e−8, 1.6e−10 (vs CosmoTransitions
with tightened tolerances: 4.7e−7, its own accuracy; vs scipy solve_bvp: 5e−9).
``error_estimate`` (spectral tail, 1e4 × relative weight² of the 3 highest Jacobi coefficients,
observed to overestimate by 5–80×; the truncation energy above) flags status 6 above ``error_tol``.
φ(0), the radius and ∫φ² are not variational: their errors are ~ the square root of the action's
(φ(0): 3e−6 at N = 64, 1e−9 at N = 96 for ½ψ² − ψ³).

Gradients: implicit differentiation of the stationarity condition ∇_Φ f(Φ*; θ) = 0:
dΦ*/dθ = −H⁻¹ ∂²f/∂Φ∂θ (a custom JVP using the Hessian at the solution; reverse mode by JAX's
transposition of the linear solve); nothing is differentiated through the Newton iterations.
Everything derived from the profile (action, φ(0), radius, ∫φ_k²) is differentiable with respect to
the potential's parameters; for the action this is the envelope theorem dS/dθ = Ω_d ∫ r^{d−1}
∂Û(φ_b)/∂θ. The domain R and the nodes carry no gradient (they only set the discretisation), so
gradients agree with finite differences to the discretisation error. Gradients are NaN at points
whose status is not 0.

Status flags (``MULTI_BOUNCE_STATUS``), per point: 0 ok; 1 no trial profile has V < 0 (bad
target); 2 minimiser not converged (max_iter, or stalled above the round-off floor); 3 virial
residual |(T + V)/S − 1| above ``virial_tol``; 4 false vacuum at φ = 0 not a minimum (∂²Û(0) not
positive definite); 5 converged to a saddle of S, not the bounce; 6 ``error_estimate`` above
``error_tol`` (increase N). Values are finite (never NaN) whatever the status.

Limitations: d ≥ 3 only (d = 2 needs the T-at-fixed-V = 0 form of CGM); the domain is resolved by
one polynomial, so profiles whose core is much smaller than 1/m_min (a light field coupled to a
small, heavy core) need larger N; walls thinner than R_w m_min ≈ 50 need N > 128 (cost ∝ (nN)³ per
Newton step; with n N > ~128 an OpenBLAS thread pool on a loaded machine can slow the solves
~10×: set OPENBLAS_NUM_THREADS=1 there). Potentials are evaluated as given: catastrophic
cancellation inside Û (e.g. U − ½ω²φ² for ω → m) limits the accuracy to ~1e−16 × (size of the
cancelling terms)/Û.

Q-balls (Kusenko, hep-ph/9704273, sec. 1): for fields φ_k = e^{i q_k ω t} φ_k(x) with real moduli
φ_k and a potential U(φ) with U(0) = 0,

    E(Q) = min_ω [S₃(ω) + ωQ],    Û_ω = U − ½ ω² Σ_k q_k² φ_k²    (eqs. 5, 8),
    Q(ω) = −dS₃/dω = ω Σ_k q_k² ∫ d³x φ_k²,

(the charge of eq. 7 with the q_k² that follows from eq. 6). ``multi_qball_energy`` finds ω* with
Q(ω*) = Q by a safeguarded secant (bisection fallback) in t = log(ω_max² − ω²) and returns E with
envelope gradients dE/dQ = ω*, dE/dθ = ∂S₃/∂θ|_{ω*} (no second solve). Checked against
jaxbsm.solitons.qball.qball_energy (one charged field, and two decoupled copies) to ≤ 2e−11 for
Q = 1 … 1e5.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from scipy.special import eval_jacobi, roots_jacobi

from jaxbsm.solitons.bounce import _omega

__all__ = [
    "MULTI_BOUNCE_STATUS",
    "MultiBounceResult",
    "MultiQBall",
    "multi_bounce",
    "multi_bounce_profile",
    "multi_qball_bounce",
    "multi_qball_energy",
    "multi_qball_potential",
]

MULTI_BOUNCE_STATUS = {
    0: "ok",
    1: "bad target: no profile along the ray to phi_target has V < 0",
    2: "minimiser not converged (max_iter reached)",
    3: "virial residual above tolerance",
    4: "false vacuum at phi = 0 is not a minimum",
    5: "converged to a saddle point of the CGM functional (not the bounce)",
    6: "under-resolved profile (spectral tail or phi(R) too large): increase N",
}

_MU_P = 1.0  # weight of the scale (virial) penalty in the objective
_GN_FLOOR = 1e-8  # accepted first-order residual when Newton stalls at the round-off floor
_A_GRID = np.concatenate([np.logspace(-12.0, 0.0, 25)[:-1], np.linspace(0.5, 1.0, 6)])
_RHO0_GRID = 0.25 * 2.0 ** np.arange(14)  # 0.25 … 2048
_WALL_SPAN = 12.0  # the guess's tanh wall is integrated over ρ₀ ± 12


class MultiBounceResult(NamedTuple):
    """Multi-field bounce outputs (units of the potential; module docstring).

    action: S_d. phi0: φ(0), shape (n,). radius: rms radius sqrt(∫r^{d+1}|φ|² / ∫r^{d−1}|φ|²).
    phi2_integral: Ω_d ∫ r^{d−1} φ_k² dr, shape (n,) (Q = ω Σ_k q_k² phi2_integral_k).
    virial_residual: (T + V)/S − 1. status: int flag (``MULTI_BOUNCE_STATUS``).
    r: radial nodes, shape (N,); phi: profile at the nodes, shape (N, n) (evaluate elsewhere with
    ``multi_bounce_profile``). R: domain size. error_estimate: estimated relative discretisation
    error of the action (spectral tail and truncation at R). n_iter: Newton iterations (all passes).
    """

    action: jax.Array
    phi0: jax.Array
    radius: jax.Array
    phi2_integral: jax.Array
    virial_residual: jax.Array
    status: jax.Array
    r: jax.Array
    phi: jax.Array
    R: jax.Array
    error_estimate: jax.Array
    n_iter: jax.Array


def _bary_weights(x: np.ndarray) -> np.ndarray:
    diff = x[:, None] - x[None, :]
    np.fill_diagonal(diff, 1.0)
    logm = np.sum(np.log(np.abs(diff)), axis=1)
    sign = np.prod(np.sign(diff), axis=1)
    lam = sign * np.exp(-(logm - logm.min()))
    return lam / np.max(np.abs(lam))


def _bary_row(x0: float, x: np.ndarray, lam: np.ndarray) -> np.ndarray:
    c = lam / (x0 - x)
    return c / np.sum(c)


@lru_cache(maxsize=None)
def _grid(N: int, d: int):
    """Gauss–Jacobi nodes u_j of u^β on [0, 1] (β = (d−2)/2), weights, derivative and kinetic
    matrices, interpolation rows at u = 0 and u = 1, and the Jacobi-coefficient transform."""
    beta = (d - 2) / 2.0
    x, wx = roots_jacobi(N, 0.0, beta)
    u = 0.5 * (1.0 + x)
    w = wx * 2.0 ** (-beta - 1.0)  # ∫_0^1 u^β f du ≈ Σ w_j f(u_j)
    lam = _bary_weights(u)
    diff = u[:, None] - u[None, :]
    np.fill_diagonal(diff, 1.0)
    D = (lam[None, :] / lam[:, None]) / diff
    np.fill_diagonal(D, 0.0)
    np.fill_diagonal(D, -D.sum(axis=1))
    # Dirichlet φ(R) = 0: P(u) = (1 − u) Q(u), Q of degree N − 1 through Q_j = φ_j/(1 − u_j);
    # P'(u_j) = −Q_j + (1 − u_j)(DQ)_j. T (degree 2N − 1 in u) stays exact.
    iq = 1.0 / (1.0 - u)
    Dt = -np.diag(iq) + (1.0 - u)[:, None] * D * iq[None, :]
    Khat = 2.0 * Dt.T @ (Dt * (w * u)[:, None])  # T = ½ Ω R^{d−2} Φᵀ K̂ Φ per field
    e0 = _bary_row(0.0, u, lam) * iq  # φ(0) = Q(0)
    e1 = _bary_row(1.0, u, lam) * iq  # Q(1) = −dP/du(1): φ'(R) = −2 Q(1)/R
    P = np.array([eval_jacobi(n, 0.0, beta, x) for n in range(N)])  # (N, N): p_n(u_j)
    h = (P**2) @ w  # Σ_j w_j p_n(u_j)² = ∫ u^β p_n², exact
    C = P * (w * iq)[None, :] / h[:, None]  # Jacobi coefficients of Q from φ_j
    return u, w, lam, Dt, Khat, e0, e1, C, h


def _tile(Phi):
    return Phi.reshape(-1)


def _make_problem(U: Callable, d: int, N: int):
    """Objective pieces on the grid for a domain of size R (the potential is U − U(0))."""
    u, w, lam, D, Khat, *_ = _grid(N, d)
    u, w, D, Khat = (jnp.asarray(a) for a in (u, w, D, Khat))
    Om = _omega(d)
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
            return _interp(((r - delta * jnp.tanh(r / ell)) / R) ** 2, u, lam_j, Phi)

        fd = lambda delta: fval(warped(delta), R, params)

        def step(_, c):
            a, b, xc, fc, xd, fdd = c
            left = fc < fdd  # minimum in [a, xd]
            a2, b2 = jnp.where(left, a, xc), jnp.where(left, xd, b)
            xc2 = jnp.where(left, b2 - golden * (b2 - a2), xd)
            xd2 = jnp.where(left, xc, a2 + golden * (b2 - a2))
            fnew = fd(jnp.where(left, xc2, xd2))
            fc2 = jnp.where(left, fnew, fdd)
            fd2 = jnp.where(left, fc, fnew)
            return a2, b2, xc2, fc2, xd2, fd2

        a, b = -0.45 * ell, 0.45 * ell
        xc, xd = b - golden * (b - a), a + golden * (b - a)
        c = jax.lax.fori_loop(0, 16, step, (a, b, xc, fd(xc), xd, fd(xd)))
        xbest = jnp.where(c[3] < c[5], c[2], c[4])
        fbest = jnp.minimum(c[3], c[5])
        f0 = fval(Phi, R, params)
        better = jnp.isfinite(fbest) & (fbest < f0 - 1e-12 * (1.0 + jnp.abs(f0)))
        return jnp.where(better, warped(xbest), Phi)

    return dict(
        TV=TV,
        fval=fval,
        fgrad=fgrad,
        fhess=fhess,
        metric=metric,
        Uh=Uh,
        hessU=hessU,
        wall_move=wall_move,
    )


def _newton(prob, Phi0, R, params, max_iter: int, gtol: float, start_ok):
    """Levenberg–Marquardt-damped Newton minimisation of f at fixed R (module docstring).

    The loop evaluates (f, ∇f, Hessian) once per iteration at the trial point (traced once)."""
    N, n = Phi0.shape
    A = prob["metric"](R, params, n)
    A = jnp.where(start_ok, A, jnp.eye(N * n))
    cA = jax.scipy.linalg.cho_factor(A)

    def cond(st):
        it, *_, conv, dead = st
        return (it < max_iter) & ~conv & ~dead

    def body(st):
        it, Phi, f, g, H, T, gn, mu, nu, trial, pred, _, _ = st
        f_n, g_n, H_n, T_n = prob["fhess"](trial, R, params)
        fin = jnp.isfinite(f_n) & jnp.all(jnp.isfinite(g_n))
        gn_n = T_n * jnp.dot(g_n, jax.scipy.linalg.cho_solve(cA, g_n))
        first = it == 0
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
            sel(trial, Phi),
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
        trial = jnp.where(gn > 1e-8, prob["wall_move"](trial, R, params), trial)
        return it + 1, Phi, f, g, H, T, gn, mu, nu, trial, pred, conv, dead

    z = jnp.zeros((), dtype=Phi0.dtype)
    init = (
        0,
        Phi0,
        z + jnp.inf,
        jnp.zeros(N * n),
        jnp.eye(N * n),
        z + 1.0,
        z + jnp.inf,
        z + 1e-2,
        z + 2.0,
        Phi0,
        z,
        jnp.asarray(False),
        ~jnp.asarray(start_ok),
    )
    st = jax.lax.while_loop(cond, body, init)
    it, Phi, H, gn = st[0], st[1], st[4], st[6]
    return Phi, H, it, gn


def _shape(rho, rho0):
    """Even tanh wall with plateau ρ₀ and unit width, s(0) = 1, and its derivative."""
    t0 = 2.0 * jnp.tanh(rho0)
    s = (jnp.tanh(rho + rho0) - jnp.tanh(rho - rho0)) / t0
    ds = (1.0 / jnp.cosh(rho + rho0) ** 2 - 1.0 / jnp.cosh(rho - rho0) ** 2) / t0
    return s, ds


def _guess_logS(Uh, params, rays, amps, rho0, d: int):
    """log S of the trial profiles a·s(ρ; ρ₀)·e for all rays e (n_e, n), amplitudes a (n_a,) and
    plateaus ρ₀ (n_ρ,) (CGM functional, two Gauss–Legendre panels per ρ₀); also T, V."""
    Om = _omega(d)
    xq, wq = np.polynomial.legendre.leggauss(24)
    lo = jnp.maximum(rho0 - _WALL_SPAN, 0.0)
    hi = rho0 + _WALL_SPAN
    xa = 0.5 * lo[:, None] * (1.0 + xq[None, :])  # plateau panel [0, lo]
    xb = lo[:, None] + 0.5 * (hi - lo)[:, None] * (1.0 + xq[None, :])  # wall panel [lo, hi]
    rq = jnp.concatenate([xa, xb], axis=1)
    wr = jnp.concatenate(
        [0.5 * lo[:, None] * wq[None, :], 0.5 * (hi - lo)[:, None] * wq[None, :]], axis=1
    )
    wr = Om * wr * rq ** (d - 1)
    s, ds = _shape(rq, rho0[:, None])
    T1 = jnp.sum(wr * 0.5 * ds**2, axis=1)  # per unit a²|e|²
    fields = amps[None, :, None, None, None] * s[None, None, :, :, None] * rays[:, None, None, None, :]
    Uv = jax.vmap(jax.vmap(jax.vmap(jax.vmap(lambda p: Uh(p, params)))))(fields)
    V = jnp.sum(wr[None, None] * Uv, axis=3)  # (n_e, n_a, n_ρ)
    T = jnp.sum(rays**2, axis=1)[:, None, None] * amps[None, :, None] ** 2 * T1[None, None, :]
    ok = (V < 0) & (T > 0)
    logS = jnp.where(
        ok,
        0.5 * d * jnp.log(jnp.where(ok, T, 1.0))
        - 0.5 * (d - 2) * jnp.log(jnp.where(ok, -V, 1.0)),
        jnp.inf,
    )
    return logS, T, V


def _initial_guess(prob, params, phi_t, M2, d: int, R_tail, u):
    """Initial profile on the grid, (Φ₁, R₁, found).

    Trial profiles a·s(r/λ; ρ₀)·e: rays e ∈ {φ_t, its projections on each field axis,
    |φ_t|·(lightest mass eigenvector)} (the extra rays matter when the bounce is not along φ_t,
    e.g. thick-wall Q-balls dominated by the lightest charged field), amplitudes a, plateaus ρ₀
    (factors of 2), each scaled to its virial point λ. The 6 best by the CGM functional (accurate
    quadrature), each with ρ₀ × 2^{−1/2, 0, 1/2}, are then sampled on the actual grid of
    R₁ = λ(ρ₀ + 3) + R_tail and the one with the lowest discrete objective is returned (a thin
    wall falling between nodes can misrepresent V on the grid)."""
    Uh = prob["Uh"]
    _, vecs = jnp.linalg.eigh(M2)
    v = vecs[:, 0] * jnp.where(jnp.dot(vecs[:, 0], phi_t) < 0, -1.0, 1.0)
    rays = jnp.concatenate(
        [phi_t[None], jnp.diag(phi_t), (jnp.linalg.norm(phi_t) * v)[None]], axis=0
    )  # (n + 2, n)
    amps = jnp.asarray(_A_GRID)
    rho0 = jnp.asarray(_RHO0_GRID)
    logS, _, _ = _guess_logS(Uh, params, rays, amps, rho0, d)
    na, nr = amps.shape[0], rho0.shape[0]
    _, top = jax.lax.top_k(-logS.reshape(-1), 6)
    ie, ia, ir = top // (na * nr), (top // nr) % na, top % nr
    fac = 2.0 ** jnp.array([-0.5, 0.0, 0.5])
    sq_u = jnp.sqrt(u)

    def candidate(e, a, r0):
        lS, T, V = _guess_logS(Uh, params, e[None], a[None], r0[None], d)
        ok = jnp.isfinite(lS[0, 0, 0])
        lam = jnp.sqrt((d - 2) * T[0, 0, 0] / (d * jnp.where(ok, -V[0, 0, 0], 1.0)))
        lam = jnp.where(ok & (lam > 0), lam, 1.0)
        R1 = lam * (r0 + 3.0) + R_tail
        s, _ = _shape(R1 * sq_u / lam, r0)
        Phi = s[:, None] * (a * e)[None, :]
        f = jnp.where(ok, prob["fval"](Phi, R1, params), jnp.inf)
        return f, Phi, R1

    cand = jax.vmap(jax.vmap(candidate, (None, None, 0)), (0, 0, 0))
    f, Phi, R1 = cand(rays[ie], amps[ia], rho0[ir][:, None] * fac[None, :])
    f, Phi, R1 = f.reshape(-1), Phi.reshape(-1, *Phi.shape[2:]), R1.reshape(-1)
    k = jnp.argmin(f)
    return Phi[k], R1[k], jnp.isfinite(f[k])


def _bary_eval(x, nodes, lam, vals):
    """Barycentric interpolation of nodal values ``vals`` (N, n) at points x (M,)."""
    diff = x[:, None] - nodes[None, :]
    hit = diff == 0.0
    c = lam[None, :] / jnp.where(hit, 1.0, diff)
    out = (c @ vals) / jnp.sum(c, axis=1)[:, None]
    exact = hit.astype(vals.dtype) @ vals
    return jnp.where(jnp.any(hit, axis=1)[:, None], exact, out)


def _interp(x, u, lam, Phi):
    """Profile P(x) = (1 − x) Q(x) at x = (r/R)² (M,) from nodal values Phi (N, n); 0 for x ≥ 1."""
    xc = jnp.minimum(x, 1.0)
    vals = (1.0 - xc)[:, None] * _bary_eval(xc, u, lam, Phi / (1.0 - u)[:, None])
    return jnp.where((x < 1.0)[:, None], vals, 0.0)


def _solve_impl(U, cfg, params, phi_target):
    d, N, max_iter, gtol, tail = cfg
    prob = _make_problem(U, d, N)
    u, w, lam, *_ = _grid(N, d)
    u_j, lam_j = jnp.asarray(u), jnp.asarray(lam)
    n = phi_target.shape[0]
    M2 = prob["hessU"](jnp.zeros((n,)), params)
    m2min = jnp.linalg.eigvalsh(M2)[0]
    fv_ok = m2min > 0
    m_min = jnp.sqrt(jnp.where(fv_ok, m2min, 1.0))

    Phi1, R1, found = _initial_guess(prob, params, phi_target, M2, d, tail / m_min, u_j)
    start_ok = fv_ok & found
    wj = jnp.asarray(w)

    def next_R(Phi, R):
        p2 = jnp.sum(Phi**2, axis=1)
        r2 = R**2 * jnp.sum(wj * u_j * p2) / jnp.maximum(jnp.sum(wj * p2), 1e-300)
        Rn = jnp.sqrt((d + 2.0) / d * r2) + tail / m_min
        return jnp.where(jnp.isfinite(Rn) & (Rn > 0), Rn, R)

    def one_pass(i, c):
        # pass 1 on R₁ from the guess; pass 2 on the domain from pass 1's rms radius, started from
        # pass 1's profile (one traced Newton loop for both passes)
        Phi, R, R_new, _, it, ok, _ = c
        ue = u_j * (R_new / R) ** 2
        Phi0 = _interp(ue, u_j, lam_j, Phi)
        Phi_n, H, it_n, gn = _newton(prob, Phi0, R_new, params, max_iter, gtol, ok)
        return Phi_n, R_new, next_R(Phi_n, R_new), H, it + it_n, ok & (gn < _GN_FLOOR), gn

    nN = N * n
    c0 = (Phi1, R1, R1, jnp.eye(nN), 0, start_ok, jnp.asarray(jnp.inf))
    Phi2, R2, _, H, it, conv, gn = jax.lax.fori_loop(0, 3, one_pass, c0)
    Phi2 = jnp.where(start_ok, Phi2, 0.0)
    info = (fv_ok, found, conv, it, gn)
    return Phi2, R2, H, info, prob


@partial(jax.custom_jvp, nondiff_argnums=(0, 1))
def _solve(U, cfg, params, phi_target):
    Phi, R, H, info, _ = _solve_impl(U, cfg, params, phi_target)
    pd = jnp.all(jnp.isfinite(jnp.linalg.cholesky(H)))
    return Phi, R, pd, info


@_solve.defjvp
def _solve_jvp(U, cfg, primals, tangents):
    params, phi_target = primals
    params_dot = tangents[0]
    Phi, R, H, info, prob = _solve_impl(U, cfg, params, phi_target)
    pd = jnp.all(jnp.isfinite(jnp.linalg.cholesky(H)))
    H = jax.lax.stop_gradient(H)
    Phi_c = jax.lax.stop_gradient(Phi)
    R_c = jax.lax.stop_gradient(R)
    # ∂(∇_Φ f)/∂θ · θ̇  (linear in θ̇), then Φ̇ = −H⁻¹ of it
    _, dg = jax.jvp(lambda p: prob["fgrad"](Phi_c, R_c, p), (params,), (params_dot,))
    dPhi = -jnp.linalg.solve(H, dg).reshape(Phi.shape)
    fv_ok, found, conv = info[:3]
    good = fv_ok & found & conv & pd
    dPhi = jnp.where(good, dPhi, jnp.nan)
    f0 = lambda x: np.zeros(jnp.shape(x), dtype=jax.dtypes.float0)
    zt = lambda x: jnp.zeros_like(x) if jnp.issubdtype(x.dtype, jnp.floating) else f0(x)
    info_dot = tuple(zt(jnp.asarray(x)) for x in info)
    return (Phi, R, pd, info), (dPhi, jnp.zeros_like(R), f0(pd), info_dot)


def multi_bounce(
    U: Callable[[jax.Array, Any], jax.Array],
    params: Any,
    phi_target: jax.Array,
    *,
    d: int = 3,
    N: int = 64,
    max_iter: int = 500,
    gtol: float = 1e-20,
    tail: float = 12.0,
    virial_tol: float = 1e-6,
    error_tol: float = 1e-6,
) -> MultiBounceResult:
    """O(d) bounce of n real fields by CGM minimisation (units and method: module docstring).

    Args:
      U: potential ``U(phi, params) -> Û`` for ``phi`` of shape (n,), JAX-traceable, with a
        false-vacuum minimum at φ = 0 (U(0) is subtracted).
      params: pytree of parameters (differentiable; may be batched under ``vmap``).
      phi_target: shape (n,), a field point beyond the barrier with Û(φ_t) < 0 (the true vacuum,
        or any point past the bounce centre); the initial guess lies along the ray 0 → φ_t (or
        its projections on the field axes, or the lightest mass eigenvector) with amplitudes up
        to |φ_t|. Not differentiated.
      d: Euclidean dimension ≥ 3 (3: Q-balls, 4: vacuum decay); static.
      N: polynomial degree + 1 per field (static). N = 64 gives S to ≲ 2e−9 for thick-to-moderate
        walls (R_w m_min ≲ 20); thinner walls need N ∝ R_w m_min (96 up to ~40, 128 up to ~50).
        Cost per Newton step ∝ (n N)³.
      max_iter: Newton iterations per pass. gtol: convergence threshold on T gᵀA⁻¹g.
      tail: e-folds of the lightest false-vacuum mass between the wall and the domain edge.
      virial_tol, error_tol: thresholds for statuses 3 (virial residual) and 6 (``error_estimate``).

    Returns:
      ``MultiBounceResult``; everything derived from the profile is differentiable w.r.t. params
      (implicit differentiation); r, R carry no gradient.
    """
    if int(d) < 3:
        raise ValueError(f"multi_bounce: d must be >= 3 (CGM reduction), got {d}")
    d, N = int(d), int(N)
    phi_target = jax.lax.stop_gradient(jnp.asarray(phi_target, dtype=jnp.float64))
    if phi_target.ndim != 1:
        raise ValueError("multi_bounce: phi_target must have shape (n_fields,)")
    cfg = (d, N, int(max_iter), float(gtol), float(tail))
    Phi, R, pd, (fv_ok, found, conv, n_iter, gn) = _solve(U, cfg, params, phi_target)
    R = jax.lax.stop_gradient(R)
    prob = _make_problem(U, d, N)
    u, w, _, _, _, e0, e1, C, h = _grid(N, d)
    T, V = prob["TV"](Phi, R, params)
    good = fv_ok & found & (V < 0) & (T > 0)
    Ts = jnp.where(good, T, 1.0)
    Vs = jnp.where(good, V, -1.0)
    S = (2.0 / d) * ((d - 2.0) / d) ** ((d - 2) / 2) * Ts ** (d / 2) / (-Vs) ** ((d - 2) / 2)
    virial = jnp.where(good, (Ts + Vs) / S - 1.0, 0.0)
    S = jnp.where(good, S, 0.0)
    Om = _omega(d)
    wj, uj = jnp.asarray(w), jnp.asarray(u)
    phi2 = 0.5 * Om * R**d * jnp.sum(wj[:, None] * Phi**2, axis=0)
    p2 = jnp.sum(Phi**2, axis=1)
    num = jnp.sum(wj * uj * p2)
    den = jnp.sum(wj * p2)
    radius = R * jnp.sqrt(jnp.where(good, num / jnp.where(good, den, 1.0), 0.0))
    phi0 = jnp.asarray(e0) @ Phi
    QR = jnp.asarray(e1) @ Phi  # φ'(R) = −2 Q(1)/R
    # discretisation error estimate (calibrated against shooting, see module docstring):
    # spectral tail s² = weighted norm² of the 3 highest Jacobi coefficients relative to the
    # profile's, δS/S ≈ 1e4 s² (observed 1e2–7e3 s²); Dirichlet truncation at R, whose cost is the
    # boundary energy δS ≈ Ω R^{d−1} φ'(R)²/(4 m_min) with φ'(R) = −2 Q(1)/R
    coef = jnp.asarray(C) @ jax.lax.stop_gradient(Phi)  # (N, n)
    en = jnp.asarray(h)[:, None] * coef**2
    spec2 = jnp.sum(en[-3:]) / jnp.maximum(jnp.sum(en), 1e-300)
    m_min = jnp.sqrt(jnp.maximum(jnp.linalg.eigvalsh(prob["hessU"](jnp.zeros_like(phi0), params))[0], 1e-300))
    trunc = Om * R ** (d - 3) * jnp.sum(QR**2) / (m_min * jnp.where(good, S, 1.0))
    # plus the first-order residual T gᵀA⁻¹g ≈ error of log S when stopped at the round-off floor
    err = jnp.maximum(jnp.maximum(1e4 * spec2, trunc), jnp.where(gn < gtol, 0.0, gn))
    err = jax.lax.stop_gradient(jnp.where(good, err, 0.0))
    status = jnp.where(
        ~fv_ok,
        4,
        jnp.where(
            ~found,
            1,
            jnp.where(
                ~conv,
                2,
                jnp.where(
                    ~pd,
                    5,
                    jnp.where(
                        err > error_tol,
                        6,
                        jnp.where(jnp.abs(virial) > virial_tol, 3, 0),
                    ),
                ),
            ),
        ),
    ).astype(jnp.int32)
    sg = jax.lax.stop_gradient
    return MultiBounceResult(
        action=S,
        phi0=phi0,
        radius=radius,
        phi2_integral=phi2,
        virial_residual=sg(virial),
        status=status,
        r=R * jnp.sqrt(uj),
        phi=Phi,
        R=R,
        error_estimate=err,
        n_iter=n_iter,
    )


def multi_bounce_profile(res: MultiBounceResult, r: jax.Array) -> jax.Array:
    """Evaluate the bounce profile at radii r (shape (M,)) → (M, n); zero beyond the domain R."""
    r = jnp.atleast_1d(jnp.asarray(r, dtype=jnp.float64))
    u_j = (res.r / res.R) ** 2
    N = u_j.shape[0]
    diff = u_j[:, None] - u_j[None, :] + jnp.eye(N)
    logm = jnp.sum(jnp.log(jnp.abs(diff)), axis=1)
    sign = jnp.prod(jnp.sign(diff), axis=1)
    lam = sign * jnp.exp(-(logm - jnp.min(logm)))
    return _interp((r / res.R) ** 2, u_j, lam, res.phi)


# ----------------------------------------------------------------------------------------------
# Multi-flavour Q-balls (Kusenko hep-ph/9704273, sec. 1)


def multi_qball_potential(U: Callable) -> Callable:
    """Û_ω(φ; (params, ω, q)) = U(φ; params) − ½ ω² Σ_k q_k² φ_k² (Kusenko eq. 5; φ_k real moduli,
    q the charges: traced, so one compiled solver serves any charges)."""
    return _cached_qball_potential(U)


@lru_cache(maxsize=64)
def _cached_qball_potential(U):
    # one callable per U, so that jit / custom_jvp caches are reused across calls
    def Uw(phi, pwq):
        params, w, q = pwq
        return U(phi, params) - 0.5 * w**2 * jnp.sum(q**2 * phi**2)

    return Uw


def multi_qball_bounce(omega, U, params, charges, phi_target, **kw) -> MultiBounceResult:
    """d = 3 bounce of Û_ω (GeV units; S₃ in GeV); differentiable in params, ω and the charges.

    Q(ω) = ω Σ_k q_k² ``phi2_integral``_k = −dS₃/dω.
    """
    kw.setdefault("d", 3)
    q = jnp.asarray(charges, dtype=jnp.float64)
    return multi_bounce(multi_qball_potential(U), (params, omega, q), phi_target, **kw)


def _omega_bounds(U, params, charges, phi_target):
    """ω_max: largest ω with ∂²Û_ω(0) = M² − ω² diag(q²) positive definite; ω_ray: the smallest ω
    with Û_ω < 0 somewhere on the ray 0 → φ_t (≥ Kusenko's μ of eq. 9)."""
    q2 = jnp.asarray(charges, dtype=jnp.float64) ** 2
    n = q2.shape[0]
    M2 = jax.hessian(lambda p: U(p, params))(jnp.zeros((n,)))
    L = jnp.linalg.cholesky(M2)
    Li = jax.scipy.linalg.solve_triangular(L, jnp.eye(n), lower=True)
    lam_max = jnp.linalg.eigvalsh(Li @ jnp.diag(q2) @ Li.T)[-1]
    w_max2 = 1.0 / lam_max
    a = jnp.linspace(0.0, 1.0, 513)[1:]
    pts = a[:, None] * phi_target[None, :]
    U0 = U(jnp.zeros((n,)), params)
    ratio = 2.0 * (jax.vmap(lambda p: U(p, params))(pts) - U0) / (pts**2 @ q2)
    w_ray2 = jnp.min(ratio)
    return w_max2, w_ray2


class MultiQBall(NamedTuple):
    """E: energy (GeV); omega: ω* (GeV); charge: Q(ω*) recomputed from the bounce; binding:
    Q ω_max − E (GeV; ω_max = lightest mass per unit charge at φ = 0, cancellation-free);
    radius: rms radius (GeV⁻¹); phi0: φ(0) (GeV); status: bounce status at ω*
    (``MULTI_BOUNCE_STATUS``), 7 if the ω root find failed."""

    E: jax.Array
    omega: jax.Array
    charge: jax.Array
    binding: jax.Array
    radius: jax.Array
    phi0: jax.Array
    status: jax.Array


def multi_qball_energy(
    Q,
    U: Callable,
    params: Any,
    charges,
    phi_target,
    *,
    omega_min=None,
    omega_max=None,
    n_iter: int = 30,
    t_min: float = 1e-8,
    **kw,
) -> MultiQBall:
    """Multi-flavour Q-ball energy E(Q) = min_ω [S₃(ω) + ωQ] (GeV; Q dimensionless), Kusenko eq. 8.

    Args:
      Q: charge. U: ``U(phi, params)`` for the real moduli φ (shape (n,)), U(0) = 0 minimum.
      charges: q_k, shape (n,) (may be traced / batched). phi_target: a field point with
        Û_ω(φ_t) < 0 for the relevant ω, e.g. Kusenko's eq. 9 point φ_0 that minimises
        2U/Σq_k²φ_k² (then Û_ω(φ_0) < 0 for all ω > μ).
      omega_min, omega_max: the ω search interval (defaults: the smallest ω for which Û_ω < 0 on
        the ray 0 → φ_t, and ω_max = the lightest mass per unit charge at φ = 0, i.e. the largest
        ω with ∂²Û_ω(0) positive definite, less t_min). n_iter: root-finder steps (one bounce
        each; 6–15 are typical). t_min: thick-wall end m² = ω_max² − ω² = t_min ω_max² (Û_ω is
        computed as U − ½ω²Σq²φ², so its relative round-off there is ~1e−16/t_min).
      **kw: passed to ``multi_bounce`` (N, tail, …; d is 3).

    ω* solves Q(ω) = ω Σ q_k² ∫φ_k² = Q in t = log(ω_max² − ω²) on g(t) = log Q(t) − log Q, assumed
    increasing (Q decreasing in ω: the classically stable branch, dQ/dω < 0) on the search
    interval; where Q(ω) is not monotonic (e.g. no cubic term in the lightest charged field, when
    Q → ∞ also as ω → ω_max) restrict the interval with omega_min / omega_max. Failed bounces count
    as "Q too large". Everything in the search is under stop_gradient; E = S₃(ω*) + ω*Q then has
    dE/dQ = ω* and dE/dθ = ∂S₃/∂θ|_{ω*} (envelope theorem, evaluated on the final profile without a
    further solve; first derivatives only). Status 7 if |log Q(ω*) − log Q| > 1e−6.
    """
    sg = jax.lax.stop_gradient
    kw = dict(kw)
    d = int(kw.pop("d", 3))
    if d != 3:
        raise ValueError("multi_qball_energy: Q-balls are d = 3 bounces")
    N = int(kw.get("N", 64))
    q = jnp.asarray(charges, dtype=jnp.float64)
    ch = sg(q)
    q2 = ch**2
    phi_target = sg(jnp.asarray(phi_target, dtype=jnp.float64))
    Qs, ps = sg(Q), jax.tree_util.tree_map(sg, params)
    w_max2, w_ray2 = _omega_bounds(U, ps, ch, phi_target)
    w_lo2 = w_ray2 if omega_min is None else jnp.asarray(omega_min, dtype=jnp.float64) ** 2
    w_lo2 = jnp.clip(w_lo2, 0.0, w_max2)
    t_lo = jnp.log(t_min * w_max2)
    if omega_max is not None:
        w_hi2 = jnp.asarray(omega_max, dtype=jnp.float64) ** 2
        t_lo = jnp.maximum(t_lo, jnp.log(jnp.maximum(w_max2 - w_hi2, 1e-300)))
    t_hi = jnp.log(w_max2 - w_lo2) + jnp.log1p(-1e-4)

    def fn(t):
        w = jnp.sqrt(w_max2 - jnp.exp(t))
        r = multi_qball_bounce(w, U, ps, ch, phi_target, **kw)
        qq = w * jnp.sum(q2 * r.phi2_integral)
        ok = (r.status == 0) & (qq > 0)
        return jnp.where(ok, jnp.log(jnp.where(ok, qq, 1.0)) - jnp.log(Qs), 1e3), r

    # Root of g(t) = log Q(t) − log Q by a safeguarded secant kept inside the bracket [lo, hi]
    # (g(lo) < 0 < g(hi)), starting at the thick-wall end t_lo, where log Q ≈ t/2 + const (first
    # step with slope ½); bisection when the secant leaves the bracket or a bounce failed (g = 1e3
    # there, "too large"). The bounce is called at one site only (one trace / compilation).
    r0 = jax.eval_shape(lambda: fn(t_lo)[1])
    r0 = jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, s.dtype), r0)

    def cond(c):
        i, lo, hi, t, g, tp, gp, g0, _ = c
        going = (jnp.abs(g) > 1e-9) & (hi - lo > 1e-9) & (g0 < 0)
        return (i < n_iter) & ((i == 0) | going)

    def body(c):
        i, lo, hi, t, g, tp, gp, g0, _ = c
        valid = (i >= 2) & (jnp.abs(g) < 1e2) & (jnp.abs(gp) < 1e2) & (t != tp) & (g != gp)
        slope = jnp.where(valid, (g - gp) / jnp.where(valid, t - tp, 1.0), 0.5)
        t_sec = t - g / jnp.where(slope != 0, slope, 0.5)
        inside = (jnp.abs(g) < 1e2) & (t_sec > lo) & (t_sec < hi)
        t_new = jnp.where(i == 0, t_lo, jnp.where(inside, t_sec, 0.5 * (lo + hi)))
        g_new, r = fn(t_new)
        up = g_new > 0
        lo = jnp.where(up | (i == 0), lo, t_new)
        hi = jnp.where(up & (i > 0), t_new, hi)
        g0 = jnp.where(i == 0, g_new, g0)
        return i + 1, lo, hi, t_new, g_new, t, g, g0, r

    z = jnp.zeros_like(t_lo)
    c0 = (0, t_lo, t_hi, t_lo, z, t_lo, z, z, r0)
    _, lo, hi, t, g, _, _, g0, r = jax.lax.while_loop(cond, body, c0)
    t, w = sg(t), sg(jnp.sqrt(w_max2 - jnp.exp(t)))
    # Envelope gradients without a second solve: at fixed profile, S depends on (θ, q) only
    # through V, with ∂S/∂V = b S/(−V) (= 1 at the virial point); "x − sg(x)" is exactly 0 in value.
    Uw = multi_qball_potential(U)
    prob = _make_problem(Uw, 3, N)
    T, V = prob["TV"](r.phi, r.R, (ps, w, ch))
    V_live = prob["TV"](r.phi, r.R, (params, w, q))[1]
    kappa = 0.5 * jnp.where(V < 0, r.action / jnp.where(V < 0, -V, 1.0), 0.0)
    S = r.action + kappa * (V_live - sg(V_live))
    E = S + w * Q
    charge = w * jnp.sum(q2 * r.phi2_integral)
    w_max2_live = _omega_bounds(U, params, q, phi_target)[0]
    w_max = jnp.sqrt(w_max2_live)
    b_val = Qs * jnp.exp(t) / (jnp.sqrt(w_max2) + w) - r.action  # Q(ω_max − ω*) − S₃
    b_live = Q * (w_max - w) - S
    binding = b_val + (b_live - sg(b_live))
    converged = (jnp.abs(g) < 1e-6) & (g0 < 0)
    status = jnp.where(converged, r.status, 7).astype(jnp.int32)
    return MultiQBall(E, w, sg(charge), binding, sg(r.radius), sg(r.phi0), status)
