r"""Analytic freeze-in templates for cross-checks and quick scans (issue 4, seed 003).

Constant g* = g*s = g, radiation domination, H = h₀ T² with h₀ = (4π³g/45)^{1/2}/M_Pl, t = 1/(2H),
Maxwell–Boltzmann S of one d.o.f. and massless N (g_N = 2) with f_N ≪ 1; q = p/T. Derived here.

Decay in equilibrium (Hall, Jedamzik, March-Russell & West, JHEP 03 (2010) 080, arXiv:0911.1120,
eq. 2.8 with two N per decay). S → NN at rate Γ K₁/K₂ per S, n_S = n_eq, gives
dY_N/dT = −2Γ n_eq K₁/K₂/(s H T); with ∫₀^∞ x³K₁(x) dx = 3π/2::

    Y_N = 135 Γ / (4π³ g h₀ m_S²) = 2 · 135 g_S M_Pl Γ / (8π³ · 1.66 g^{3/2} m_S²)   (1.66 → (4π³/45)^{1/2}).

Its spectrum: df_N/dt = (2Γm_S T/g_N p²) exp[−p/T − m_S²/(4pT)] (freeze_in docstring, r = 1). At
constant q, dt = −dT/(h₀T³) and ∫₀^∞ T⁻⁴ e^{−α/T²} dT = √π/(4α^{3/2}) with α = m_S²/(4q)::

    f_N(q) = (4√π Γ/(g_N h₀ m_S²)) q^{−1/2} e^{−q},     ⟨q⟩ = Γ(7/2)/Γ(5/2) = 5/2,  ⟨q²⟩ = 35/4,

colder than a Fermi–Dirac spectrum, ⟨q⟩_FD = 7π⁴/(180ζ(3)) = 3.1514.

Late decay of a frozen-out S (yield Y_S⁰, at rest, T ≪ m_S): each decay at time t puts two N at
p = m_S/2, i.e. q = m_S/(2T) and t = 2q²/(h₀m_S²). With dY_N = 2Y_S⁰ Γ e^{−Γt} dt and
Y_N = C_N ∫q² f dq, C_N = 45 g_N/(4π⁴ g)::

    f_N(q) = (8 Y_S⁰ Γ/(C_N h₀ m_S²)) q^{−1} exp(−q²/q_τ²),   q_τ = m_S (h₀/(2Γ))^{1/2},
    ⟨q⟩ = (√π/2) q_τ,  ⟨q²⟩ = q_τ².

q_τ = m_S/(2T_τ) at the temperature T_τ where Γt = 1, i.e. H(T_τ) = Γ/2. All functions broadcast
and are differentiable.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from jaxbsm.constants import M_PLANCK
from jaxbsm.cosmology.freeze_in import G_N

__all__ = [
    "MEAN_Q_FERMI_DIRAC",
    "h0",
    "hall_yield",
    "f_equilibrium_decay",
    "late_decay_q_tau",
    "f_late_decay",
]

MEAN_Q_FERMI_DIRAC = 7.0 * np.pi**4 / (180.0 * 1.2020569031595942)
"""⟨p/T⟩ of a massless Fermi–Dirac spectrum, 7π⁴/(180ζ(3)) = 3.1514."""


def h0(g):
    """H/T² (GeV⁻¹) at constant g*: (4π³g/45)^{1/2}/M_Pl."""
    return jnp.sqrt(4.0 * jnp.pi**3 * jnp.asarray(g, dtype=float) / 45.0) / M_PLANCK.value


def hall_yield(m_S, gamma, g, n_per_decay=2):
    """Y_N of decays of S (one d.o.f.) held in equilibrium: n_per_decay · 135Γ/(8π³ g h₀ m_S²).

    Hall et al. 2010 eq. 2.8 with its 1.66 written exactly; m_S, Γ in GeV; ``n_per_decay`` = 2 for
    S → NN.
    """
    return n_per_decay * 135.0 * gamma / (8.0 * jnp.pi**3 * g * h0(g) * m_S**2)


def f_equilibrium_decay(q, m_S, gamma, g):
    """f_N(q) per helicity from decays of S in equilibrium: (4√πΓ/(g_N h₀m_S²)) q^{−1/2} e^{−q}."""
    q = jnp.asarray(q, dtype=float)
    return 4.0 * jnp.sqrt(jnp.pi) * gamma / (G_N * h0(g) * m_S**2) * q**-0.5 * jnp.exp(-q)


def late_decay_q_tau(m_S, gamma, g):
    """q_τ = m_S (h₀/(2Γ))^{1/2} of the late-decay spectrum (Γt = q²/q_τ² at q = m_S/2T)."""
    return m_S * jnp.sqrt(h0(g) / (2.0 * gamma))


def f_late_decay(q, Y_S0, m_S, gamma, g):
    """f_N(q) per helicity from a frozen-out S of yield Y_S0 decaying at rest:
    (8 Y_S0 Γ/(C_N h₀ m_S²)) q^{−1} exp(−q²/q_τ²), C_N = 45 g_N/(4π⁴ g)."""
    q = jnp.asarray(q, dtype=float)
    c_n = 45.0 * G_N / (4.0 * jnp.pi**4 * g)
    q_tau = late_decay_q_tau(m_S, gamma, g)
    return 8.0 * Y_S0 * gamma / (c_n * h0(g) * m_S**2) / q * jnp.exp(-((q / q_tau) ** 2))
