"""Multi-field O(d) bounces (d ≥ 3) by constrained minimisation (``multi_bounce``).

Units: those of the user's potential, as in jaxbsm.solitons.bounce: if φ_k have mass dimension [φ]
and Û has [Û] = [φ]² [m]², lengths are in 1/[m] and S_d = Ω_d ∫ r^{d−1}[½|φ'|² + Û] dr has
[φ]² [m]^{2−d} (GeV for d = 3 and canonical fields: the Q-ball energy functional; dimensionless
for d = 4). Ω_d = 2π^{d/2}/Γ(d/2) (``jaxbsm.solitons.bounce.sphere_area``).

Problem. For fields φ = (φ_1 … φ_n) and a potential Û(φ) with a false-vacuum minimum at φ = 0
(Û(0) is subtracted; the mass matrix ∂²Û(0) must be positive definite), find the O(d) bounce

    φ'' + ((d − 1)/r) φ' = ∇Û(φ),      φ'(0) = 0,   φ(∞) = 0,

and its action S_d (Coleman, Phys. Rev. D 15 (1977) 2929).

Method: minimisation of the Coleman–Glaser–Martin functional (Commun. Math. Phys. 58 (1978) 211;
``jaxbsm.solitons.cgm``: the functional, its damped Newton minimiser and the wall translation) on
the spectral grid of ``jaxbsm.solitons.spectral`` (a polynomial in u = (r/R)² per field, φ(R) = 0).
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
* Newton (10–20 iterations for thick/moderate walls, 40–150 for thin ones) converged when
  T gᵀA⁻¹g < ``gtol``, or < 1e−8 at the round-off floor; at the solution the Hessian must be
  positive definite, else the stationary point is a saddle of S (status SADDLE: e.g. a start on a
  symmetry axis that the bounce leaves).

Accuracy (measured against jaxbsm.solitons.bounce's shooting for one field embedded in two by a
rotation, d = 3 and 4, and against CosmoTransitions / scipy solve_bvp for two fields):
relative error of S ≲ 1e−8 at N = 64 for thick-to-moderate walls (wall radius × m_min ≲ 20),
≲ 1e−8 at N = 96 up to R_w m ≈ 45 (U = ½ψ² − ψ³ + 0.49ψ⁴ in d = 4, R_w = 41; CosmoTransitions'
thin-walled example, R_w m_min = 46). The error falls geometrically with N until the truncation
floor (~1e−10–1e−8): ½ψ² − ψ³ (d = 3): 4e−4, 3e−7, 1.5e−10, 5e−11 at N = 32, 48, 64, 96;
CosmoTransitions' thick-walled example: 1e−3, 6e−6, 1.3e−8, 1.6e−10 (vs CosmoTransitions
with tightened tolerances: 4.7e−7, its own accuracy; vs scipy solve_bvp: 5e−9).
``error_estimate`` (spectral tail, 1e4 × relative weight² of the 3 highest Jacobi coefficients,
observed to overestimate by 5–80×; the truncation energy above) flags status UNDER_RESOLVED above
``error_tol``. φ(0), the radius and ∫φ² are not variational: their errors are ~ the square root of
the action's (φ(0): 3e−6 at N = 64, 1e−9 at N = 96 for ½ψ² − ψ³).

Gradients: implicit differentiation of the stationarity condition ∇_Φ f(Φ*; θ) = 0:
dΦ*/dθ = −H⁻¹ ∂²f/∂Φ∂θ (a custom JVP using the Hessian at the solution; reverse mode by JAX's
transposition of the linear solve); nothing is differentiated through the Newton iterations.
Everything derived from the profile (action, φ(0), radius, ∫φ_k²) is differentiable with respect to
the potential's parameters; for the action this is the envelope theorem dS/dθ = Ω_d ∫ r^{d−1}
∂Û(φ_b)/∂θ. The domain R and the nodes carry no gradient (they only set the discretisation), so
gradients agree with finite differences to the discretisation error. Gradients are NaN at points
where the solve failed (status NOT_A_MINIMUM, BAD_BRACKET, MAX_STEPS or SADDLE).

Status, per point (int32, the codes of ``jaxbsm.status.Status``; the first that applies in this
order): NOT_A_MINIMUM (∂²Û(0) not positive definite); BAD_BRACKET (bad target: no trial profile
has V < 0); MAX_STEPS (minimiser not converged: max_iter, or stalled above the round-off floor);
SADDLE (converged to a saddle of S, not the bounce); UNDER_RESOLVED (``error_estimate`` above
``error_tol``: increase N); VIRIAL (|(T + V)/S − 1| above ``virial_tol``). Values are finite (never
NaN) whatever the status.

Limitations: d ≥ 3 only (d = 2 needs the T-at-fixed-V = 0 form of CGM); the domain is resolved by
one polynomial, so profiles whose core is much smaller than 1/m_min (a light field coupled to a
small, heavy core) need larger N; walls thinner than R_w m_min ≈ 50 need N > 128 (cost ∝ (nN)³ per
Newton step; with n N > ~128 an OpenBLAS thread pool on a loaded machine can slow the solves
~10×: set OPENBLAS_NUM_THREADS=1 there). Potentials are evaluated as given: catastrophic
cancellation inside Û (e.g. U − ½ω²φ² for ω → m) limits the accuracy to ~1e−16 × (size of the
cancelling terms)/Û.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxbsm.solitons.bounce import sphere_area
from jaxbsm.solitons.cgm import CGMProblem, make_problem, newton
from jaxbsm.solitons.spectral import grid, interpolate
from jaxbsm.status import Status, where_failed

__all__ = ["MultiBounceResult", "multi_bounce", "multi_bounce_profile"]

_A_GRID = np.concatenate([np.logspace(-12.0, 0.0, 25)[:-1], np.linspace(0.5, 1.0, 6)])
_RHO0_GRID = 0.25 * 2.0 ** np.arange(14)  # 0.25 … 2048
_WALL_SPAN = 12.0  # the guess's tanh wall is integrated over ρ₀ ± 12


class MultiBounceResult(NamedTuple):
    """Multi-field bounce outputs (units of the potential; module docstring).

    action: S_d. phi0: φ(0), shape (n,). radius: rms radius sqrt(∫r^{d+1}|φ|² / ∫r^{d−1}|φ|²).
    phi2_integral: Ω_d ∫ r^{d−1} φ_k² dr, shape (n,) (Q = ω Σ_k q_k² phi2_integral_k).
    virial_residual: (T + V)/S − 1. status: int32 ``jaxbsm.status`` code (module docstring).
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


class _Info(NamedTuple):
    """Solver flags of ``_solve_impl``: false vacuum a minimum, a trial profile with V < 0 found,
    Newton converged in every pass, Newton iterations, the last first-order residual."""

    fv_ok: jax.Array
    found: jax.Array
    conv: jax.Array
    n_iter: jax.Array
    residual: jax.Array


class _Pass(NamedTuple):
    """Loop state of the Newton passes (``_solve_impl``): the last profile Phi on the domain R,
    the next domain R_new, the Hessian there, Newton iterations so far, whether every pass so far
    converged (and the start was valid), and the last first-order residual."""

    Phi: jax.Array
    R: jax.Array
    R_new: jax.Array
    H: jax.Array
    n_iter: jax.Array
    ok: jax.Array
    residual: jax.Array


def _shape(rho, rho0):
    """Even tanh wall with plateau ρ₀ and unit width, s(0) = 1, and its derivative."""
    t0 = 2.0 * jnp.tanh(rho0)
    s = (jnp.tanh(rho + rho0) - jnp.tanh(rho - rho0)) / t0
    ds = (1.0 / jnp.cosh(rho + rho0) ** 2 - 1.0 / jnp.cosh(rho - rho0) ** 2) / t0
    return s, ds


def _guess_logS(Uh, params, rays, amps, rho0, d: int):
    """log S of the trial profiles a·s(ρ; ρ₀)·e for all rays e (n_e, n), amplitudes a (n_a,) and
    plateaus ρ₀ (n_ρ,) (CGM functional, two Gauss–Legendre panels per ρ₀); also T, V."""
    Om = sphere_area(d)
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


def _initial_guess(prob: CGMProblem, params, phi_t, M2, d: int, R_tail, u):
    """Initial profile on the grid, (Φ₁, R₁, found).

    Trial profiles a·s(r/λ; ρ₀)·e: rays e ∈ {φ_t, its projections on each field axis,
    |φ_t|·(lightest mass eigenvector)} (the extra rays matter when the bounce is not along φ_t,
    e.g. thick-wall Q-balls dominated by the lightest charged field), amplitudes a, plateaus ρ₀
    (factors of 2), each scaled to its virial point λ. The 6 best by the CGM functional (accurate
    quadrature), each with ρ₀ × 2^{−1/2, 0, 1/2}, are then sampled on the actual grid of
    R₁ = λ(ρ₀ + 3) + R_tail and the one with the lowest discrete objective is returned (a thin
    wall falling between nodes can misrepresent V on the grid)."""
    Uh = prob.Uh
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
        f = jnp.where(ok, prob.fval(Phi, R1, params), jnp.inf)
        return f, Phi, R1

    cand = jax.vmap(jax.vmap(candidate, (None, None, 0)), (0, 0, 0))
    f, Phi, R1 = cand(rays[ie], amps[ia], rho0[ir][:, None] * fac[None, :])
    f, Phi, R1 = f.reshape(-1), Phi.reshape(-1, *Phi.shape[2:]), R1.reshape(-1)
    k = jnp.argmin(f)
    return Phi[k], R1[k], jnp.isfinite(f[k])


def _solve_impl(U, cfg, params, phi_target):
    d, N, max_iter, gtol, tail = cfg
    prob = make_problem(U, d, N)
    g = grid(N, d)
    u_j, lam_j = jnp.asarray(g.u), jnp.asarray(g.lam)
    n = phi_target.shape[0]
    M2 = prob.hessU(jnp.zeros((n,)), params)
    m2min = jnp.linalg.eigvalsh(M2)[0]
    fv_ok = m2min > 0
    m_min = jnp.sqrt(jnp.where(fv_ok, m2min, 1.0))

    Phi1, R1, found = _initial_guess(prob, params, phi_target, M2, d, tail / m_min, u_j)
    start_ok = fv_ok & found
    wj = jnp.asarray(g.w)

    def next_R(Phi, R):
        p2 = jnp.sum(Phi**2, axis=1)
        r2 = R**2 * jnp.sum(wj * u_j * p2) / jnp.maximum(jnp.sum(wj * p2), 1e-300)
        Rn = jnp.sqrt((d + 2.0) / d * r2) + tail / m_min
        return jnp.where(jnp.isfinite(Rn) & (Rn > 0), Rn, R)

    def one_pass(i, c: _Pass) -> _Pass:
        # pass 1 on R₁ from the guess; passes 2, 3 on the domain from the previous pass's rms
        # radius, started from its profile (one traced Newton loop for all passes)
        Phi0 = interpolate(u_j * (c.R_new / c.R) ** 2, u_j, lam_j, c.Phi)
        nw = newton(prob, Phi0, c.R_new, params, max_iter, gtol, c.ok)
        return _Pass(
            Phi=nw.phi,
            R=c.R_new,
            R_new=next_R(nw.phi, c.R_new),
            H=nw.hessian,
            n_iter=c.n_iter + nw.n_iter,
            ok=c.ok & nw.converged,
            residual=nw.residual,
        )

    nN = N * n
    c0 = _Pass(Phi1, R1, R1, jnp.eye(nN), 0, start_ok, jnp.asarray(jnp.inf))
    c = jax.lax.fori_loop(0, 3, one_pass, c0)
    Phi2 = jnp.where(start_ok, c.Phi, 0.0)
    info = _Info(fv_ok, found, c.ok, c.n_iter, c.residual)
    return Phi2, c.R, c.H, info, prob


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
    _, dg = jax.jvp(lambda p: prob.fgrad(Phi_c, R_c, p), (params,), (params_dot,))
    dPhi = -jnp.linalg.solve(H, dg).reshape(Phi.shape)
    good = info.fv_ok & info.found & info.conv & pd
    dPhi = jnp.where(good, dPhi, jnp.nan)
    f0 = lambda x: np.zeros(jnp.shape(x), dtype=jax.dtypes.float0)
    zt = lambda x: jnp.zeros_like(x) if jnp.issubdtype(x.dtype, jnp.floating) else f0(x)
    info_dot = _Info(*(zt(jnp.asarray(x)) for x in info))
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
      virial_tol, error_tol: thresholds for statuses VIRIAL (virial residual) and UNDER_RESOLVED
        (``error_estimate``).

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
    Phi, R, pd, info = _solve(U, cfg, params, phi_target)
    fv_ok, found, conv, n_iter, gn = info.fv_ok, info.found, info.conv, info.n_iter, info.residual
    R = jax.lax.stop_gradient(R)
    prob = make_problem(U, d, N)
    g = grid(N, d)
    T, V = prob.TV(Phi, R, params)
    good = fv_ok & found & (V < 0) & (T > 0)
    Ts = jnp.where(good, T, 1.0)
    Vs = jnp.where(good, V, -1.0)
    S = (2.0 / d) * ((d - 2.0) / d) ** ((d - 2) / 2) * Ts ** (d / 2) / (-Vs) ** ((d - 2) / 2)
    virial = jnp.where(good, (Ts + Vs) / S - 1.0, 0.0)
    S = jnp.where(good, S, 0.0)
    Om = sphere_area(d)
    wj, uj = jnp.asarray(g.w), jnp.asarray(g.u)
    phi2 = 0.5 * Om * R**d * jnp.sum(wj[:, None] * Phi**2, axis=0)
    p2 = jnp.sum(Phi**2, axis=1)
    num = jnp.sum(wj * uj * p2)
    den = jnp.sum(wj * p2)
    radius = R * jnp.sqrt(jnp.where(good, num / jnp.where(good, den, 1.0), 0.0))
    phi0 = jnp.asarray(g.e0) @ Phi
    QR = jnp.asarray(g.e1) @ Phi  # φ'(R) = −2 Q(1)/R
    # discretisation error estimate (calibrated against shooting, see module docstring):
    # spectral tail s² = weighted norm² of the 3 highest Jacobi coefficients relative to the
    # profile's, δS/S ≈ 1e4 s² (observed 1e2–7e3 s²); Dirichlet truncation at R, whose cost is the
    # boundary energy δS ≈ Ω R^{d−1} φ'(R)²/(4 m_min) with φ'(R) = −2 Q(1)/R
    coef = jnp.asarray(g.C) @ jax.lax.stop_gradient(Phi)  # (N, n)
    en = jnp.asarray(g.h)[:, None] * coef**2
    spec2 = jnp.sum(en[-3:]) / jnp.maximum(jnp.sum(en), 1e-300)
    m_min = jnp.sqrt(jnp.maximum(jnp.linalg.eigvalsh(prob.hessU(jnp.zeros_like(phi0), params))[0], 1e-300))
    trunc = Om * R ** (d - 3) * jnp.sum(QR**2) / (m_min * jnp.where(good, S, 1.0))
    # plus the first-order residual T gᵀA⁻¹g ≈ error of log S when stopped at the round-off floor
    err = jnp.maximum(jnp.maximum(1e4 * spec2, trunc), jnp.where(gn < gtol, 0.0, gn))
    err = jax.lax.stop_gradient(jnp.where(good, err, 0.0))
    status = where_failed(~fv_ok, Status.NOT_A_MINIMUM)  # the first failure in this order
    status = where_failed(~found, Status.BAD_BRACKET, status)
    status = where_failed(~conv, Status.MAX_STEPS, status)
    status = where_failed(~pd, Status.SADDLE, status)
    status = where_failed(err > error_tol, Status.UNDER_RESOLVED, status)
    status = where_failed(jnp.abs(virial) > virial_tol, Status.VIRIAL, status)
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
    return interpolate((r / res.R) ** 2, u_j, lam, res.phi)
