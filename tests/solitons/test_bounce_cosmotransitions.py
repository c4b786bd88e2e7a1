"""Q-ball bounces against CosmoTransitions 2.0 (issue 6, acceptance 3; run with ``pytest -m peer``).

Peer: ``cosmoTransitions.tunneling1D.SingleFieldInstanton`` (Wainwright, arXiv:1109.4189) with
alpha = 2 (d = 3), phi_absMin = the true minimum of Û_ω, phi_metaMin = 0, exact V and dV, on the
issue's potential U = ½φ² − 0.1φ³ + 0.01φ⁴ (Û_ω = U − ½ω²φ², ω_min = 1/√2 < ω < M = 1).

Findings recorded here (CosmoTransitions 2.0.7):

* Tightened (``TIGHT``: xtol = phitol = 1e-12, thinCutoff = 1e-3) it agrees with jaxbsm to
  ≤ 3e-9 for ω ≤ 0.99, 4e-8 at 0.999, 2e-7 at 0.9999 and 1.5e-6 at 0.99999.
* The growth towards the deep thick wall is CosmoTransitions' own error, not jaxbsm's: its
  absolute tolerances (integration error and the "converged" test |φ| < 3 epsabs) are
  ``phitol × |phi_absMin − phi_metaMin|`` ≈ 7.5 phitol, fixed by the true minimum (→ 3A/4λ = 7.5),
  while the bounce amplitude φ(0) ≈ 1.397 m²/A shrinks like m² (2.8e-4 at ω = 0.99999), so the
  relative tolerance is degraded by 7.5/φ(0). With phitol = xtol = 1e-15 CT moves to 6e-9 of
  jaxbsm there, and jaxbsm agrees with an independent scipy shooting to ~1e-13 and with the
  analytic thick-wall limit S₃ = S_ψ m³/A² (1 + (J/S_ψ) κ + O(κ²)), κ = λm²/A², to O(κ²).
* With its default tolerances CT is wrong by 0.04–0.6 % for ω ≤ 0.99, by +32 % at ω = 0.999, and
  returns S ≈ 1e-24 (100 % wrong) for ω ≥ 0.9999: the escape point φ_e ≈ m²/(2A) (its first shot)
  is already inside the "converged" window 3 × 1e-4 × 7.5 = 2.25e-3, so no shot is integrated;
  xtol = 1e-4 on x = −log(1 − φ(0)/φ_absMin) (≈ φ(0)/7.5) is a further O(1) error there.
"""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from jaxbsm.solitons import S_PSI
from jaxbsm.solitons.qball import qball_bounce

pytestmark = pytest.mark.peer
pytest.importorskip("cosmoTransitions")
from cosmoTransitions.tunneling1D import SingleFieldInstanton  # noqa: E402

M, A, LAM = 1.0, 0.1, 0.01
TIGHT = dict(xtol=1e-12, phitol=1e-12, thinCutoff=1e-3, npoints=5000, rmin=1e-7)
TIGHTEST = dict(xtol=1e-15, phitol=1e-15, thinCutoff=1e-3, npoints=5000, rmin=1e-7)
# thin wall (ω → 1/√2) to deep thick wall (ω → M)
WS = np.array([0.708, 0.72, 0.8, 0.9, 0.99, 0.999, 0.9999, 0.99999])
M2 = M**2 - WS**2  # the same m² is given to all three codes
# observed |S_CT(TIGHT)/S_jaxbsm − 1| (CT 2.0.7) is below these; the issue asks for 1e-5
TIGHT_BOUND = np.array([1e-8, 1e-8, 1e-8, 1e-8, 1e-8, 1e-7, 1e-6, 5e-6])
THICK = WS >= 0.999


def _ct_action(m2, **kwargs):
    """CosmoTransitions' d = 3 bounce action of Û = ½m²φ² − Aφ³ + λφ⁴ (kwargs: findProfile's)."""
    V = lambda p: 0.5 * m2 * p**2 - A * p**3 + LAM * p**4  # noqa: E731
    dV = lambda p: m2 * p - 3 * A * p**2 + 4 * LAM * p**3  # noqa: E731
    true_min = (3 * A + np.sqrt(9 * A**2 - 16 * LAM * m2)) / (8 * LAM)
    inst = SingleFieldInstanton(true_min, 0.0, V, dV, alpha=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(inst.findAction(inst.findProfile(**kwargs)))


def _scipy_S_kappa(kappa, d=3):
    """Independent reference in the rescaled variables φ = (m²/A)ψ, r = ρ/m, where
    Û/(m⁶/A²) = ½ψ² − ψ³ + κψ⁴ and S₃ = (m³/A²) S(κ): DOP853 (rtol 1e-13) + bisection on ψ(0).
    Returns S(κ), ψ(0) and J = 4π∫ρ²ψ⁴ (so that dS/dκ = J by the envelope theorem)."""
    dV = lambda p: p - 3 * p**2 + 4 * kappa * p**3  # noqa: E731

    def shoot(p0, full=False):
        r0 = 1e-6
        y0 = [p0 + dV(p0) * r0**2 / (2 * d), dV(p0) * r0 / d, 0.0, 0.0]

        def f(r, y):
            w = 4 * np.pi * r**2
            return [y[1], dV(y[0]) - (d - 1) / r * y[1], w * 0.5 * y[1] ** 2, w * y[0] ** 4]

        cross = lambda r, y: y[0]  # noqa: E731
        cross.terminal = True
        turn = lambda r, y: y[1]  # noqa: E731
        turn.terminal, turn.direction = True, 1
        s = solve_ivp(f, (r0, 80.0), y0, method="DOP853", rtol=1e-13, atol=1e-15, events=[cross, turn])
        return s if full else len(s.t_events[0]) > 0  # True: overshoot

    lo, hi = 0.5, 3.0  # ψ(0) = 1.397 at κ = 0; valid for the small κ used here
    assert shoot(hi) and not shoot(lo)
    while hi - lo > 4e-16 * hi:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if shoot(mid) else (mid, hi)
    s = shoot(lo, full=True)
    return (2.0 / d) * s.y[2, -1], lo, s.y[3, -1]


@pytest.fixture(scope="module")
def jax_bounces():
    r = jax.jit(jax.vmap(lambda m2: qball_bounce(m2, A, LAM)))(jnp.asarray(M2))
    assert np.all(np.asarray(r.status) == 0)
    return np.asarray(r.action)


@pytest.fixture(scope="module")
def ct_tight():
    return np.array([_ct_action(m2, **TIGHT) for m2 in M2])


@pytest.fixture(scope="module")
def ct_default():
    return np.array([_ct_action(m2) for m2 in M2])


def test_tightened_cosmotransitions_agrees(jax_bounces, ct_tight):
    rel = np.abs(ct_tight / jax_bounces - 1)
    assert np.all(rel < 1e-5)  # the acceptance
    assert np.all(rel < TIGHT_BOUND), rel  # what CT 2.0.7 actually achieves


def test_thick_wall_residual_is_cosmotransitions_tolerance(jax_bounces, ct_tight):
    # CT's absolute tolerance is phitol × |φ_absMin| ≈ 7.5 phitol while φ(0) ≈ 2.8e-4 at ω = 0.99999:
    # tightening phitol (and xtol) further moves CT onto jaxbsm
    i = -1
    rel_tight = abs(ct_tight[i] / jax_bounces[i] - 1)
    rel_tightest = abs(_ct_action(M2[i], **TIGHTEST) / jax_bounces[i] - 1)
    assert rel_tight > 1e-7
    assert rel_tightest < 3e-8 and rel_tightest < rel_tight / 30


def test_jaxbsm_thick_wall_against_scipy_and_analytic_limit(jax_bounces):
    S0, psi0, J = _scipy_S_kappa(0.0)
    assert abs(S0 / S_PSI - 1) < 1e-11 and abs(psi0 - 1.3972276515) < 1e-9
    for m2, S in zip(M2[THICK], jax_bounces[THICK]):
        kappa = LAM * m2 / A**2
        scale = m2**1.5 / A**2
        S_ref, _, _ = _scipy_S_kappa(kappa)
        assert abs(S / (scale * S_ref) - 1) < 1e-10  # independent shooting
        # analytic thick-wall limit with its first λ correction: S₃ = S_ψ m³/A² (1 + (J/S_ψ) κ + O(κ²))
        assert abs(S / (scale * S_PSI) - 1) < 2 * (J / S_PSI) * kappa
        assert abs(S / (scale * (S_PSI + J * kappa)) - 1) < 10 * kappa**2


def test_cosmotransitions_defaults_fail_in_deep_thick_wall(jax_bounces, ct_default):
    """Documented observation: CT 2.0.7's defaults (xtol = phitol = 1e-4, thinCutoff = 0.01)."""
    rel = ct_default / jax_bounces - 1
    moderate = WS <= 0.99
    assert np.all(np.abs(rel[moderate]) < 1e-2)  # ~1e-3: the defaults' nominal accuracy
    assert rel[WS == 0.999][0] > 0.1  # +32 %
    deep = WS >= 0.9999
    # S ≈ 1e-24: the first shot from the escape point is already "converged" (|φ| < 2.25e-3)
    assert np.all(np.abs(rel[deep]) > 0.99)
    assert np.all(ct_default[deep] < 1e-15 * jax_bounces[deep])
