"""Thermal history of the Standard Model plasma: g*(T), g*s(T), s(T), rho(T), H(T) and t(T).

Units: temperatures T in GeV; energy density in GeV^4, entropy density in GeV^3, the Hubble rate
in GeV, cosmic time in GeV^-1 (multiply by ``HBAR_GEV_S`` for seconds); g's are dimensionless.

Data. g_rho = g*(T) (energy density) and g_s = g*s(T) (entropy density) are the tabulation of
K. Saikawa and S. Shirai, JCAP 08 (2020) 011, arXiv:2005.03544 (the update of JCAP 05 (2018) 035,
arXiv:1803.01038), shipped as ``data/saikawa_shirai_2020_gstar.dat`` with its provenance in the
file header: 528 points from T = 1e-5 GeV to 1.47e6 GeV, a factor 1.05 apart. It contains the
lattice QCD crossover, the electroweak crossover with perturbative QCD/electroweak corrections at
high T, and non-instantaneous neutrino decoupling at low T. Its limits are therefore *not* the
free-gas textbook numbers:

* today (T <~ 20 keV): g_s = 3.931, g_rho = 3.383 (N_eff = 3.045), versus the instantaneous-
  decoupling 3.909 and 3.363;
* at the top of the table (1.47e6 GeV): g_rho = 104.44, g_s = 104.43, about 2% below the
  free-gas 106.75 of all SM states relativistic, because of the interaction corrections (they
  vanish only logarithmically as the couplings run).

Interpolation. One C2 cubic spline of (ln g_rho, ln g_s) in ln T through all table nodes, with
clamped ends (d ln g/d ln T = 0 at the first and last node): scipy.interpolate.CubicSpline
solves for it once (numpy, at first use) and JAX evaluates its polynomials and their
derivative; the nodes are 1.05 apart in T, so the interval of a point is computed from ln T,
not searched (identical to interpax.PPoly's evaluation to 2e-15, at about half its cost).
Outside the table ln T is clamped to the table range, so g is continued by the constant end
values: the continuation is C1 (value and first derivative continuous). The table is flat below
20 keV; at its top the slope d ln g/d ln T = 4e-4 is set to zero, which moves ln g by < 2e-6
against a not-a-knot spline. Every function is therefore finite and differentiable for every
T > 0; d ln g/d ln T is the analytic derivative of the spline (exactly zero outside the table).

Time-temperature relation (entropy conservation). With s a^3 = const and s = (2 pi^2/45) g_s T^3,
    d ln s/dt = -3 H  and  d ln s = (3 + d ln g_s/d ln T) d ln T,
so d ln T/dt = -H / (1 + (1/3) d ln g_s/d ln T), i.e.
    dt/dT = -(1/(H T)) (1 + (1/3) d ln g_s/d ln T)
(Kolb & Turner, "The Early Universe" (1990), ch. 3). Integrating from T' = infinity (t = 0),
    t(T) = int_{ln T}^{inf} (1 + (1/3) d ln g_s/d ln T') / H(T') d ln T'.
For constant g it gives the radiation-era t = 1/(2H) = 0.301 g^(-1/2) M_Pl / T^2.

H(T) = sqrt(8 pi rho/3) / M_Pl = sqrt(4 pi^3 g_rho/45) T^2 / M_Pl with the (non-reduced) Planck
mass M_Pl = G_N^(-1/2) = 1.22089e19 GeV (``jaxbsm.constants.M_PLANCK``, PDG 2024); the flat,
radiation-dominated Friedmann equation (no dark matter, dark energy or curvature).
"""

from __future__ import annotations

import functools
from importlib import resources

import interpax
import jax
import jax.numpy as jnp
import numpy as np
import scipy.interpolate

from jaxbsm.checks import require
from jaxbsm.constants import HBAR_GEV_PS, M_PLANCK

DATA_FILE = "data/saikawa_shirai_2020_gstar.dat"
#: hbar in GeV s: a time in GeV^-1 times HBAR_GEV_S is in seconds.
HBAR_GEV_S = HBAR_GEV_PS.value * 1e-12
#: Free-gas g of the full Standard Model, all states relativistic: 28 bosons + 7/8 * 90 fermions.
G_SM_FREE = 106.75


@functools.lru_cache(maxsize=1)
def gstar_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(T [GeV], g_rho, g_s) as numpy arrays, the Saikawa-Shirai 2020 table shipped with jaxbsm."""
    path = resources.files("jaxbsm.cosmology").joinpath(DATA_FILE)
    with resources.as_file(path) as p:
        data = np.loadtxt(p, comments="#")
    # columns of the file: T [GeV], f [Hz], g_s, g_rho
    return data[:, 0].copy(), data[:, 3].copy(), data[:, 2].copy()


@functools.lru_cache(maxsize=1)
def _scipy_spline() -> scipy.interpolate.CubicSpline:
    """The clamped C2 spline of (ln g_rho, ln g_s) in ln T through every table node (numpy side)."""
    T, g_rho, g_s = gstar_table()
    y = np.log(np.stack([g_rho, g_s], axis=-1))
    return scipy.interpolate.CubicSpline(np.log(T), y, axis=0, bc_type="clamped")


@functools.lru_cache(maxsize=1)
def _spline() -> interpax.PPoly:
    """The same spline as a JAX piecewise polynomial (interpax), from scipy's coefficients."""
    sp = _scipy_spline()
    # ensure_compile_time_eval: a first call from inside jit must not store tracers in the cache.
    with jax.ensure_compile_time_eval():
        return interpax.PPoly(jnp.asarray(sp.c), jnp.asarray(sp.x), check=False)


def _table_range() -> tuple[float, float]:
    T = gstar_table()[0]
    return float(np.log(T[0])), float(np.log(T[-1]))


def _check_T(where: str, T) -> None:
    require(where, "positive", "(temperature in GeV)", T=T)


# Each public function checks T (when concrete) and calls a jitted kernel: eager calls then run
# compiled code, and under an outer jit/vmap/grad the kernels are inlined.


def _spline_eval(lnT, nu):
    """The spline's value (nu = 0) or first derivative (nu = 1) at ln T clamped to the table, shape
    lnT.shape + (2,). The knots are 1.05 apart in T (uniform in ln T up to the file's rounding), so the
    interval is computed, then corrected by one knot where rounding puts it off (no search)."""
    sp = _scipy_spline()
    knots, coeffs = sp.x, sp.c  # numpy: (n,), (4, n − 1, 2)
    n = knots.size
    u = jnp.clip(lnT, knots[0], knots[-1])
    i = jnp.clip(jnp.floor((u - knots[0]) * ((n - 1) / (knots[-1] - knots[0]))).astype(int), 0, n - 2)
    k = jnp.asarray(knots)
    i = jnp.clip(i - (u < k[i]) + (u >= k[i + 1]), 0, n - 2)
    dx = (u - k[i])[..., None]
    c = jnp.asarray(coeffs)[:, i]  # (4, ..., 2)
    if nu == 0:
        return ((c[0] * dx + c[1]) * dx + c[2]) * dx + c[3]
    return (3.0 * c[0] * dx + 2.0 * c[1]) * dx + c[2]


@jax.jit
def _ln_g(T):
    """(ln g_rho, ln g_s) at T [GeV], shape T.shape + (2,); constant outside the table."""
    return _spline_eval(jnp.log(T), 0)


@jax.jit
def _dln_g(T):
    """(d ln g_rho/d ln T, d ln g_s/d ln T) at T [GeV], shape T.shape + (2,); 0 outside the table."""
    lo, hi = _table_range()
    lnT = jnp.log(T)
    inside = (lnT >= lo) & (lnT <= hi)
    return jnp.where(inside[..., None], _spline_eval(lnT, 1), 0.0)


@jax.jit
def _hubble(T, g):
    g = jnp.exp(_ln_g(T)[..., 0]) if g is None else g
    return jnp.sqrt(4.0 * jnp.pi**3 * g / 45.0) * T**2 / M_PLANCK.value


def _as_T(T):
    return jnp.asarray(T, dtype=float)


def g_rho(T):
    """Energy-density degrees of freedom g*(T) of the SM [T in GeV -> dimensionless].

    rho = (pi^2/30) g_rho T^4; Saikawa & Shirai, arXiv:2005.03544 table (see module docstring).
    """
    _check_T("g_rho", T)
    return jnp.exp(_ln_g(_as_T(T))[..., 0])


def g_s(T):
    """Entropy degrees of freedom g*s(T) of the SM [T in GeV -> dimensionless].

    s = (2 pi^2/45) g_s T^3; Saikawa & Shirai, arXiv:2005.03544 table (see module docstring).
    """
    _check_T("g_s", T)
    return jnp.exp(_ln_g(_as_T(T))[..., 1])


def dln_g_rho_dlnT(T):
    """d ln g_rho / d ln T [T in GeV -> dimensionless], the analytic derivative of the spline."""
    _check_T("dln_g_rho_dlnT", T)
    return _dln_g(_as_T(T))[..., 0]


def dln_g_s_dlnT(T):
    """d ln g_s / d ln T [T in GeV -> dimensionless]; enters entropy dilution and dt/dT."""
    _check_T("dln_g_s_dlnT", T)
    return _dln_g(_as_T(T))[..., 1]


def energy_density(T, g=None):
    """Radiation energy density rho = (pi^2/30) g_rho T^4 [T in GeV -> GeV^4].

    ``g``: a constant g_rho to use instead of the SM table (None: Saikawa-Shirai g_rho(T)).
    """
    _check_T("energy_density", T)
    T = _as_T(T)
    g = jnp.exp(_ln_g(T)[..., 0]) if g is None else g
    return jnp.pi**2 / 30.0 * g * T**4


def entropy_density(T, g=None):
    """Entropy density s = (2 pi^2/45) g_s T^3 [T in GeV -> GeV^3].

    ``g``: a constant g_s to use instead of the SM table (None: Saikawa-Shirai g_s(T)).
    """
    _check_T("entropy_density", T)
    T = _as_T(T)
    g = jnp.exp(_ln_g(T)[..., 1]) if g is None else g
    return 2.0 * jnp.pi**2 / 45.0 * g * T**3


def hubble_rate(T, g=None):
    """Hubble rate H = sqrt(8 pi rho / 3) / M_Pl [T in GeV -> GeV], radiation domination.

    H = sqrt(4 pi^3 g_rho / 45) T^2 / M_Pl = 1.66 sqrt(g_rho) T^2 / M_Pl, M_Pl = 1.22089e19 GeV
    (non-reduced, PDG 2024). ``g``: a constant g_rho instead of the SM table (None: g_rho(T)).
    """
    _check_T("hubble_rate", T)
    return _hubble(_as_T(T), g)


def dt_dT(T):
    """dt/dT = -(1/(H T)) (1 + (1/3) d ln g_s/d ln T) [T in GeV -> GeV^-2], entropy conservation.

    Derivation in the module docstring; negative: the plasma cools as time runs.
    """
    _check_T("dt_dT", T)
    T = _as_T(T)
    return -(1.0 + _dln_g(T)[..., 1] / 3.0) / (_hubble(T, None) * T)


# t(T) by Gauss-Legendre quadrature over the spline's own intervals in ln T (the integrand is
# analytic between knots, so 8 nodes per interval of width 0.049 reach rounding precision).
_N_GAUSS = 8


def _time_integrand(lnT, ln_g, d_ln_g, xp):
    """(1 + (1/3) d ln g_s/d ln T) / H [GeV^-1] from the spline's values; xp: numpy or jax.numpy."""
    H = xp.sqrt(4.0 * np.pi**3 * xp.exp(ln_g[..., 0]) / 45.0) * xp.exp(2.0 * lnT) / M_PLANCK.value
    return (1.0 + d_ln_g[..., 1] / 3.0) / H


def _gauss_nodes(a, b):
    """Gauss-Legendre nodes and weights on [a, b] (broadcasting), shape a.shape + (_N_GAUSS,)."""
    x, w = np.polynomial.legendre.leggauss(_N_GAUSS)
    a, b = a[..., None], b[..., None]
    return a + 0.5 * (b - a) * (x + 1.0), 0.5 * (b - a) * w


@functools.lru_cache(maxsize=1)
def _time_at_knots() -> np.ndarray:
    """t at the table's temperatures [GeV^-1], in numpy: the exact constant-g tail 1/(2H) above the
    table plus the per-interval Gauss-Legendre quadratures summed from the top down."""
    sp = _scipy_spline()
    knots = sp.x
    u, w = _gauss_nodes(knots[:-1], knots[1:])
    pieces = np.sum(w * _time_integrand(u, sp(u), sp(u, 1), np), axis=-1)
    top = 0.5 * _time_integrand(knots[-1], sp(knots[-1]), sp(knots[-1], 1), np)
    return np.append(np.cumsum(pieces[::-1])[::-1], 0.0) + top


@jax.jit
def _time(T):
    knots = jnp.asarray(_scipy_spline().x)
    lo, hi = _table_range()
    u = jnp.clip(jnp.log(T), lo, hi)
    j = jnp.clip(jnp.searchsorted(knots, u, side="right"), 1, knots.size - 1)
    uq, w = _gauss_nodes(u, knots[j])
    sp = _spline()
    inside = jnp.asarray(_time_at_knots())[j] + jnp.sum(
        w * _time_integrand(uq, sp(uq), sp(uq, nu=1), jnp), axis=-1
    )
    # constant g outside the table: t(T) - t(T_edge) = 1/(2H(T)) - 1/(2H(T_edge)); zero inside
    return inside + 0.5 / _hubble(T, None) - 0.5 / _hubble(jnp.exp(u), None)


def time_of_temperature(T):
    """Cosmic time t(T) since T = infinity [T in GeV -> GeV^-1]; times HBAR_GEV_S gives seconds.

    t(T) = int_{ln T}^{inf} (1 + (1/3) d ln g_s/d ln T') / H(T') d ln T' (module docstring): the
    table's intervals are integrated once by 8-point Gauss-Legendre each, the piece from T to the
    next table node above it likewise, and outside the table, where g is constant, the integral
    is the exact 1/(2H) form. Radiation domination throughout; t(1 MeV) = 0.746 s (the textbook
    constant-g* = 10.75 value 0.301 g*^(-1/2) M_Pl/T^2 is 0.738 s; g_rho(1 MeV) = 10.55).
    """
    _check_T("time_of_temperature", T)
    return _time(_as_T(T))
