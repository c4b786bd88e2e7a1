"""Single-field Q-balls from the 3-d bounce (units: GeV for M, φ, E, ω; A in GeV; λ, Q dimensionless).

Kusenko, hep-ph/9704273: for U(φ) = ½M²φ² − Aφ³ + λφ⁴ (eq. 11, φ the modulus with the canonical
normalisation used there), the Q-ball energy is (eq. 8)

    E(Q) = min_ω [ S₃(ω) + ωQ ],     S₃(ω) = 4π ∫ r² dr [½φ'² + Û_ω(φ)],  Û_ω = U − ½ω²φ²  (eq. 12),

with S₃(ω) the d = 3 bounce action (jaxbsm.solitons.bounce). Stationarity gives the charge
Q(ω) = −dS₃/dω = ω ∫ d³x φ_ω² ; the minimising ω* ∈ (ω_min, M), ω_min² = M² − A²/(2λ).

Thick-wall limit (Kusenko eqs. 13–14): for ω → M, with m² = M² − ω², φ = (m²/A)ψ, r = ρ/m,
S₃ → S_ψ m³/A² where S_ψ = 4π∫ρ²[½ψ'² + ½ψ² − ψ³] = 4.851137 (``S_PSI``). Minimising
S_ψ (M² − ω²)^{3/2}/A² + ωQ over w = ω/M gives, with ε = QA²/(3 S_ψ M²),
w²(1 − w²) = ε², i.e. w² = (1 + √(1 − 4ε²))/2, and

    E/(QM) = (1 + 2w²)/(3w) = 1 − ε²/6 − ε⁴/8 − O(ε⁶).

At λ ≠ 0 the quartic shifts S₃ by a relative O(λ m²/A²) = O(λ ε² M²/A²): for λM²/A² = 1 (the
issue's U = ½φ² − 0.1φ³ + 0.01φ⁴) this enters at the same order as the ε⁴/8 term, so the series is
exact to O(ε²) only.

Gradients: ω* is found by bisection under stop_gradient; E = S₃(ω*) + ω*Q then has the
exact gradients dE/dQ = ω* and dE/dθ = ∂S₃/∂θ|_{ω*} by the envelope theorem (∂E/∂ω = 0 at ω*).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from jaxbsm.solitons.bounce import S_PSI, BounceResult, bounce

__all__ = [
    "QBall",
    "qball_bounce",
    "qball_energy",
    "qball_potential",
    "thick_wall_energy",
]


def qball_potential(phi, params):
    """Û_ω(φ) = ½m²φ² − Aφ³ + λφ⁴ in GeV⁴ with m² = M² − ω² (Kusenko eq. 12); params = (m², A, λ).

    Parametrised by m² rather than ω so the thick-wall limit ω → M keeps full precision.
    """
    m2, A, lam = params
    return 0.5 * m2 * phi**2 - A * phi**3 + lam * phi**4


def qball_bounce(m2, A, lam) -> BounceResult:
    """d = 3 bounce of Û_ω with m² = M² − ω² (GeV², S₃ in GeV); λ > 0, 0 < m² < A²/(2λ).

    Bracket: escape point φ_e (Û_ω(φ_e) = 0) and the true minimum of Û_ω (3m²/A in the thick wall). dS₃/dm² = ½∫d³x φ².
    """
    disc_e = jnp.maximum(A**2 - 2 * lam * m2, 0.0)
    lo = m2 / (
        A + jnp.sqrt(disc_e)
    )  # smaller root of ½m² − Aφ + λφ² = 0, cancellation-free
    hi = (3 * A + jnp.sqrt(jnp.maximum(9 * A**2 - 16 * lam * m2, 0.0))) / (
        8 * lam
    )  # true minimum
    # thick wall (λm²/A² ≲ 1/8): overshoot at 3m²/A (ψ = 3 > ψ(0) = 1.397), far from the true
    # minimum whose huge curvature k² ≫ m² makes shots started near it ill-conditioned
    hi = jnp.where(3 * m2 / A < 0.5 * hi, 3 * m2 / A, hi)
    return bounce(qball_potential, (m2, A, lam), lo, hi, d=3)


class QBall(NamedTuple):
    """E: energy (GeV); omega: ω* (GeV); binding: QM − E (GeV, cancellation-free);
    radius: rms radius (GeV⁻¹); status: bounce status at ω* (0 ok, see BOUNCE_STATUS), 5 if the
    ω root find failed."""

    E: jax.Array
    omega: jax.Array
    binding: jax.Array
    radius: jax.Array
    status: jax.Array


def qball_energy(Q, M, A, lam, n_iter: int = 32) -> QBall:
    """Q-ball energy E(Q) = min_ω [S₃(ω) + ωQ] (GeV; Q dimensionless), Kusenko eq. 8.

    Solves Q(ω) = ω∫φ_ω² = Q for t = log(M² − ω²) ∈ (log(1e−24 M²), log(A²/2λ) + log(1 − 1e−4)) (Q from ~1e−10 to ~1e12 at λM²/A² = 1) by bisection on
    log Q(t) − log Q (increasing in t on the stable branch; failed bounces count as "too large").
    A fixed-count ``lax.fori_loop`` bisection is used rather than optimistix.Bisection: nested
    around the bounce's own while loop the latter took ~60 s to compile on CPU. ω* is under
    stop_gradient; gradients of E follow from the envelope theorem (module docstring).
    """
    sg = jax.lax.stop_gradient
    Qs, Ms, As, ls = sg(Q), sg(M), sg(A), sg(lam)
    t_lo = jnp.log(1e-24 * Ms**2)
    t_hi = jnp.log(As**2 / (2 * ls)) + jnp.log1p(
        -1e-4
    )  # ω − ω_min ≳ 1e−4 ω_min: R ≲ 1e4/M

    def fn(t):
        m2 = jnp.exp(t)
        w = jnp.sqrt(Ms**2 - m2)
        r = qball_bounce(m2, As, ls)
        q = w * r.phi2_integral
        return jnp.where(r.status == 0, jnp.log(q) - jnp.log(Qs), 1e3)

    def body(_, c):
        lo, hi = c
        mid = 0.5 * (lo + hi)
        up = fn(mid) > 0
        return jnp.where(up, lo, mid), jnp.where(up, mid, hi)

    lo, hi = jax.lax.fori_loop(0, n_iter, body, (t_lo, t_hi))
    t = sg(0.5 * (lo + hi))
    m2s = jnp.exp(t)
    w = sg(jnp.sqrt(Ms**2 - m2s))
    m2 = m2s + (
        M**2 - Ms**2
    )  # value m2s (full precision), derivative 2M dM at fixed ω*
    r = qball_bounce(m2, A, lam)
    E = r.action + w * Q
    binding = Q * m2 / (M + w) - r.action  # QM − E = Q(M − ω) − S₃, no cancellation
    converged = (
        (hi - lo < 1e-6) & (lo > t_lo) & (hi < t_hi)
    )  # E is stationary in t: error ∝ (δt)²
    status = jnp.where(converged, r.status, 5)
    return QBall(E, w, binding, r.radius, status)


def thick_wall_energy(Q, M, A):
    """Thick-wall Q-ball energy (GeV), Kusenko eq. 14 at λ = 0: returns (exact min, ε series).

    ε = QA²/(3 S_ψ M²); exact: E = QM(1 + 2w²)/(3w), w² = (1 + √(1 − 4ε²))/2 (valid ε < 1/2);
    series: E ≈ QM[1 − ε²/6 − ε⁴/8].
    """
    eps = Q * A**2 / (3 * S_PSI * M**2)
    w = jnp.sqrt(0.5 * (1 + jnp.sqrt(1 - 4 * eps**2)))
    return Q * M * (1 + 2 * w**2) / (3 * w), Q * M * (1 - eps**2 / 6 - eps**4 / 8)
