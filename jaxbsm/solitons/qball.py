"""Single-field Q-balls from the 3-d bounce (units: GeV for M, φ, E, ω; A in GeV; λ, Q dimensionless).

Kusenko, hep-ph/9704273: for U(φ) = ½M²φ² − Aφ³ + λφ⁴ (eq. 11, φ the modulus with the canonical
normalisation used there), the Q-ball energy is (eq. 8)

    E(Q) = min_ω [ S₃(ω) + ωQ ],     S₃(ω) = 4π ∫ r² dr [½φ'² + Û_ω(φ)],  Û_ω = U − ½ω²φ²  (eq. 12),

with S₃(ω) the d = 3 bounce action (jaxbsm.solitons.bounce). Stationarity gives the charge
Q(ω) = −dS₃/dω = ω ∫ d³x φ_ω² ; the minimising ω* ∈ (ω_min, M), ω_min² = M² − A²/(2λ).

Thick-wall limit (Kusenko eqs. 13–14): for ω → M, with m² = M² − ω², φ = (m²/A)ψ, r = ρ/m,
Û_ω/(m⁴/A²) = ½ψ² − ψ³ + κψ⁴ with κ = λm²/A², so S₃ = (m³/A²)[S_ψ + κ S_ψ4 + O(κ²)] where
S_ψ = 4π∫ρ²[½ψ'² + ½ψ² − ψ³] = 4.851137 (``S_PSI``) and S_ψ4 = dS/dκ|₀ = 4π∫ρ²ψ⁴ = 8.251750
(``S_PSI4``, envelope theorem). At λ = 0, minimising S_ψ(M² − ω²)^{3/2}/A² + ωQ over w = ω/M
gives, with ε = QA²/(3 S_ψ M²), w²(1 − w²) = ε², i.e. w² = (1 + √(1 − 4ε²))/2, and
E/(QM) = (1 + 2w²)/(3w) = 1 − ε²/6 − ε⁴/8 − O(ε⁶). The quartic adds, to first order in λ,
δE = λ m*⁵ S_ψ4/A⁴, i.e. δE/(QM) = +(λM²/A²)(S_ψ4/(3S_ψ)) ε⁴ = 0.567 (λM²/A²) ε⁴: the same order
as −ε⁴/8 and, for the issue's U = ½φ² − 0.1φ³ + 0.01φ⁴ (λM²/A² = 1), 4.5 times larger. The
closed form and series of ``thick_wall_energy`` include it; Kusenko's eq. 14 does not.
The expansion needs ε < 1/2, i.e. Q < 3S_ψM³/(2A²) (= 728 for the issue's potential; Kusenko
eq. 13 with M/2A < 1/√λ), which is where it crosses over to the thin wall.

Thin-wall limit (Coleman, Nucl. Phys. B262 (1985) 263; Kusenko eqs. 10–11): for ω → ω₀,
ω₀² = min 2U/φ² = M² − A²/(2λ) at φ₀ = A/(2λ), where Û_{ω₀} = λφ²(φ − φ₀)² is degenerate. The
ball is a region of φ ≈ φ₀ and volume V = Q/(ω₀φ₀²) bounded by a wall of tension
σ = ∫₀^{φ₀}√(2Û_{ω₀}) dφ = √(2λ)φ₀³/6, so E = ω₀Q + 4πR²σ with R = (3V/4π)^{1/3} (from
S₃ ≈ 4πR²σ − (4π/3)R³·½(ω² − ω₀²)φ₀², maximised in R and inserted into min_ω[S₃ + ωQ]);
the remainder is O(Q^{1/3}). ``thin_wall_energy`` returns both.

Gradients: ω* is found by a safeguarded secant search (``jaxbsm.solitons.roots``) under
stop_gradient; E = S₃(ω*) + ω*Q then has the exact gradients dE/dQ = ω* and dE/dθ = ∂S₃/∂θ|_{ω*}
by the envelope theorem (∂E/∂ω = 0 at ω*).

Status: int32 codes of ``jaxbsm.status``: the bounce's at ω*, or ROOT_NOT_FOUND where the ω search
failed (it takes precedence); OUT_OF_DOMAIN (with NaN values) for a traced point outside the domain
(eager calls raise ValueError instead).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxbsm.checks import is_concrete, require, require_float64
from jaxbsm.solitons.bounce import S_PSI, BounceResult, bounce, bounce_profile
from jaxbsm.solitons.roots import bisection, bracketed_secant
from jaxbsm.status import Status, first_failure, where_failed

#: 4π∫ρ²ψ⁴ over the d = 3 bounce of ½ψ² − ψ³ (dS/dκ for the added κψ⁴; checked against scipy in tests).
S_PSI4 = 8.25175010932

__all__ = [
    "S_PSI4",
    "QBall",
    "qball_bounce",
    "qball_charge",
    "qball_energy",
    "qball_potential",
    "qball_profile",
    "thick_wall_energy",
    "thin_wall_energy",
]


def qball_potential(phi, params):
    """Û_ω(φ) = ½m²φ² − Aφ³ + λφ⁴ in GeV⁴ with m² = M² − ω² (Kusenko eq. 12); params = (m², A, λ).

    Parametrised by m² rather than ω so the thick-wall limit ω → M keeps full precision.
    """
    m2, A, lam = params
    return 0.5 * m2 * phi**2 - A * phi**3 + lam * phi**4


def _qball_bracket(m2, A, lam):
    """Shooting bracket for Û_ω: the escape point and an overshoot point (GeV)."""
    disc_e = jnp.maximum(A**2 - 2 * lam * m2, 0.0)
    lo = m2 / (A + jnp.sqrt(disc_e))  # smaller root of ½m² − Aφ + λφ² = 0, cancellation-free
    hi = (3 * A + jnp.sqrt(jnp.maximum(9 * A**2 - 16 * lam * m2, 0.0))) / (8 * lam)  # true minimum
    # thick wall (λm²/A² ≲ 1/8): overshoot at 3m²/A (ψ = 3 > ψ(0) = 1.397), far from the true
    # minimum whose huge curvature k² ≫ m² makes shots started near it ill-conditioned
    return lo, jnp.where(3 * m2 / A < 0.5 * hi, 3 * m2 / A, hi)


def qball_bounce(m2, A, lam) -> BounceResult:
    """d = 3 bounce of Û_ω with m² = M² − ω² (GeV², S₃ in GeV); λ > 0, 0 < m² < A²/(2λ).

    Bracket: escape point φ_e (Û_ω(φ_e) = 0) and the true minimum of Û_ω (3m²/A in the thick wall).
    dS₃/dm² = ½∫d³x φ².
    """
    lo, hi = _qball_bracket(m2, A, lam)
    return bounce(qball_potential, (m2, A, lam), lo, hi, d=3)


def qball_charge(omega, M, A, lam):
    """Charge Q(ω) = −dS₃/dω = ω ∫d³x φ_ω² (dimensionless; Kusenko eq. 7) at frequency ω (GeV).

    ω ∈ (ω₀, M); the bounce status (int32, ``jaxbsm.status``) is returned alongside: (Q, status).
    """
    r = qball_bounce((M - omega) * (M + omega), A, lam)
    return omega * r.phi2_integral, r.status


def qball_profile(omega, M, A, lam, r):
    """Q-ball profile φ(r) (GeV) at frequency ω (GeV) on radii r (GeV⁻¹, ascending).

    The field is φ(x, t) = e^{iωt} φ(r) (Kusenko eq. 6); use ``qball_energy(Q, …).omega`` for the
    profile at charge Q. See ``jaxbsm.solitons.bounce.bounce_profile``.
    """
    m2 = (M - omega) * (M + omega)
    lo, hi = _qball_bracket(m2, A, lam)
    return bounce_profile(qball_potential, (m2, A, lam), lo, hi, r, d=3)


class QBall(NamedTuple):
    """E: energy (GeV); omega: ω* (GeV); binding: QM − E (GeV, cancellation-free);
    radius: rms radius (GeV⁻¹); status: int32 ``jaxbsm.status`` code: the bounce's at ω*,
    ROOT_NOT_FOUND if the ω root find failed, OUT_OF_DOMAIN (values NaN) for a traced input outside
    Q, M, A, λ > 0 finite, M² > A²/(2λ)."""

    E: jax.Array
    omega: jax.Array
    binding: jax.Array
    radius: jax.Array
    status: jax.Array


def _check_inputs(where: str, Q, M, A, lam, *, lam_rule: str = "positive") -> None:
    """ValueError naming the parameter, its value and the allowed range, for concrete inputs outside
    the potential's domain: Q, M, A > 0, λ > 0 (or ≥ 0: ``lam_rule``), and M² > A²/(2λ) (the origin
    the global minimum of U) where λ > 0."""
    require_float64(where)
    require(where, "finite_positive", "(charge, dimensionless)", Q=Q)
    require(where, "finite_positive", "[GeV]", M=M, A=A)
    require(where, lam_rule, "(quartic coupling)", lam=lam)
    if is_concrete(M, A, lam):
        M_, A_, lam_ = (np.asarray(x, float) for x in (M, A, lam))
        bad = (lam_ > 0) & ~(M_**2 > A_**2 / (2 * np.where(lam_ > 0, lam_, 1.0)))
        if np.any(bad):
            raise ValueError(f"{where}: need M^2 > A^2/(2 lam) (the origin the global minimum of U), got M = {M_!r}, A = {A_!r}, "
                             f"lam = {lam_!r}: M^2 = {M_**2!r} against A^2/(2 lam) = {A_**2 / (2 * np.where(lam_ > 0, lam_, 1.0))!r}")


def _thin_wall_constants(M, A, lam):
    """ω₀ (GeV), φ₀ (GeV) and wall tension σ (GeV³) of the degenerate Û_{ω₀} = λφ²(φ − φ₀)².

    ω₀² = min 2U/φ² = M² − A²/(2λ) at φ₀ = A/(2λ); σ = ∫₀^{φ₀} dφ √(2Û_{ω₀}) = √(2λ) φ₀³/6.
    """
    phi0 = A / (2 * lam)
    w0 = jnp.sqrt(M**2 - A**2 / (2 * lam))
    sigma = jnp.sqrt(2 * lam) * phi0**3 / 6
    return w0, phi0, sigma


def _log_charge_model(t, M, A, lam):
    """log of Q_thick + Q_thin at t = log m² (no bounce; the root finder's start and first slope).

    Q_thick = 3 S_ψ m ω/A² (ω → M); Q_thin = ω₀ φ₀² (4π/3) R³ with R = 2σ/ε and
    ε = ½(m_c² − m²) φ₀², m_c² = A²/(2λ) (ω → ω₀).
    """
    m2 = jnp.exp(t)
    w = jnp.sqrt(M**2 - m2)
    w0, phi0, sigma = _thin_wall_constants(M, A, lam)
    eps = 0.5 * (A**2 / (2 * lam) - m2) * phi0**2
    q_thick = 3 * S_PSI * jnp.sqrt(m2) * w / A**2
    q_thin = w0 * phi0**2 * (4 * jnp.pi / 3) * (2 * sigma / eps) ** 3
    return jnp.log(q_thick + q_thin)


def qball_energy(Q, M, A, lam, max_iter: int = 40) -> QBall:
    """Q-ball energy E(Q) = min_ω [S₃(ω) + ωQ] (GeV; Q dimensionless), Kusenko eq. 8.

    Valid for λ > 0 and M² > A²/(2λ) (the origin is the global minimum of U, so ω₀² > 0).
    Solves log Q(t) = log Q, Q(t) = ω∫d³x φ_ω² at t = log(M² − ω²), in
    t ∈ (log(1e−24 M²), log(A²/2λ) + log(1 − 1e−4)) (Q from ~1e−10 up to ~1e12 at λM²/A² = 1):
    log Q is smooth and increasing in t, ≈ t/2 in the thick wall and ≈ −3 log(m_c² − m²) in the
    thin wall. The start is the root of the two-asymptote model ``_log_charge_model``, the first
    step a Newton step with the model's slope, the rest secant steps, safeguarded by bisection of
    the bracket (a failed bounce counts as "Q too large"); ~6–8 bounces per Q to |Δt| < 1e−10.
    ω* is under stop_gradient; E is stationary in ω, so gradients follow from the envelope theorem
    (module docstring) and an error δt in ω* costs only O(δt²) in E.
    """
    _check_inputs("qball_energy", Q, M, A, lam)
    # traced inputs outside the domain (eager ones were refused above): such a point is solved at a
    # harmless stand-in and flagged OUT_OF_DOMAIN with E = NaN, so it can neither spoil nor slow its batch
    valid = (
        jnp.isfinite(Q) & jnp.isfinite(M) & jnp.isfinite(A) & jnp.isfinite(lam)
        & (Q > 0) & (M > 0) & (A > 0) & (lam > 0) & (M**2 * 2 * lam > A**2)
    )
    Q, M, A, lam = (jnp.where(valid, x, stand_in) for x, stand_in in ((Q, 10.0), (M, 1.0), (A, 1.0), (lam, 1.0)))
    sg = jax.lax.stop_gradient
    Qs, Ms, As, ls = sg(Q), sg(M), sg(A), sg(lam)
    logQ = jnp.log(Qs)
    t_lo = jnp.log(1e-24 * Ms**2)
    t_hi = jnp.log(As**2 / (2 * ls)) + jnp.log1p(-1e-4)  # ω − ω₀ ≳ 1e−4 ω₀: R ≲ 1e4/M

    def model(t):
        return _log_charge_model(t, Ms, As, ls) - logQ

    lo, hi = bisection(model, t_lo, t_hi, 80)
    x0 = 0.5 * (lo + hi)

    def f(t):  # (log Q(t) − log Q, no aux); +inf where the bounce failed ("Q too large")
        r = qball_bounce(jnp.exp(t), As, ls)
        q = jnp.sqrt(Ms**2 - jnp.exp(t)) * r.phi2_integral
        return jnp.where(r.status == Status.OK, jnp.log(q) - logQ, jnp.inf), ()

    root = bracketed_secant(
        f, t_lo, t_hi, x0, jax.grad(model)(x0), max_iter=max_iter, accept=1e-8, ftol=1e-14, xtol=1e-10
    )
    t = sg(root.x)
    m2s = jnp.exp(t)
    w = sg(jnp.sqrt(Ms**2 - m2s))
    m2 = m2s + (M**2 - Ms**2)  # value m2s (full precision), derivative 2M dM at fixed ω*
    r = qball_bounce(m2, A, lam)
    E = r.action + w * Q
    binding = Q * m2 / (M + w) - r.action  # QM − E = Q(M − ω) − S₃, no cancellation
    root_status = where_failed((t <= t_lo) | (t >= t_hi), Status.ROOT_NOT_FOUND, root.status)
    status = jnp.where(valid, first_failure(root_status, r.status), jnp.int32(Status.OUT_OF_DOMAIN))
    E, w, binding, radius = (jnp.where(valid, x, jnp.nan) for x in (E, w, binding, r.radius))
    return QBall(E, w, binding, radius, status)


def thick_wall_energy(Q, M, A, lam=0.0):
    """Thick-wall (small-Q) Q-ball energy (GeV), Kusenko eqs. 13–14 plus the first λ correction.

    Returns (closed form, ε series) with ε = QA²/(3 S_ψ M²):
    closed form: QM(1 + 2w²)/(3w), w² = (1 + √(1 − 4ε²))/2 (exact at λ = 0, needs ε ≤ 1/2), plus
    λ m*⁵ S_ψ4/A⁴ with m*² = M²(1 − w²);
    series: QM[1 − ε²/6 − ε⁴/8 + (λM²/A²)(S_ψ4/(3S_ψ)) ε⁴] + O(ε⁶).
    Beyond ε = 1/2 (Q > 3S_ψM²/(2A²)) there is no thick-wall solution: the closed form is NaN
    there, while the series is returned for any Q (to show where it fails; qball_energy holds for all Q).
    """
    _check_inputs("thick_wall_energy", Q, M, A, lam, lam_rule="nonnegative")
    eps = Q * A**2 / (3 * S_PSI * M**2)
    w2 = 0.5 * (1 + jnp.sqrt(1 - 4 * eps**2))
    w = jnp.sqrt(w2)
    m = M * jnp.sqrt(1 - w2)
    closed = Q * M * (1 + 2 * w2) / (3 * w) + lam * m**5 * S_PSI4 / A**4
    kappa = lam * M**2 / A**2
    series = Q * M * (1 - eps**2 / 6 - eps**4 / 8 + kappa * S_PSI4 / (3 * S_PSI) * eps**4)
    return closed, series


def thin_wall_energy(Q, M, A, lam):
    """Thin-wall Q-ball energy (GeV) for large Q: returns (leading, with surface energy).

    Leading (Kusenko eq. 11, Coleman 1985): E = ω₀Q with ω₀² = min 2U/φ² = M² − A²/(2λ).
    With the wall (this module's derivation): a ball of volume V = Q/(ω₀φ₀²) and radius
    R = (3V/4π)^{1/3} costs the surface energy 4πR²σ, σ = √(2λ)φ₀³/6, so
    E = ω₀Q + 4πσ (3Q/(4πω₀φ₀²))^{2/3}; the next corrections are O(Q^{1/3}).
    Requires M² > A²/(2λ).
    """
    _check_inputs("thin_wall_energy", Q, M, A, lam)
    w0, phi0, sigma = _thin_wall_constants(M, A, lam)
    lead = w0 * Q
    return lead, lead + 4 * jnp.pi * sigma * (3 * Q / (4 * jnp.pi * w0 * phi0**2)) ** (2 / 3)
