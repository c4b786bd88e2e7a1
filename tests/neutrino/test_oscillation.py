"""Three-flavour oscillation probabilities: vs scipy expm, analytic vacuum formula, symmetries, layers,
jit/vmap/gradients and input checks (jaxbsm.neutrino.oscillation)."""

import math

import jax
import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxbsm.neutrino import oscillation as osc
from jaxbsm.neutrino.pmns import pmns

DM21 = 7.49e-5
# NuFIT 6.0-like best fits (arXiv:2410.05380): NO dm3l = dm31, IO dm3l = dm32
ORDERINGS = {
    "NO": dict(s12sq=0.307, s13sq=0.02195, s23sq=0.561, delta_deg=177.0, dm3l=2.534e-3),
    "IO": dict(s12sq=0.307, s13sq=0.02195, s23sq=0.561, delta_deg=285.0, dm3l=-2.510e-3),
}
# (name, baseline km, density g/cm^3, energies GeV)
SETUPS = [("DUNE", 1300.0, 2.848, np.linspace(0.5, 5.0, 19)), ("T2K", 295.0, 2.6, np.array([0.4, 0.6, 0.8]))]


def angles(p):
    """(theta12, theta13, theta23, delta) in radians of an ORDERINGS entry."""
    return (math.asin(math.sqrt(p["s12sq"])), math.asin(math.sqrt(p["s13sq"])), math.asin(math.sqrt(p["s23sq"])),
            math.radians(p["delta_deg"]))


def mixing(p):
    return np.asarray(pmns(*angles(p)))


# ---------------------------------------------------------------- independent references (numpy/scipy)
def reference_hamiltonian(v, dm21, dm3l, energy_gev, density, ye=0.5, anti=False):
    """H in eV written out in numpy: V diag(0, dm21, dm31) V^dag / 2E + diag(V_CC, 0, 0)."""
    dm31 = dm3l if dm3l > 0 else dm3l + dm21
    v = np.conj(v) if anti else v
    h = v @ np.diag([0.0, dm21, dm31]) @ v.conj().T / (2e9 * energy_gev)
    h[0, 0] += (-1 if anti else 1) * osc.MATTER_POTENTIAL_EV * ye * density
    return h


def reference_operator(v, dm21, dm3l, energy_gev, densities, lengths, anti=False):
    """prod_k scipy.linalg.expm(-i H_k L_k / hbar c), first layer rightmost."""
    s = np.eye(3, dtype=complex)
    for rho, length in zip(densities, lengths):
        s = scipy.linalg.expm(-1j * reference_hamiltonian(v, dm21, dm3l, energy_gev, rho, anti=anti)
                              * length / osc.HBARC_EV_KM) @ s
    return s


def standard_vacuum(v, dm21, dm31, energy_gev, baseline_km):
    """PDG 2024 eq. 14.10: delta_ab - 4 sum_{i>j} Re(X) sin^2 D_ij + 2 sum_{i>j} Im(X) sin 2 D_ij,
    X = V*_ai V_bi V_aj V*_bj, D_ij = 1.26693 dm_ij^2 L / E."""
    m2 = np.array([0.0, dm21, dm31])
    p = np.eye(3)
    for i in range(3):
        for j in range(i):
            x = np.conj(v[:, i])[:, None] * v[:, i][None, :] * v[:, j][:, None] * np.conj(v[:, j])[None, :]
            d = osc.OSCILLATION_PHASE * (m2[i] - m2[j]) * baseline_km / energy_gev
            p = p - 4 * x.real * np.sin(d) ** 2 + 2 * x.imag * np.sin(2 * d)
    return p


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def prob():
    """jit(probabilities) with v, dm21, dm3l, E, L, rho traced; antineutrino static."""
    return jax.jit(osc.probabilities, static_argnames="antineutrino")


@pytest.fixture(scope="module")
def op():
    return jax.jit(osc.evolution_operator, static_argnames="antineutrino")


def param_prob(x, anti=False):
    """P (9 entries) of x = (theta12, theta13, theta23, delta, dm21, dm3l, E, rho) at L = 1300 km."""
    v = pmns(x[0], x[1], x[2], x[3])
    return osc.probabilities(v, x[4], x[5], x[6], 1300.0, x[7], antineutrino=anti).reshape(9)


@pytest.fixture(scope="module")
def jac():
    return jax.jit(jax.jacfwd(param_prob))


@pytest.fixture(scope="module")
def jac_rev():
    return jax.jit(jax.jacrev(param_prob))


# ---------------------------------------------------------------- constants
def test_constants():
    assert osc.HBARC_EV_KM == pytest.approx(1.973269804e-10, rel=1e-9)  # CODATA 2018: 197.3269804 MeV fm
    assert osc.OSCILLATION_PHASE == pytest.approx(1.2669327, rel=1e-7)
    assert osc.MATTER_POTENTIAL_EV == pytest.approx(7.6324e-14, rel=1e-4)
    assert float(osc.matter_potential(2.848, 0.5)) == pytest.approx(0.5 * 2.848 * 7.6324e-14, rel=1e-4)


def test_mass_squared_splittings():
    assert np.allclose(osc.mass_squared_splittings(DM21, 2.534e-3), (DM21, 2.534e-3))
    assert np.allclose(osc.mass_squared_splittings(DM21, -2.510e-3), (DM21, -2.510e-3 + DM21))


# ---------------------------------------------------------------- exactness vs expm
@pytest.mark.parametrize("ordering", ["NO", "IO"])
@pytest.mark.parametrize("anti", [False, True])
@pytest.mark.parametrize("setup", SETUPS, ids=[s[0] for s in SETUPS])
def test_against_expm(prob, op, ordering, anti, setup):
    _, baseline, density, energies = setup
    p = ORDERINGS[ordering]
    v = mixing(p)
    ours_s = np.asarray(op(v, DM21, p["dm3l"], energies, baseline, density, antineutrino=anti))
    ours_p = np.asarray(prob(v, DM21, p["dm3l"], energies, baseline, density, antineutrino=anti))
    for e, s, pr in zip(energies, ours_s, ours_p):
        ref = reference_operator(v, DM21, p["dm3l"], e, [density], [baseline], anti)
        assert np.max(np.abs(s - ref)) < 1e-12  # ~3e-15 observed; the requirement is 1e-10
        assert np.max(np.abs(pr - np.abs(ref.T) ** 2)) < 1e-12


def test_hamiltonian_matches_reference():
    p = ORDERINGS["IO"]
    v = mixing(p)
    h = osc.hamiltonian(v, DM21, p["dm3l"], 1.3, 3.0, 0.49, antineutrino=True)
    ref = reference_hamiltonian(v, DM21, p["dm3l"], 1.3, 3.0, 0.49, anti=True)
    assert np.allclose(h, ref, rtol=0, atol=1e-15 * np.abs(ref).max())


def test_exp_hermitian_random_matrices():
    """Any Hermitian 3x3 (not only neutrino Hamiltonians), including exactly degenerate spectra."""
    rng = np.random.default_rng(1)
    a = rng.normal(size=(20, 3, 3)) + 1j * rng.normal(size=(20, 3, 3))
    h = a + np.conj(np.swapaxes(a, -1, -2))
    q = np.linalg.qr(a)[0]
    degenerate = q @ np.diag([1.0, 1.0, -0.5]) @ np.conj(np.swapaxes(q, -1, -2))
    h = np.concatenate([h, degenerate, np.diag([2.0, 2.0, 2.0 + 1e-9])[None]])
    ours = np.asarray(jax.jit(osc.exp_hermitian)(h, 0.7))
    ref = np.array([scipy.linalg.expm(-0.7j * x) for x in h])
    assert np.max(np.abs(ours - ref)) < 1e-12


# ---------------------------------------------------------------- unitarity, vacuum, symmetries
def test_unitarity(prob):
    v = mixing(ORDERINGS["NO"])
    e = np.geomspace(0.05, 100.0, 40)[:, None]
    rho = np.array([0.0, 1.0, 2.848, 13.0])
    for anti in (False, True):
        p = np.asarray(prob(v, DM21, 2.534e-3, e, 2000.0, rho, antineutrino=anti))
        assert np.max(np.abs(p.sum(-1) - 1)) < 1e-13
        assert np.max(np.abs(p.sum(-2) - 1)) < 1e-13


@pytest.mark.parametrize("ordering", ["NO", "IO"])
def test_vacuum_limit(prob, ordering):
    p = ORDERINGS[ordering]
    v = mixing(p)
    dm31 = p["dm3l"] if p["dm3l"] > 0 else p["dm3l"] + DM21
    e, length = np.array([0.3, 0.6, 1.0, 2.5, 7.0]), np.array([295.0, 810.0, 1300.0, 12000.0, 2.0])
    ref = np.array([standard_vacuum(v, DM21, dm31, a, b) for a, b in zip(e, length)])
    assert np.max(np.abs(np.asarray(prob(v, DM21, p["dm3l"], e, length, 0.0)) - ref)) < 1e-12
    assert np.max(np.abs(np.asarray(osc.vacuum_probabilities(v, DM21, p["dm3l"], e, length)) - ref)) < 1e-12


def test_vacuum_cpt_and_t():
    """Vacuum: P(nubar_a -> nubar_b) = P(nu_b -> nu_a) (CPT), and delta -> -delta is T."""
    p = ORDERINGS["NO"]
    th = angles(p)
    e = np.linspace(0.3, 4.0, 9)
    nu = osc.vacuum_probabilities(pmns(*th), DM21, p["dm3l"], e, 1300.0)
    nubar = osc.vacuum_probabilities(pmns(*th), DM21, p["dm3l"], e, 1300.0, antineutrino=True)
    t_conj = osc.vacuum_probabilities(pmns(*th[:3], -th[3]), DM21, p["dm3l"], e, 1300.0)
    assert np.max(np.abs(nubar - np.swapaxes(nu, -1, -2))) < 1e-14
    assert np.max(np.abs(t_conj - np.swapaxes(nu, -1, -2))) < 1e-14


def test_matter_t_symmetry_and_cp(prob):
    """Constant density: P(nu_a -> nu_b; delta) = P(nu_b -> nu_a; -delta); nu-bar = nu with V*, -V_CC."""
    p = ORDERINGS["NO"]
    th = angles(p)
    e = np.linspace(0.5, 5.0, 7)
    nu = np.asarray(prob(pmns(*th), DM21, p["dm3l"], e, 1300.0, 2.848))
    t_conj = np.asarray(prob(pmns(*th[:3], -th[3]), DM21, p["dm3l"], e, 1300.0, 2.848))
    assert np.max(np.abs(t_conj - np.swapaxes(nu, -1, -2))) < 1e-13
    nubar = np.asarray(prob(pmns(*th), DM21, p["dm3l"], e, 1300.0, 2.848, antineutrino=True))
    assert not np.allclose(nubar, nu, atol=1e-3)  # matter and delta make nu and nu-bar differ


# ---------------------------------------------------------------- layers
EARTH = (np.array([3.6, 5.0, 11.5, 5.0, 3.6]), np.array([1200.0, 3000.0, 4000.0, 3000.0, 1200.0]))


@pytest.fixture(scope="module")
def prob_layers():
    return jax.jit(osc.probabilities_layers, static_argnames="antineutrino")


def test_layers_reduce_to_constant_and_vacuum(prob, prob_layers):
    p = ORDERINGS["IO"]
    v = mixing(p)
    e = np.array([0.7, 2.0, 6.0])
    const = np.asarray(prob(v, DM21, p["dm3l"], e, 1300.0, 2.848))
    equal = np.asarray(prob_layers(v, DM21, p["dm3l"], e, np.full(3, 2.848), np.array([300.0, 600.0, 400.0])))
    one = np.asarray(prob_layers(v, DM21, p["dm3l"], e, np.array([2.848]), np.array([1300.0])))
    vac = np.asarray(prob_layers(v, DM21, p["dm3l"], e, np.zeros(2), np.array([500.0, 800.0])))
    assert np.max(np.abs(equal - const)) < 1e-12
    assert np.max(np.abs(one - const)) < 1e-14
    assert np.max(np.abs(vac - osc.vacuum_probabilities(v, DM21, p["dm3l"], e, 1300.0))) < 1e-12


@pytest.mark.parametrize("anti", [False, True])
def test_layers_against_expm_product(anti):
    """A 3-layer (mantle, core, mantle) and a 5-layer Earth-like path, vs the product of expm."""
    p = ORDERINGS["NO"]
    v = mixing(p)
    layers = jax.jit(osc.evolution_operator_layers, static_argnames="antineutrino")
    energies = np.array([1.0, 3.5, 8.0])
    for rho, length in ((np.array([4.5, 11.0, 4.5]), np.array([2500.0, 6000.0, 2500.0])), EARTH):
        s = np.asarray(layers(v, DM21, p["dm3l"], energies, rho, length, antineutrino=anti))
        for e, s_e in zip(energies, s):
            ref = reference_operator(v, DM21, p["dm3l"], e, rho, length, anti)
            assert np.max(np.abs(s_e - ref)) < 1e-10


def test_layers_broadcast_and_unitarity(prob_layers):
    """Per-point profiles (batch, layers) and per-layer electron fractions."""
    v = mixing(ORDERINGS["NO"])
    rng = np.random.default_rng(0)
    rho = rng.uniform(0, 13, size=(6, 4))
    lengths = rng.uniform(0, 3000, size=(6, 4))
    e = rng.uniform(0.2, 20, size=6)
    p = np.asarray(prob_layers(v, DM21, 2.534e-3, e, rho, lengths, np.array([0.5, 0.49, 0.466, 0.5])))
    assert p.shape == (6, 3, 3)
    assert np.max(np.abs(p.sum(-1) - 1)) < 1e-13 and np.max(np.abs(p.sum(-2) - 1)) < 1e-13
    first = np.asarray(osc.probabilities_layers(v, DM21, 2.534e-3, e[0], rho[0], lengths[0],
                                                np.array([0.5, 0.49, 0.466, 0.5])))
    assert np.max(np.abs(p[0] - first)) < 1e-13


# ---------------------------------------------------------------- jit, vmap, recompilation
def test_jit_equals_eager_and_vmap_equals_loop(prob):
    p = ORDERINGS["NO"]
    th = np.array(angles(p))
    e = np.linspace(0.5, 5.0, 5)
    v = mixing(p)
    eager = osc.probabilities(v, DM21, p["dm3l"], e, 1300.0, 2.848)
    assert np.max(np.abs(np.asarray(prob(v, DM21, p["dm3l"], e, 1300.0, 2.848)) - eager)) < 1e-15
    thetas = th + np.linspace(-0.05, 0.05, 4)[:, None]
    f = lambda t, en: osc.probabilities(pmns(*t), DM21, p["dm3l"], en, 1300.0, 2.848)  # noqa: E731
    batched = np.asarray(jax.jit(jax.vmap(f))(thetas, e[:4]))
    one = jax.jit(f)
    loop = np.stack([np.asarray(one(t, en)) for t, en in zip(thetas, e[:4])])
    assert np.max(np.abs(batched - loop)) < 1e-15


def test_no_recompilation(prob):
    v = mixing(ORDERINGS["NO"])
    before = prob._cache_size()
    prob(v, DM21, 2.5e-3, np.linspace(1, 2, 3), 810.0, 2.8)
    mid = prob._cache_size()
    prob(v, 7.0e-5, 2.4e-3, np.linspace(2, 3, 3), 1300.0, 2.6)
    assert prob._cache_size() == mid and mid <= before + 1


# ---------------------------------------------------------------- gradients
def finite_difference(f, x, scales):
    """Central differences with steps 1e-5 * scales."""
    cols = []
    for i in range(len(x)):
        h = 1e-5 * scales[i]
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        cols.append((np.asarray(f(up)) - np.asarray(f(down))) / (2 * h))
    return np.stack(cols, axis=-1)


def point(ordering, energy, density):
    p = ORDERINGS[ordering]
    return np.array([*angles(p), DM21, p["dm3l"], energy, density])


E_RES = 2.534e-3 * (1 - 2 * 0.02195) / (2e9 * osc.MATTER_POTENTIAL_EV * 0.5 * 2.848)  # atmospheric MSW, GeV


@pytest.mark.parametrize(
    "ordering,energy,density",
    [("NO", 2.5, 2.848), ("IO", 0.6, 2.6), ("NO", E_RES, 2.848), ("NO", 1.0, 0.0), ("NO", 1.0, 1e-9)],
    ids=["DUNE", "T2K-IO", "resonance", "rho0", "rho1e-9"],
)
def test_gradients_vs_finite_differences(jac, jac_rev, ordering, energy, density):
    x = point(ordering, energy, density)
    ours = np.asarray(jac(x))
    fd = finite_difference(jax.jit(param_prob), x, [1, 1, 1, 1, x[4], abs(x[5]), x[6], max(x[7], 1)])
    scale = np.maximum(np.abs(fd).max(axis=0), 1e-12)  # per parameter
    assert np.all(np.isfinite(ours))
    assert np.max(np.abs(ours - fd) / scale) < 1e-5
    assert np.max(np.abs(np.asarray(jac_rev(x)) - ours) / scale) < 1e-10


def test_gradient_finite_at_exact_degeneracy():
    """theta12 = theta13 = 0 and V_CC = dm21 / 2E: two exactly degenerate eigenvalues in matter."""
    energy = DM21 / (2e9 * osc.MATTER_POTENTIAL_EV * 0.5 * 2.848)

    def f(y):  # y = (E, rho, theta23)
        return osc.probabilities(pmns(0.0, 0.0, y[2], 0.3), DM21, 2.5e-3, y[0], 1300.0, y[1]).reshape(9)

    y = np.array([energy, 2.848, 0.8])
    ours = np.asarray(jax.jit(jax.jacfwd(f))(y))
    rev = np.asarray(jax.jit(jax.jacrev(f))(y))
    fd = finite_difference(jax.jit(f), y, [1, 1, 1])
    assert np.all(np.isfinite(ours)) and np.all(np.isfinite(rev))
    scale = np.abs(fd).max(axis=0) + 1e-4  # the rho column is ~0: nu_e decouples at theta12 = theta13 = 0
    assert np.max(np.abs(ours - fd) / scale) < 1e-5
    assert np.max(np.abs(rev - fd) / scale) < 1e-5


@settings(max_examples=15)
@given(
    st.floats(0.1, 1.4), st.floats(0.0, 0.4), st.floats(0.1, 1.4), st.floats(0.0, 2 * math.pi),
    st.floats(2e-5, 2e-4), st.sampled_from([1.0, -1.0]), st.floats(1e-3, 4e-3),
    st.floats(0.05, 100.0), st.floats(0.0, 15.0), st.booleans(),
)
def test_no_nan_over_box(jac, t12, t13, t23, delta, dm21, sign, dm3, energy, density, anti):
    x = np.array([t12, t13, t23, delta, dm21, sign * dm3, energy, density])
    p = np.asarray(jax.jit(param_prob, static_argnums=1)(x, anti))
    assert np.all(np.isfinite(p)) and p.min() > -1e-13 and p.max() < 1 + 1e-13
    assert np.all(np.isfinite(np.asarray(jac(x))))


# ---------------------------------------------------------------- bad inputs
@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(energy_gev=-1.0), "energy_gev"),
        (dict(energy_gev=0.0), "energy_gev"),
        (dict(baseline_km=-5.0), "baseline_km"),
        (dict(density_gcm3=-1.0), "density_gcm3"),
        (dict(dm21=-7e-5), "dm21"),
        (dict(dm3l=0.0), "dm3l"),
        (dict(dm3l=-5e-5), "inverted ordering"),
        (dict(v=np.eye(2)), "shape"),
        (dict(electron_fraction=2.0), r"electron_fraction .*\[0, 1\], got array\(2\.\)"),
        # issue 19: both were accepted silently; a rounded matrix (3 digits) is off by ~1e-3
        (dict(v=np.round(mixing(ORDERINGS["NO"]), 3)), "unitary"),
        (dict(v=np.full((3, 3), np.nan)), "unitary"),
    ],
)
def test_bad_inputs(kwargs, match):
    args = dict(v=mixing(ORDERINGS["NO"]), dm21=DM21, dm3l=2.5e-3, energy_gev=1.0, baseline_km=1300.0,
                density_gcm3=2.8)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        osc.probabilities(**args)


def test_bad_layer_inputs():
    v = mixing(ORDERINGS["NO"])
    with pytest.raises(ValueError, match="lengths_km"):
        osc.probabilities_layers(v, DM21, 2.5e-3, 1.0, np.array([3.0, 4.0]), np.array([100.0, -1.0]))
    with pytest.raises(ValueError, match="layer axis"):
        osc.probabilities_layers(v, DM21, 2.5e-3, 1.0, 3.0, 100.0)
    with pytest.raises(ValueError, match="energy_gev"):
        osc.vacuum_probabilities(v, DM21, 2.5e-3, np.array([1.0, -1.0]), 100.0)
    with pytest.raises(ValueError, match=r"electron_fractions .*\[0, 1\]"):
        osc.probabilities_layers(v, DM21, 2.5e-3, 1.0, np.array([3.0, 4.0]), np.array([100.0, 1.0]), np.array([0.5, 1.5]))


def test_inside_jit_not_checked():
    """Under jit values are tracers: no exception; a negative baseline gives S(-L) = S(L)^dagger."""
    v = mixing(ORDERINGS["NO"])
    s = jax.jit(osc.evolution_operator)(v, DM21, 2.5e-3, 1.0, -1300.0, 2.8)
    ref = osc.evolution_operator(v, DM21, 2.5e-3, 1.0, 1300.0, 2.8)
    assert np.max(np.abs(np.asarray(s) - np.conj(np.asarray(ref)).T)) < 1e-13
