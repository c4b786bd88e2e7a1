"""Generate class_thermo.json: CLASS thermodynamics for the default jaxbsm cosmology.

Run with the classy environment (classy 3.4.1)::

    /work/classvenv/bin/python tests/cosmology/data/make_class_thermo.py

Cosmology: h = 0.6736, omega_b = 0.02237, omega_cdm = 0.1200, T_cmb = 2.7255, N_ur = 3.046,
YHe = 0.2454, reio_camb with z_reio = 7.67 and reionization_width = 0.5 (jaxbsm PLANCK18).
Two runs: CLASS's default recombination code (HyRec 2020) and recombination = RECFAST
(RECFAST 1.5 as implemented in CLASS: fudge 1.14 - 0.015 = 1.125, double-Gaussian K correction,
Heswitch = 6). For each the table holds, on a fixed redshift list (linear interpolation of
CLASS's own ~28000-point table):

    x_e            n_e / n_H
    T_b            baryon temperature (K)
    kappa_dot      kappa' = a n_e sigma_T (1/Mpc, conformal)
    exp_m_kappa    e^{-kappa} (kappa integrated from today)
    g              visibility kappa' e^{-kappa} (1/Mpc)
    c_b2           baryon sound speed squared (c = 1)

and the scalars z_star (CLASS's maximum of the visibility), z_rec, z_d (baryon drag), tau_reio,
z_reio.
"""

from __future__ import annotations

import json
import pathlib

import classy
import numpy as np

PARAMS = {
    "h": 0.6736,
    "omega_b": 0.02237,
    "omega_cdm": 0.1200,
    "T_cmb": 2.7255,
    "N_ur": 3.046,
    "YHe": 0.2454,
    "reio_parametrization": "reio_camb",
    "z_reio": 7.67,
    "reionization_width": 0.5,
}

# Redshifts: dense at low z (reionisation), logarithmic in 1+z up to 1e4, dense around recombination.
Z = np.unique(
    np.concatenate(
        [
            np.linspace(0.0, 20.0, 81),
            np.geomspace(21.0, 1.0e4, 300) - 1.0,
            np.linspace(600.0, 1800.0, 121),
        ]
    ).round(6)
)


def run(recombination: str | None) -> dict:
    cosmo = classy.Class()
    params = dict(PARAMS)
    if recombination is not None:
        params["recombination"] = recombination
    cosmo.set(params)
    cosmo.compute(["thermodynamics"])
    th = cosmo.get_thermodynamics()
    z = th["z"]
    order = np.argsort(z)
    z = z[order]

    def col(key):
        return np.interp(Z, z, th[key][order]).tolist()

    derived = cosmo.get_current_derived_parameters(["z_star", "z_rec", "z_d", "tau_reio", "z_reio"])
    out = {
        "x_e": col("x_e"),
        "T_b": col("Tb [K]"),
        "kappa_dot": col("kappa' [Mpc^-1]"),
        "exp_m_kappa": col("exp(-kappa)"),
        "g": col("g [Mpc^-1]"),
        "c_b2": col("c_b^2"),
        **{k: float(v) for k, v in derived.items()},
    }
    cosmo.struct_cleanup()
    return out


def main() -> None:
    data = {
        "classy_version": classy.__version__,
        "params": PARAMS,
        "z": Z.tolist(),
        "hyrec": run(None),
        "recfast": run("RECFAST"),
    }
    path = pathlib.Path(__file__).with_name("class_thermo.json")
    path.write_text(json.dumps(data, indent=None))
    print(f"wrote {path} ({len(Z)} redshifts); z_star hyrec {data['hyrec']['z_star']:.3f}, "
          f"recfast {data['recfast']['z_star']:.3f}")


if __name__ == "__main__":
    main()
