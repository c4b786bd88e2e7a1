"""Homogeneous expansion of a flat universe: photons, massless neutrinos, baryons, cold and non-cold
dark matter, and a cosmological constant.

Units: conformal time and lengths in Mpc, wavenumbers in 1/Mpc inside the solver (the public
transfer-function functions take k in h/Mpc), the conformal Hubble rate H_conf = a'/a in 1/Mpc,
densities as 8 pi G rho a^2 / 3 in 1/Mpc^2 (so that H_conf^2 = sum of them for a flat universe).

Default parameters: Planck 2018 TT,TE,EE+lowE+lensing best fit (arXiv:1807.06209, table 2,
column 5), with all dark matter in `omega_dm` and N_eff = 3.046 massless neutrinos.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

# 100 km/s/Mpc in 1/Mpc (c = 299792.458 km/s).
H100_PER_MPC = 100.0 / 299_792.458

# Photon density today for T_cmb = 2.7255 K: omega_gamma = (pi^2/15) T^4 / rho_crit,100, with
# rho_crit,100 = 1.87834e-29 g/cm^3 (PDG 2024 astrophysical constants) = 8.0992e-11 eV^4 (h = 1).
_OMEGA_GAMMA_2P7255 = 2.47282e-5

# rho_nu / rho_gamma per massless neutrino species: (7/8) (4/11)^(4/3).
NU_OVER_GAMMA = 7.0 / 8.0 * (4.0 / 11.0) ** (4.0 / 3.0)

T_NU_OVER_T_GAMMA = (4.0 / 11.0) ** (1.0 / 3.0)
"""T_ν/T_γ after e± annihilation (instantaneous decoupling): (4/11)^{1/3} = 0.71377."""


class Cosmology(NamedTuple):
    """Background parameters (dimensionless; T_cmb in K).

    omega_dm is the total dark matter omega = Omega_dm h^2, split into cold and non-cold parts by
    the non-cold species' fraction (see jaxbsm.cosmology.ncdm). Y_He is the helium mass fraction,
    z_reio the mid-point of a tanh reionisation of width delta_z_reio (CLASS's reio_camb).
    """

    h: float = 0.6736
    omega_b: float = 0.02237
    omega_dm: float = 0.1200
    T_cmb: float = 2.7255
    N_ur: float = 3.046
    Y_He: float = 0.2454
    z_reio: float = 7.67
    delta_z_reio: float = 0.5

    @property
    def omega_gamma(self) -> float:
        return _OMEGA_GAMMA_2P7255 * (self.T_cmb / 2.7255) ** 4

    @property
    def omega_ur(self) -> float:
        return self.N_ur * NU_OVER_GAMMA * self.omega_gamma

    @property
    def omega_lambda(self) -> float:
        """Omega_Lambda h^2 closing the universe (massive species counted as matter today)."""
        return self.h**2 - self.omega_b - self.omega_dm - self.omega_gamma - self.omega_ur

    def check(self) -> Cosmology:
        """Raise ValueError naming the first parameter outside its physical range."""
        ranges = {
            "h": (0.2, 1.5),
            "omega_b": (1e-4, 0.1),
            "omega_dm": (1e-3, 1.0),
            "T_cmb": (1.0, 5.0),
            "N_ur": (0.0, 10.0),
            "Y_He": (0.0, 0.5),
            "z_reio": (0.0, 30.0),
            "delta_z_reio": (0.01, 5.0),
        }
        for name, (lo, hi) in ranges.items():
            value = float(getattr(self, name))
            if not lo <= value <= hi:
                raise ValueError(f"Cosmology.{name} = {value} is outside the allowed range [{lo}, {hi}]")
        if self.omega_lambda <= 0:
            raise ValueError(f"Cosmology gives Omega_Lambda h^2 = {self.omega_lambda:.4g} <= 0: the densities exceed h^2")
        return self


PLANCK18 = Cosmology()


def conformal_hubble_lcdm(a, cosmo: Cosmology, rho_dm_a2=None):
    """a'/a in 1/Mpc at scale factor a.

    rho_dm_a2 (optional): 8 pi G a^4 rho_dm(a) / 3 in 1/Mpc^2 for the dark matter; by default it
    is cold, omega_dm H100^2 a.
    """
    import jax.numpy as jnp

    h2 = H100_PER_MPC**2
    rad = (cosmo.omega_gamma + cosmo.omega_ur) * h2
    mat = cosmo.omega_b * h2 * a
    dm = cosmo.omega_dm * h2 * a if rho_dm_a2 is None else rho_dm_a2
    lam = cosmo.omega_lambda * h2 * a**4
    return jnp.sqrt(rad + mat + dm + lam) / a


def conformal_time_lcdm(a, cosmo: Cosmology, n: int = 4000) -> np.ndarray:
    """Conformal time tau(a) in Mpc of a Lambda-CDM background with cold dark matter (numpy).

    tau = int_0^a da'/(a'^2 H): trapezoid rule in ln a on n nodes per unit of ln a from a = 1e-12,
    where tau = a/(H100 sqrt(omega_r)) (radiation era). Used for the solver's switch times.
    """
    h2 = H100_PER_MPC**2
    a = np.asarray(a, dtype=float)
    a0 = 1e-12
    lna = np.linspace(np.log(a0), 0.0, int(n * -np.log(a0) / 10))
    aa = np.exp(lna)
    rad = (cosmo.omega_gamma + cosmo.omega_ur) * h2
    e = np.sqrt(rad + (cosmo.omega_b + cosmo.omega_dm) * h2 * aa + cosmo.omega_lambda * h2 * aa**4)
    integrand = aa / e  # d tau / d ln a = 1 / H_conf = a^2 / sqrt(...) / a
    tau = np.concatenate([[0.0], np.cumsum(0.5 * np.diff(lna) * (integrand[1:] + integrand[:-1]))])
    tau += a0 / np.sqrt(rad)
    return np.interp(np.log(a), lna, tau)
