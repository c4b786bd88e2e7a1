"""O(d)-symmetric bounce of one real scalar field by shooting (units: those of the user's potential).

Solves the Euclidean equation of motion (Coleman, Phys. Rev. D 15 (1977) 2929, eq. 4.8)

    φ'' + ((d − 1)/r) φ' = dÛ/dφ,      φ'(0) = 0,   φ(r → ∞) = 0,

for a potential Û(φ) with a false vacuum at φ = 0 (Û(0) = 0, Û'(0) = 0, Û''(0) = m_f² > 0) and
returns the Euclidean action

    S_d = Ω_d ∫₀^∞ dr r^{d−1} [½ φ'² + Û(φ)],      Ω_d = 2π^{d/2}/Γ(d/2)   (Ω_3 = 4π, Ω_4 = 2π²).

Units: if φ has mass dimension [φ] and Û has [Û] = [φ]² [m]², S_d has [φ]² [m]^{2−d}; for d = 3 and
a canonical field (both in GeV), S_3 is in GeV (it is the Q-ball energy functional of Kusenko,
hep-ph/9704273, eq. 8); for d = 4 it is dimensionless.

Method (why it is robust and differentiable):

* Shooting on φ(0) between an undershoot point ``phi_lo`` (e.g. the escape point Û(φ_e) = 0) and an
  overshoot point ``phi_hi`` (the true minimum, or any point beyond the bounce for potentials
  unbounded below). The shooting variable is x with φ(0) = φ_hi − (φ_hi − φ_lo) e^{−x}, so that the
  thin-wall limit, where φ(0) is exponentially close to the true minimum, is x ≫ 1 and is resolved
  to full relative precision in δ₀ = φ_hi − φ(0) (δ₀ is handled in logs, x up to 1e5). When δ₀ is below
  ``1e-8 (φ_hi − φ_lo)`` and φ_hi is a minimum with curvature k², the interior is taken from the
  exact linearised solution δ(r) = δ₀ Γ(d/2) (2/kr)^{d/2−1} I_{d/2−1}(kr) (sinh(kr)/kr for d = 3) up
  to the radius where δ = 1e−8 (φ_hi − φ_lo), and the nonlinear ODE (diffrax, Dopri8, rtol 1e−12)
  takes over from there.
* Each shot is classified as overshoot (φ crosses 0) or undershoot (φ' turns positive before) by a
  diffrax event; x is bisected in a ``lax.while_loop`` to machine precision (≈ 60 shots). The
  action is integrated along the closest undershooting shot, which follows the bounce until its
  tail is O(√ε_machine) and turns; the residual tail contributes O(ε_machine).
* The action is reported as S_d = (2/d) T with T = Ω_d ∫ r^{d−1} ½φ'² (Derrick/virial identity
  (d − 2) T + d V = 0; a sum of positive terms, no cancellation); |(T + V)/S_d − 1| is returned as
  ``virial_residual`` and flags the point if above ``virial_tol``.
* Gradients of the action with respect to the potential parameters use the stationarity of S at the
  bounce (envelope theorem / implicit differentiation of δS/δφ = 0):
  dS_d/dθ = Ω_d ∫ r^{d−1} ∂Û(φ_b(r); θ)/∂θ dr, evaluated by one extra ODE pass. Nothing is
  differentiated through the bisection. The other outputs (φ(0), radius, ∫φ²) are returned with
  ``stop_gradient``.

Status (per point, int32, the codes of ``jaxbsm.status.Status``): OK; BAD_BRACKET (phi_lo does not
undershoot or phi_hi does not overshoot); MAX_STEPS (an ODE shot failed); VIRIAL (virial residual
above tolerance); NOT_A_MINIMUM (Û''(0) ≤ 0: the false vacuum at φ = 0 is not a minimum).

Reference value: S_ψ, the d = 3 bounce action of V(ψ) = ½ψ² − ψ³ in the normalisation above
(S_ψ = 4π ∫ dρ ρ² [½ψ'² + ½ψ² − ψ³]), is ``S_PSI = 4.851137`` (ψ(0) = 1.397228), checked against
an independent scipy shooting in tests/solitons. This is the S_ψ ≈ 4.85 of Kusenko
(hep-ph/9704273, below eq. 13): for Û = ½m²φ² − Aφ³ the rescaling φ = (m²/A)ψ, r = ρ/m gives
S_3 = S_ψ m³/A², from which the thick-wall Q-ball formula's ε = QA²/(3 S_ψ M²) follows
(see jaxbsm.solitons.qball).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import i0e, i1e

from jaxbsm.checks import require_float64
from jaxbsm.status import Status, where_failed

__all__ = ["S_PSI", "BounceResult", "bounce", "bounce_profile", "sphere_area"]

#: d = 3 bounce action of V = ½ψ² − ψ³ with S = 4π∫ρ²[½ψ'² + V] dρ (Kusenko's S_ψ ≈ 4.85).
S_PSI = 4.851137412916

_DELTA_LIN = 1e-8  # switch to the linearised interior below this δ₀/(φ_hi − φ_lo)
_RHO_SERIES = 1e-5  # start radius of the power-series start, in units of 1/m_f
_RHO_EXTRA = 300.0  # integrate at most this far (units of 1/m_f) beyond the start radius
_U_TAIL = 1e-5  # profiles: below u = _U_TAIL u(0) the analytic tail replaces the shot
_X_MAX_MIN = 1e5  # largest shooting variable x = log(Δ/δ₀) when φ_hi is a minimum (δ₀ kept in logs)


class BounceResult(NamedTuple):
    """Bounce outputs (units of the potential; see module docstring).

    action: S_d = Ω_d ∫ r^{d−1}[½φ'² + Û] dr. phi0: φ(0). radius: rms radius
    sqrt(∫r^{d+1}φ² / ∫r^{d−1}φ²). phi2_integral: Ω_d ∫ r^{d−1} φ² dr (for a Q-ball with
    Û = U − ½ω²φ², Q = ω × phi2_integral). virial_residual: (T + V)/S_d − 1. status: int32
    ``jaxbsm.status.Status`` code (module docstring).
    """

    action: jax.Array
    phi0: jax.Array
    radius: jax.Array
    phi2_integral: jax.Array
    virial_residual: jax.Array
    status: jax.Array


def sphere_area(d: int) -> float:
    """Ω_d = 2π^{d/2}/Γ(d/2) (dimensionless): the area of the unit sphere S^{d−1} in d dimensions,
    the angular factor of O(d)-symmetric integrals ∫dᵈx = Ω_d ∫r^{d−1}dr (Ω_3 = 4π, Ω_4 = 2π²)."""
    return 2.0 * math.pi ** (d / 2) / math.gamma(d / 2)


class _Shooting(NamedTuple):
    """Loop state of the bisection on the shooting variable x (``_bounce_impl``)."""

    i: jax.Array  # shots so far (0: x = 0, i.e. φ(0) = φ_lo; 1: x = x_max; then bisection)
    x_under: jax.Array  # largest x known to undershoot
    x_over: jax.Array  # smallest x known to overshoot
    ints: tuple  # integrals (T, V, ∫u², ∫ρ²u², extra) of the last undershooting shot
    ok: jax.Array  # every ODE solve succeeded (and the false vacuum is a minimum)
    bracket: jax.Array  # x = 0 undershoots and x = x_max overshoots


def _log_profile(z, d: int):
    """log f(z) and d log f/dz for the regular solution f of f'' + ((d−1)/z) f' = f, f(0) = 1."""
    if d == 1:
        return z + jnp.log1p(jnp.exp(-2 * z)) - jnp.log(2.0), jnp.tanh(z)
    if d == 2:
        return jnp.log(i0e(z)) + z, i1e(z) / i0e(z)
    if d == 3:
        return z + jnp.log(-jnp.expm1(-2 * z) / (2 * z)), 1.0 / jnp.tanh(z) - 1.0 / z
    if d == 4:
        return jnp.log(2 * i1e(z) / z) + z, i0e(z) / i1e(z) - 2.0 / z
    raise ValueError(f"bounce: d must be 1, 2, 3 or 4 (got {d})")


def _invert_profile(L, d: int):
    """Solve log f(z) = L ≥ 0 for z by Newton from the right (log f is increasing and convex)."""
    L = jnp.maximum(L, 1e-14)
    z = L + jnp.log1p(L) + jnp.sqrt(2.0 * d * L) + 1.0

    def body(_, z):
        lf, dlf = _log_profile(z, d)
        return jnp.maximum(z - (lf - L) / dlf, 1e-7)

    return jax.lax.fori_loop(0, 60, body, z)


def _tscale(a, tree):
    return jax.tree_util.tree_map(lambda t: a * t, tree)


def _make_shot(U: Callable, d: int, rtol: float, max_steps: int):
    """Returns shot(x, params, scales, extra) -> (u_end, du_end, integrals, ok, ρ_end).

    Works in dimensionless variables u = φ/Φ, ρ = m_f r (Φ = phi_hi, so u_hi = 1, u_lo = φ_lo/φ_hi;
    the absolute ODE tolerance is scaled by u_lo, which resolves the deep thick-wall limit). ``extra`` is an optional
    integrand G(φ) whose Ω∫r^{d−1}G dr (dimensionless measure ρ^{d−1}dρ) is accumulated too.
    """
    omega = sphere_area(d)
    dU = jax.grad(U, argnums=0)

    def shot(x, params, scales, extra, ts=None, u_stop=0.0):
        Phi, m2, ulo, k2, is_min = scales
        uh = 1.0
        Delta = 1.0 - ulo
        Ut = lambda u: U(Phi * u, params) / (m2 * Phi**2)
        dUt = lambda u: dU(Phi * u, params) / (m2 * Phi)
        G = (lambda u: extra(Phi * u)) if extra is not None else (lambda u: 0.0 * u)

        log_d0 = jnp.log(Delta) - x
        lin = is_min & (log_d0 < jnp.log(_DELTA_LIN * Delta))
        # -- linearised interior around the true minimum u = uh (exact for the linear ODE)
        ds = _DELTA_LIN * Delta
        k = jnp.sqrt(jnp.where(k2 > 0, k2, 1.0))
        z = _invert_profile(jnp.where(lin, jnp.log(ds) - log_d0, 1.0), d)
        _, dlf = _log_profile(z, d)
        rho_lin = z / k
        y_lin = (uh - ds, -ds * k * dlf)
        vol = omega * rho_lin**d / d
        int_delta = omega * ds * k ** (-d) * z ** (d - 1) * dlf  # Ω∫ρ^{d−1}δ dρ, exact
        I_lin = (
            0.0 * vol,
            vol * Ut(uh),
            vol * uh**2 - 2 * uh * int_delta,
            omega * rho_lin ** (d + 2) / (d + 2) * uh**2,
            _tscale(vol, G(uh)),
        )
        # -- power-series start at small ρ
        u0 = ulo - Delta * jnp.expm1(
            log_d0 - jnp.log(Delta)
        )  # = 1 − δ₀, no cancellation as x → 0
        g0 = dUt(u0)
        rs = _RHO_SERIES
        y_ser = (u0 + g0 * rs**2 / (2 * d), g0 * rs / d)
        vs = omega * rs**d / d
        I_ser = (0.0 * vs, vs * Ut(u0), vs * u0**2, 0.0 * vs, _tscale(vs, G(u0)))

        pick = lambda a, b: jnp.where(lin, a, b)
        rho0 = pick(rho_lin, rs)
        y0 = (
            pick(y_lin[0], y_ser[0]),
            pick(y_lin[1], y_ser[1]),
            jax.tree_util.tree_map(pick, I_lin, I_ser),
        )

        def rhs(r, y, args):
            u, du, _ = y
            w = omega * r ** (d - 1)
            return (
                du,
                dUt(u) - (d - 1) / r * du,
                (
                    w * 0.5 * du**2,
                    w * Ut(u),
                    w * u**2,
                    w * r**2 * u**2,
                    _tscale(w, G(u)),
                ),
            )

        def cond(t, y, args, **kwargs):
            return (y[0] < u_stop * u0) | (y[1] > 0.0)

        sol = diffrax.diffeqsolve(
            diffrax.ODETerm(rhs),
            diffrax.Dopri8(),
            t0=rho0,
            t1=rho0 + _RHO_EXTRA,
            dt0=None,
            y0=y0,
            saveat=diffrax.SaveAt(
                t1=ts is None, ts=None if ts is None else jnp.clip(ts, rho0, rho0 + _RHO_EXTRA)
            ),
            stepsize_controller=diffrax.PIDController(
                rtol=rtol, atol=rtol * 1e-3 * jnp.minimum(ulo, 1.0)
            ),
            event=diffrax.Event(cond),
            max_steps=max_steps,
            throw=False,
        )
        u_end = sol.ys[0][-1]
        du_end = sol.ys[1][-1]
        ints = jax.tree_util.tree_map(lambda a: a[-1], sol.ys[2])
        ok = (sol.result == diffrax.RESULTS.successful) | (
            sol.result == diffrax.RESULTS.event_occurred
        )
        if ts is not None:  # profile: u on ts (inf past the stop), analytic interior below ρ₀
            lf, _ = _log_profile(jnp.clip(k * ts, 1e-6, z), d)
            inner = jnp.where(lin, uh - jnp.exp(log_d0 + lf), u0 + g0 * ts**2 / (2 * d))
            return jnp.where(ts < rho0, inner, sol.ys[0])
        return u_end, du_end, ints, ok, sol.ts[-1]

    return shot


def _scales(U, params, phi_lo, phi_hi):
    dU = jax.grad(U, argnums=0)
    d2U = jax.grad(dU, argnums=0)
    Phi = phi_hi
    m2 = d2U(jnp.zeros_like(Phi), params)
    m2s = jnp.where(m2 > 0, m2, 1.0)
    k2 = d2U(phi_hi, params) / m2s
    is_min = (k2 > 0) & (jnp.abs(dU(phi_hi, params)) <= 1e-10 * m2s * jnp.abs(phi_hi))
    return (Phi, m2s, phi_lo / Phi, k2, is_min), m2 > 0


@partial(jax.custom_jvp, nondiff_argnums=(0, 1, 2, 3, 4))
def _bounce(U, d, rtol, max_steps, virial_tol, params, phi_lo, phi_hi):
    res, _ = _bounce_impl(U, d, rtol, max_steps, virial_tol, params, phi_lo, phi_hi)
    return res


def _bounce_impl(U, d, rtol, max_steps, virial_tol, params, phi_lo, phi_hi):
    shot = _make_shot(U, d, rtol, max_steps)
    scales, fv_ok = _scales(U, params, phi_lo, phi_hi)
    Phi, m2, ulo, _, is_min = scales
    Delta = 1.0 - ulo
    x_max = jnp.where(is_min, _X_MAX_MIN, jnp.log(1.0 / _DELTA_LIN))
    zero = jnp.zeros_like(Phi)
    max_iter = 200

    def body(c: _Shooting) -> _Shooting:
        i = c.i
        x = jnp.where(i == 0, 0.0, jnp.where(i == 1, x_max, 0.5 * (c.x_under + c.x_over)))
        u_end, _, I, ok_i, _ = shot(x, params, scales, None)
        over = u_end < 0.0
        return _Shooting(
            i=i + 1,
            x_under=jnp.where((i >= 2) & ~over, x, c.x_under),
            x_over=jnp.where((i >= 2) & over, x, c.x_over),
            ints=tuple(jnp.where(~over, a, b) for a, b in zip(I, c.ints)),
            ok=c.ok & ok_i,
            bracket=jnp.where(i == 0, ~over, jnp.where(i == 1, c.bracket & over, c.bracket)),
        )

    def cont(c: _Shooting):
        width = c.x_over - c.x_under
        done = (c.i >= 2) & ((width <= 2.5e-16 * jnp.abs(c.x_over) + 1e-300) | ~c.bracket)
        return (c.i < max_iter) & ~done

    init = _Shooting(0, zero, x_max + zero, (zero,) * 5, fv_ok, fv_ok)
    c = jax.lax.while_loop(cont, body, init)
    xlo, ints, ok, bracket = c.x_under, c.ints, c.ok, c.bracket

    T, V, N2, R2, _ = ints
    fac = Phi**2 * m2 ** ((2 - d) / 2)
    S_t = 2.0 * T / d
    action = fac * S_t
    virial = (T + V) / S_t - 1.0
    phi0 = Phi * (ulo - Delta * jnp.expm1(-xlo))
    phi2 = Phi**2 * m2 ** (-d / 2) * N2
    radius = jnp.sqrt(R2 / N2) / jnp.sqrt(m2)
    status = where_failed(~fv_ok, Status.NOT_A_MINIMUM)  # the first failure in this order
    status = where_failed(~bracket, Status.BAD_BRACKET, status)
    status = where_failed(~ok, Status.MAX_STEPS, status)
    status = where_failed(jnp.abs(virial) > virial_tol, Status.VIRIAL, status)
    res = BounceResult(action, phi0, radius, phi2, virial, status)
    return res, (xlo, scales)


@_bounce.defjvp
def _bounce_jvp(U, d, rtol, max_steps, virial_tol, primals, tangents):
    params, phi_lo, phi_hi = primals
    params_dot = tangents[0]
    res, (xstar, scales) = _bounce_impl(
        U, d, rtol, max_steps, virial_tol, params, phi_lo, phi_hi
    )

    def dU_dtheta(
        phi,
    ):  # ∂Û(φ; θ)/∂θ as a pytree like params (kept out of the tangent's ODE)
        return jax.grad(U, argnums=1)(phi, params)

    shot = _make_shot(U, d, rtol, max_steps)
    _, _, ints, _, _ = jax.lax.stop_gradient(shot(xstar, params, scales, dU_dtheta))
    m2 = scales[1]
    # G is physical (units of Û); only the measure changes: ∫ r^{d−1} G dr = m_f^{−d} ∫ ρ^{d−1} G dρ
    grad_S = jax.tree_util.tree_map(lambda a: m2 ** (-d / 2) * a, ints[4])
    dS = sum(
        jnp.sum(g * t)
        for g, t in zip(
            jax.tree_util.tree_leaves(grad_S), jax.tree_util.tree_leaves(params_dot)
        )
    )
    dS = jnp.where(res.status == Status.OK, dS, jnp.nan)
    z = jnp.zeros_like(res.action)
    tan = BounceResult(
        dS, z, z, z, z, np.zeros(jnp.shape(res.status), dtype=jax.dtypes.float0)
    )
    return res, tan


def bounce(
    U: Callable[[jax.Array, Any], jax.Array],
    params: Any,
    phi_lo: jax.Array,
    phi_hi: jax.Array,
    *,
    d: int = 3,
    rtol: float = 1e-12,
    max_steps: int = 4096,
    virial_tol: float = 1e-6,
) -> BounceResult:
    """O(d) bounce action of one real field by shooting (units: see module docstring).

    Args:
      U: scalar potential ``U(phi, params) -> Û`` with Û(0) = 0 and a false-vacuum minimum at 0;
        must be a JAX-traceable function of scalar φ.
      params: pytree of parameters (differentiable; may carry a batch axis under ``vmap``).
      phi_lo: undershoot point 0 < φ_lo (e.g. the escape point Û(φ_e) = 0, φ_e > 0).
      phi_hi: overshoot point φ_hi > φ_lo: the true minimum (thin wall handled up to log(Δ/δ₀) = 1e5) or,
        for potentials unbounded below, any point whose shot overshoots. In the thick-wall regime
        prefer a point a few times φ(0): shots started near a minimum with curvature k² ≫ m_f²
        are ill-conditioned (they then hit ``max_steps`` and the point is flagged BAD_BRACKET or
        MAX_STEPS).
      d: Euclidean dimension (1–4; 3 for Q-balls, 4 for vacuum decay); static.
      rtol: ODE relative tolerance (dimensionless variables). max_steps: ODE step cap per shot.
      virial_tol: |(T+V)/S − 1| above which the point is flagged (status VIRIAL).

    Returns:
      ``BounceResult`` (action, phi0, radius, phi2_integral, virial_residual, status: int32,
      ``jaxbsm.status``). Only ``action`` carries gradients (w.r.t. ``params``, by the envelope
      theorem); its gradient is NaN where the status is not OK.
    """
    require_float64("bounce")
    if d not in (1, 2, 3, 4):
        raise ValueError(f"bounce: d must be 1, 2, 3 or 4 (got {d})")
    phi_lo = jnp.asarray(phi_lo, dtype=jnp.float64)
    phi_hi = jnp.asarray(phi_hi, dtype=jnp.float64)
    res = _bounce(
        U, d, float(rtol), int(max_steps), float(virial_tol), params, phi_lo, phi_hi
    )
    sg = jax.lax.stop_gradient
    return res._replace(
        phi0=sg(res.phi0),
        radius=sg(res.radius),
        phi2_integral=sg(res.phi2_integral),
        virial_residual=sg(res.virial_residual),
    )


def bounce_profile(
    U: Callable[[jax.Array, Any], jax.Array],
    params: Any,
    phi_lo: jax.Array,
    phi_hi: jax.Array,
    r: jax.Array,
    *,
    d: int = 3,
    rtol: float = 1e-12,
    max_steps: int = 4096,
) -> jax.Array:
    """Bounce profile φ(r) on the radii ``r`` (1-d, ascending, ≥ 0; units 1/[mass] of Û).

    Same arguments as ``bounce``. The shooting solution is re-integrated at the converged φ(0) and
    saved at r down to φ = 1e−5 φ(0) (where the closest undershoot is still within ~1e−6 of the
    bounce); beyond, the exact decaying solution of the linearised equation, φ ∝ r^{1−d/2}
    K_{d/2−1}(m_f r), is used in its asymptotic form φ_m (r_m/r)^{(d−1)/2} e^{−m_f(r − r_m)}
    (exact for d = 3, relative error O(1/(m_f r)) for d = 2, 4). Inside the linearised core or the
    series start radius the analytic interior is used. No gradient (use ``bounce`` for the action).
    """
    if d not in (1, 2, 3, 4):
        raise ValueError(f"bounce_profile: d must be 1, 2, 3 or 4 (got {d})")
    phi_lo = jnp.asarray(phi_lo, dtype=jnp.float64)
    phi_hi = jnp.asarray(phi_hi, dtype=jnp.float64)
    r = jnp.asarray(r, dtype=jnp.float64)
    _, (xstar, scales) = _bounce_impl(
        U, d, float(rtol), int(max_steps), 1.0, params, phi_lo, phi_hi
    )
    Phi, m2 = scales[0], scales[1]
    rho = r * jnp.sqrt(m2)
    shot = _make_shot(U, d, float(rtol), int(max_steps))
    u_m, _, _, _, rho_m = shot(xstar, params, scales, None, u_stop=_U_TAIL)
    u_ts = shot(xstar, params, scales, None, ts=rho, u_stop=_U_TAIL)
    tail = u_m * (rho_m / jnp.maximum(rho, rho_m)) ** ((d - 1) / 2) * jnp.exp(-(rho - rho_m))
    u = jnp.where(rho <= rho_m, u_ts, tail)
    return jax.lax.stop_gradient(Phi * u)
