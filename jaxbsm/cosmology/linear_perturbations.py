r"""Linear Einstein–Boltzmann solver for the matter density of a universe with cold and non-cold dark
matter, in synchronous gauge (Ma & Bertschinger 1995, ApJ 455, 7: MB95).

Units: k in 1/Mpc, conformal time tau in Mpc; the independent variable is u = ln a. Species:
photons (temperature hierarchy to l_max_g, unpolarised Thomson scattering), baryons (sound speed and
opacity from jaxbsm.cosmology.recombination), massless neutrinos (hierarchy to l_max_ur), cold dark
matter (also the gauge reference when it has zero density), one non-cold species on a momentum grid
(jaxbsm.cosmology.ncdm; hierarchy to l_max_ncdm at each node, MB95 eqs. 57-58) and Lambda.

Equations (MB95 eqs. 21, 30, 42-43, 49, 57, 63-64, conformal-time derivatives '):
    h' = [2k²η + 3 Σ ρ̃_i δ_i] / H,          k² η' = (3/2) Σ (ρ̃_i + P̃_i) θ_i,
with ρ̃ = 8πG a² ρ/3 and H = a'/a; δ_c' = −h'/2; δ_b' = −θ_b − h'/2,
θ_b' = −Hθ_b + c_s²k²δ_b + Rκ'(θ_γ − θ_b) (R = 4ρ_γ/3ρ_b); photons δ_γ' = −(4/3)θ_γ − (2/3)h',
θ_γ' = k²(δ_γ/4 − F_2/2) + κ'(θ_b − θ_γ), F_2' = (8/15)θ_γ − (3/5)kF_3 + (4/15)h' + (8/5)η'
− (9/10)κ'F_2, F_l' = k(lF_{l−1} − (l+1)F_{l+1})/(2l+1) − κ'F_l, and the neutrinos the same
without κ'. Hierarchies are closed by F_{l+1} = (2l+1)F_l/(kτ) − F_{l−1} (MB95 eq. 51; for the
non-cold species with kτ → qkτ/ε, eq. 58). Polarisation is not evolved (it changes the photon
quadrupole damping only; its effect on the matter power is below 1e-3).

Approximations, each switched per k at times found on the Lambda-CDM background (so that the switch
times do not depend on the dark-matter parameters; ``transfer.switch_times``, interpolated between
the nodes of a ln a table so that they are continuous in k):
- tight coupling (MB95 sec. 5): θ_γ = θ_b and F_l = 0 while κ'^{-1} k < eps_tca_k and
  κ'^{-1} H < eps_tca_h (CLASS's defaults 0.01, 0.015), with the first-order Silk damping of the
  acoustic oscillation as a friction 2Γ(θ + h'/2 + 3η') on the gauge-invariant velocity,
  Γ = k² (r²/(1+r) + 4/5)/(6(1+r)κ'), r = 3ρ_b/4ρ_γ (Kaiser 1983; Hu & Sugiyama 1996), so that the
  oscillation has decayed as exp(−k²D) when the photons are dropped (without it P_ΛCDM at
  k > 30 h/Mpc scatters by ±10% with the switch time);
- radiation streaming (Blas, Lesgourgues & Tram 2011, arXiv:1104.2933, "BLT11", sec. 4.2,
  synchronous gauge): δ_γ = δ_ur = (4/k²)(H h' − k²η), θ_γ = θ_ur = −h'/2, F_l = 0, once
  kτ > x_rsa and the photons are either decoupled (κ'τ < 0.2) or damped (below); while the photons
  are damped and still tightly coupled ("tied" modes: k² D > n_damp² before the baryons are
  released), the baryons move with them (θ_b = θ_γ = −h'/2), released when H/(Rκ') > eps_tca_h;
- adiabatic relaxation of the oscillations before the tied phase (tied modes only; this module):
  inside the horizon the photon–baryon acoustic oscillation (frequency k/√(3(1+r))) and the
  free-streaming oscillation of the massless neutrinos are solutions of the homogeneous equations
  riding on the slowly varying (streaming) solution, and feed the matter only through the metric,
  as a force that averages out. Physically they die by Silk damping (photons, exp(−k²D), reached
  e^{−36} only at kτ ≈ 700–1900 for k = 8–130 h/Mpc) and by phase mixing (neutrinos, ∝ 1/(kτ)).
  Integrating them explicitly was 95–97% of the steps. Here both are damped faster, smoothly:
  from kτ = x_relax, a rate γ = rate_relax · k · s((kτ − x_relax)/dx_relax) (s a C² smoothstep
  from 0 to 1) is added to the Silk friction of the tight-coupling velocity, and the neutrino
  variables relax at the same rate towards their streaming values, δ_ur' −= γ(δ_ur − δ_ur^RSA),
  θ_ur' −= γ(θ_ur + h'/2), F_l' −= γF_l. The tied phase starts when the total damping exponent
  k²D + ∫γ dτ exceeds n_relax² (and kτ > x_rsa). Because the damping is switched on slowly
  compared with the oscillation (γ/ω ≤ 0.17), the oscillation-induced parts of δ_c, δ_ncdm and η
  decay with it instead of being frozen at a random phase, as an abrupt drop would do (an abrupt
  switch at kτ = 45, 100 or 200 moves k_hm by −3.4%, −0.4%, +3.5%). The neutrino hierarchy is
  then only needed to kτ ≈ 60–100 (l_max_ur = 60 suffices; l_max_ur = 30 at kτ ~ 1000, as the
  hierarchy was used before, misplaced k_hm by up to +7e-4 through reflections at the cut).
  Measured (tests/cosmology/test_transfer.py): k_hm of the five reference models moves by ≤ 3e-5
  between (rate 0.1, x 30, dx 30, n 3, l_max_ur 60) and (rate 0.05, x 60 or 150, dx 40, n 3,
  l_max_ur 150–250), and matches converged CLASS 3.4.1 to ≤ 8e-4 (n_q = 32 nodes); ≈ 330 steps
  per k (k = 8–130 h/Mpc: 260 in tight coupling) against 1300–3400.

Initial conditions: the adiabatic growing mode at kτ ≪ 1 (MB95 eq. 96) normalised to comoving
curvature R = 1 (η → 1), the non-cold species as a relativistic one (eq. 97 with f's own
d ln f/d ln q; for a species already non-relativistic it is the same adiabatic temperature shift).

``solve_mode`` evolves one k through the three phases (Tsit5, PID control; reverse-mode gradients
through diffrax's RecursiveCheckpointAdjoint with ``checkpoints`` checkpoints per phase); a failed
phase is flagged by its ``status`` (``jaxbsm.status``), never thrown.
"""

from __future__ import annotations

from typing import NamedTuple

import diffrax
import jax
import jax.numpy as jnp

from jaxbsm.cosmology import ncdm, recombination
from jaxbsm.cosmology.background import H100_PER_MPC
from jaxbsm.status import Status, from_diffrax, where_failed

__all__ = [
    "Background",
    "ModeSolution",
    "PerturbationSettings",
    "StateLayout",
    "relaxation_ramp",
    "relaxation_exponent",
    "conformal_hubble",
    "delta_matter",
    "initial_state",
    "solve_mode",
]


class PerturbationSettings(NamedTuple):
    """Static solver settings (hashable). Multipole cuts l_max_*; rtol/atol of the Tsit5 steps;
    tight-coupling triggers eps_tca_k, eps_tca_h; radiation streaming from kτ > x_rsa; tied modes are
    those with k²D > n_damp² before the baryons' release; the oscillation relaxation (module
    docstring) starts at kτ = x_relax, ramps in over dx_relax in kτ to the rate rate_relax · k, and
    the tied phase starts at a total damping exponent n_relax² (rate_relax = 0: no relaxation, the
    tied phase starts at n_relax² of Silk damping alone); k_tau_ini, a_ini_max: the start;
    max_steps per phase; checkpoints: reverse-mode checkpoints per phase.

    Defaults validated on the five reference models (k_hm, tests/cosmology/test_transfer.py): l_max_ncdm
    = 8 against 24, l_max_g = 16 against 10, rtol 1e-6 against 1e-5: each ≤ 1e-5; l_max_ur = 40
    against 60: ≤ 3e-5 (30: up to 7e-4, too few)."""

    l_max_g: int = 10
    l_max_ur: int = 60
    l_max_ncdm: int = 8
    rtol: float = 1e-5
    atol: float = 1e-9
    eps_tca_k: float = 0.01
    eps_tca_h: float = 0.015
    x_rsa: float = 45.0
    n_damp: float = 6.0
    x_relax: float = 30.0
    dx_relax: float = 30.0
    rate_relax: float = 0.1
    n_relax: float = 3.0
    k_tau_ini: float = 0.01
    a_ini_max: float = 1e-6
    max_steps: int = 200_000
    checkpoints: int = 1024


class StateLayout(NamedTuple):
    """Sizes of the state vector (static): photon hierarchy to l = lg, massless neutrinos to lu,
    non-cold species to ln at each of its nq momentum nodes. ``size`` is the state's length."""

    lg: int
    lu: int
    ln: int
    nq: int

    @property
    def size(self):
        return 7 + (self.lg - 1) + 2 + (self.lu - 1) + self.nq * (self.ln + 1)


# state indices
_TAU, _ETA, _DC, _DB, _TB, _DG, _TG = range(7)


def _split(y, L: StateLayout):
    i = 7
    Fg = y[i : i + L.lg - 1]  # F_2 .. F_lg
    i += L.lg - 1
    dur, tur = y[i], y[i + 1]
    i += 2
    Fu = y[i : i + L.lu - 1]
    i += L.lu - 1
    Psi = y[i:].reshape(L.nq, L.ln + 1)
    return Fg, dur, tur, Fu, Psi


def _join(head, Fg, dur, tur, Fu, Psi):
    return jnp.concatenate([head, Fg, jnp.stack([dur, tur]), Fu, Psi.reshape(-1)])


class Background(NamedTuple):
    """Densities today ω_i = Ω_i h² of photons, massless neutrinos, baryons, cold dark matter (the
    part of the dark matter that is not the non-cold species) and Λ (dimensionless)."""

    omega_g: float
    omega_ur: float
    omega_b: float
    omega_c: jax.Array
    omega_l: float


def _densities(a, bg: Background, sp):
    """ρ̃_i a^4 [1/Mpc^2] for photons, ur, baryons, cdm, ncdm and Lambda."""
    h2 = H100_PER_MPC**2
    out = dict(
        g=bg.omega_g * h2,
        ur=bg.omega_ur * h2,
        b=bg.omega_b * h2 * a,
        c=bg.omega_c * h2 * a,
        l=bg.omega_l * h2 * a**4,
        n=ncdm.rho_a4(sp, a),
    )
    return out


def _hierarchy(F, k, tau, lmax, damping):
    """Free streaming of F_l, l = 2..lmax (F: F_2..F_lmax), closed by MB95 eq. 51, minus damping·F_l;
    the l = 2 sources (θ, h', η') are added by the caller."""
    ls = jnp.arange(2, lmax + 1, dtype=float)
    lower = jnp.concatenate([jnp.zeros(1), F[:-1]])
    closure = (2 * lmax + 1) / (k * tau) * F[-1] - F[-2]
    upper = jnp.concatenate([F[1:], jnp.stack([closure])])
    return k / (2 * ls + 1) * (ls * lower - (ls + 1) * upper) - damping * F


def relaxation_ramp(x, x0, dx):
    """C² smoothstep in x = kτ: 0 for x ≤ x0, 1 for x ≥ x0 + dx (dimensionless)."""
    t = jnp.clip((x - x0) / dx, 0.0, 1.0)
    return t * t * t * (10.0 - 15.0 * t + 6.0 * t * t)


def relaxation_exponent(x, s: PerturbationSettings):
    """∫ γ dτ = rate_relax ∫_0^x ramp dx' at x = kτ (dimensionless; the ramp's integral in closed form)."""
    t = jnp.clip((x - s.x_relax) / s.dx_relax, 0.0, 1.0)
    inner = s.dx_relax * t**4 * (2.5 - 3.0 * t + t * t)
    return s.rate_relax * (inner + jnp.maximum(x - s.x_relax - s.dx_relax, 0.0))


def _rhs(u, y, args):
    k, tca, rsa, rate, bg, sp, th, L, relax = args
    a = jnp.exp(u)
    tau, eta, dc, db, tb, dg, tg = (y[i] for i in range(7))
    Fg, dur, tur, Fu, Psi = _split(y, L)
    d = _densities(a, bg, sp)
    Hc = jnp.sqrt(d["g"] + d["ur"] + d["b"] + d["c"] + d["l"] + d["n"]) / a
    a2 = a * a
    rg, rur, rb, rc = (d[s] / a2 for s in ("g", "ur", "b", "c"))
    kappa, cs2, _ = recombination.interpolate(th, u)
    R = 4.0 * rg / (3.0 * rb)
    k2 = k * k

    K = ncdm.density_norm(sp) / a2
    eps = ncdm.energy(sp, a)
    q = sp.q
    delta_rho_n = K * jnp.sum(sp.w * eps * Psi[:, 0])
    theta_rho_n = K * k * jnp.sum(sp.w * q * Psi[:, 1])

    # h' from the energy constraint; in radiation streaming δ_r depends on h' (solved exactly)
    S_m = rb * db + rc * dc + delta_rho_n
    r_rad = rg + rur
    hp_full = (2 * k2 * eta + 3 * (S_m + rg * dg + rur * dur)) / Hc
    hp_rsa = (2 * k2 * eta + 3 * S_m - 12 * r_rad * eta) / (Hc * (1 - 12 * r_rad / k2))
    hp = jnp.where(rsa, hp_rsa, hp_full)
    tg_e = jnp.where(rsa, -0.5 * hp, jnp.where(tca, tb, tg))
    tur_e = jnp.where(rsa, -0.5 * hp, tur)
    tb_e = jnp.where(tca & rsa, -0.5 * hp, tb)
    etap = 1.5 / k2 * (rb * tb_e + 4.0 / 3.0 * (rg * tg_e + rur * tur_e) + theta_rho_n)

    # relaxation of the oscillations (module docstring): rate γ [1/Mpc], 0 outside tied modes
    gamma = rate * k * relaxation_ramp(k * tau, relax[0], relax[1])

    ddc = -0.5 * hp
    ddb = -tb_e - 0.5 * hp
    # Silk damping of the tightly coupled oscillation at first order in 1/κ' (shear + heat conduction):
    # amplitude ∝ exp(−k² D), dD/dτ = (r²/(1+r) + 4/5)/(6(1+r)κ'), r = 1/R; acts on θ + h'/2 + 3η', the
    # gauge-invariant velocity whose non-oscillating (driven) part vanishes; plus the relaxation γ.
    r_hs = 1.0 / R
    gamma_silk = k2 * (r_hs**2 / (1 + r_hs) + 0.8) / (6 * (1 + r_hs) * kappa) + gamma
    dtb_tca = (-Hc * tb + cs2 * k2 * db + R * k2 * dg / 4.0) / (1 + R) - 2 * gamma_silk * (tb + 0.5 * hp + 3 * etap)
    dtb_full = -Hc * tb + cs2 * k2 * db + R * kappa * (tg_e - tb)
    dtb = jnp.where(tca, jnp.where(rsa, 0.0, dtb_tca), dtb_full)

    # photons
    ddg = jnp.where(rsa, 0.0, -4.0 / 3.0 * tg_e - 2.0 / 3.0 * hp)
    full_g = (~tca) & (~rsa)
    dtg = jnp.where(full_g, k2 * (dg / 4.0 - Fg[0] / 2.0) + kappa * (tb - tg), 0.0)
    dFg = _hierarchy(Fg, k, tau, L.lg, kappa)
    dFg = dFg.at[0].add(8.0 / 15.0 * tg + 4.0 / 15.0 * hp + 8.0 / 5.0 * etap + kappa / 10.0 * Fg[0])
    dFg = jnp.where(full_g, dFg, 0.0)
    # massless neutrinos, relaxing at rate γ towards their streaming values
    dur_rsa = 4.0 / k2 * (Hc * hp - k2 * eta)
    ddur = jnp.where(rsa, 0.0, -4.0 / 3.0 * tur - 2.0 / 3.0 * hp - gamma * (dur - dur_rsa))
    dtur = jnp.where(rsa, 0.0, k2 * (dur / 4.0 - Fu[0] / 2.0) - gamma * (tur + 0.5 * hp))
    dFu = _hierarchy(Fu, k, tau, L.lu, gamma)
    dFu = dFu.at[0].add(8.0 / 15.0 * tur + 4.0 / 15.0 * hp + 8.0 / 5.0 * etap)
    dFu = jnp.where(rsa, 0.0, dFu)

    # non-cold species (MB95 eq. 57-58)
    qk_e = (q * k / eps)[:, None]
    ln = L.ln
    ls = jnp.arange(ln + 1, dtype=float)[None, :]
    closure = (2 * ln + 1) / (qk_e[:, 0] * tau) * Psi[:, ln] - Psi[:, ln - 1]
    lower = jnp.concatenate([jnp.zeros((L.nq, 1)), Psi[:, :-1]], axis=1)
    upper = jnp.concatenate([Psi[:, 1:], closure[:, None]], axis=1)
    dPsi = qk_e / (2 * ls + 1) * (ls * lower - (ls + 1) * upper)
    dPsi = dPsi.at[:, 0].set(-qk_e[:, 0] * Psi[:, 1] + hp / 6.0 * sp.dlnf)
    dPsi = dPsi.at[:, 2].add(-(hp / 15.0 + 2.0 / 5.0 * etap) * sp.dlnf)

    head = jnp.stack([1.0, etap, ddc, ddb, dtb, ddg, dtg])
    return _join(head, dFg, ddur, dtur, dFu, dPsi) / Hc


def conformal_hubble(a, bg: Background, sp):
    """a'/a in 1/Mpc including the non-cold species."""
    d = _densities(a, bg, sp)
    return jnp.sqrt(d["g"] + d["ur"] + d["b"] + d["c"] + d["l"] + d["n"]) / a


def delta_matter(a, y, bg: Background, sp, L: StateLayout):
    """Total matter contrast (ρ_b δ_b + ρ_c δ_c + δρ_ncdm)/(ρ_b + ρ_c + ρ_ncdm) of state y at a."""
    d = _densities(a, bg, sp)
    Psi = _split(y, L)[4]
    dn = ncdm.density_norm(sp) * jnp.sum(sp.w * ncdm.energy(sp, a) * Psi[:, 0])
    return (d["b"] * y[_DB] + d["c"] * y[_DC] + dn) / (d["b"] + d["c"] + d["n"])


def initial_state(k, u0, tau0, bg: Background, sp, L: StateLayout):
    """Adiabatic growing mode (MB95 eq. 96-97) with comoving curvature 1 (C = 1/2)."""
    C = 0.5
    x = k * tau0
    R_nu = bg.omega_ur / (bg.omega_ur + bg.omega_g)
    dg = -2.0 / 3.0 * C * x**2
    tg = -C * x**3 * k / 18.0
    tur = (23 + 4 * R_nu) / (15 + 4 * R_nu) * tg
    sig = 4.0 * C * x**2 / (3.0 * (15 + 4 * R_nu))
    eta = 2 * C - (5 + 4 * R_nu) / (6 * (15 + 4 * R_nu)) * C * x**2
    head = jnp.stack([tau0, eta, 0.75 * dg, 0.75 * dg, tg, dg, tg])
    Fg = jnp.zeros(L.lg - 1)
    Fu = jnp.zeros(L.lu - 1).at[0].set(2 * sig)
    eps = ncdm.energy(sp, jnp.exp(u0))
    Psi = jnp.zeros((L.nq, L.ln + 1))
    Psi = Psi.at[:, 0].set(-0.25 * dg * sp.dlnf)
    Psi = Psi.at[:, 1].set(-eps / (3 * sp.q * k) * tur * sp.dlnf)
    Psi = Psi.at[:, 2].set(-0.5 * sig * sp.dlnf)
    return _join(head, Fg, dg, tur, Fu, Psi)


class ModeSolution(NamedTuple):
    """Matter contrast δ_m per unit curvature R at the output times of one k (dimensionless) and
    the int32 solver status (``jaxbsm.status``: MAX_STEPS if a phase's diffrax solve failed,
    NONFINITE if δ_m is not finite; δ_m is 0 there, a finite placeholder)."""

    delta: jax.Array
    status: jax.Array


def solve_mode(k, u_ini, tau_ini, u1, u2, tied, u_out, bg: Background, sp, th, L: StateLayout, s: PerturbationSettings):
    """Evolve one wavenumber k [1/Mpc] from u_ini = ln a_ini (conformal time tau_ini [Mpc]) to a = 1
    in the three phases of the module docstring: tight coupling until u1 (for ``tied`` modes with
    the oscillations relaxing from kτ = x_relax), then the full photon hierarchy (or, if ``tied``,
    damped photons with tied baryons) until u2, then radiation streaming; returns the ModeSolution
    at u_out = ln a (increasing). sp: the non-cold species (``ncdm.NCDMSpecies``), th:
    ``recombination.ThermalHistory``. A failed phase is flagged, and the next phase starts from the
    last finite state (finite values and gradients). Differentiable in k, the switch times, bg, sp
    and th (reverse mode)."""
    solver = diffrax.Tsit5()
    ctrl = diffrax.PIDController(rtol=s.rtol, atol=s.atol)
    adjoint = diffrax.RecursiveCheckpointAdjoint(checkpoints=s.checkpoints)
    term = diffrax.ODETerm(_rhs)
    relax = (s.x_relax, s.dx_relax)
    rate = jnp.where(tied, s.rate_relax, 0.0)
    t, f = jnp.asarray(True), jnp.asarray(False)

    def run(y0, t0, t1, tca, rsa, saveat):
        return diffrax.diffeqsolve(
            term, solver, t0, t1, None, y0, args=(k, tca, rsa, rate, bg, sp, th, L, relax),
            stepsize_controller=ctrl, saveat=saveat, max_steps=s.max_steps, throw=False, adjoint=adjoint,
        )

    n_out = u_out.shape[0]
    t0s, t1s = jnp.stack([u_ini, u1, u2]), jnp.stack([u1, u2, jnp.zeros_like(u2)])
    tcas, rsas = jnp.stack([t, tied, f]), jnp.stack([f, tied, t])

    def phase(carry, p):
        """Phase p (0: tight coupling, 1: tied or full photons, 2: streaming): one compiled solve
        serves all three (lax.scan), the state is carried over with the phase's closing changes."""
        y, status = carry
        t1 = t1s[p]
        sol = run(y, t0s[p], t1, tcas[p], rsas[p], diffrax.SaveAt(ts=jnp.where(p == 2, u_out, jnp.full(n_out, t1))))
        st = where_failed(~jnp.all(jnp.isfinite(sol.ys)), Status.NONFINITE, from_diffrax(sol.result))
        y_end = jnp.where(st == Status.OK, sol.ys[-1], y)
        H = conformal_hubble(jnp.exp(t1), bg, sp)
        # after phase 0: θ_γ = θ_b; entering the tied phase the (damped) acoustic oscillation is dropped,
        # δ_b = (3/4) δ_γ^RSA
        y_a = y_end.at[_TG].set(y_end[_TB])
        hp = -2.0 * _rhs(t1, y_a.at[_DB].set(0.0), (k, t, t, rate, bg, sp, th, L, relax))[_DC] * H
        y_a = jnp.where(tied, y_a.at[_DB].set(3.0 / k**2 * (H * hp - k**2 * y_a[_ETA])), y_a)
        # after phase 1: leaving the tied phase, θ_b = θ_γ = −h'/2 = δ_c'
        dc_prime = _rhs(t1, y_end, (k, tied, tied, rate, bg, sp, th, L, relax))[_DC] * H
        y_b = jnp.where(tied, y_end.at[_TB].set(dc_prime), y_end)
        y_next = jnp.where(p == 0, y_a, jnp.where(p == 1, y_b, y_end))
        status = jnp.where(status == Status.OK, st, status)
        return (y_next, status), jnp.where(st == Status.OK, sol.ys, 0.0)

    y0 = initial_state(k, u_ini, tau_ini, bg, sp, L)
    (_, status), ys = jax.lax.scan(phase, (y0, jnp.asarray(Status.OK, jnp.int32)), jnp.arange(3))
    ys = jnp.where(status == Status.OK, ys[2], 0.0)
    deltas = jax.vmap(lambda u, y: delta_matter(jnp.exp(u), y, bg, sp, L))(u_out, ys)
    return ModeSolution(jnp.where(status == Status.OK, deltas, 0.0), status)
