"""R_K, R_K* and B_s -> mu mu as functions of new-physics Wilson coefficients.

Units: Wilson-coefficient shifts dimensionless (WET basis at mu_b = 4.8 GeV, see wilson.py);
q^2 bins in GeV^2; branching ratios dimensionless.

A bin-averaged rate of B -> K(*) l l is an exact Hermitian quadratic form in the new-physics shifts,
because every helicity amplitude is linear in the Wilson coefficients:

    <dBR/dq^2>_bin = v^dagger M v,   v = (1, dC9, dC10, dC9', dC10')  (complex),

with a 5x5 Hermitian hadronic matrix M per process, lepton and bin. M contains the SM Wilson
coefficients (C7, C9^eff with the charm and photon-pole contributions, C10), the form factors and
lepton-mass effects. The matrices in ``data/hadronic_matrices.json`` were extracted from flavio
(version recorded in the file; Straub, arXiv:1810.08132, with BSZ form factors, arXiv:1503.05534,
and Gubernari-van Dyk-Virto / lattice for B -> K) by an exact linear fit of flavio's binned rates at
random complex points (``scripts/extract_from_flavio.py``), so at the central hadronic inputs jaxbsm
reproduces flavio to the precision of that fit. Hadronic uncertainties enter the likelihood as
flavio's theory covariance (``data/flavio_theory_covariance.json``), not through M.

B_s -> mu mu (time-integrated, De Bruyn et al., arXiv:1204.1737, eq. (2.6), with no scalar
operators): BR/BR_SM = (|P|^2 + y_s Re(P^2)) / (1 + y_s), P = (C10^SM + dC10 - dC10')/C10^SM.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import jax.numpy as jnp
import numpy as np

from jaxbsm.observables import ObservableInfo

PROCESSES = {"K": "B+->K", "K*": "B0->K*"}
LEPTONS = ("mu", "e")


@cache
def _data() -> dict:
    text = resources.files("jaxbsm.flavour").joinpath("data/hadronic_matrices.json").read_text()
    return json.loads(text)


def _bin_key(q2bin) -> str:
    lo, hi = (float(x) for x in q2bin)
    return f"{lo}-{hi}"


@cache
def _matrix(process: str, lepton: str, key: str) -> np.ndarray:
    """Hermitian 5x5 matrix M (numpy, so that caching never captures a JAX tracer)."""
    m = _data()["matrices"][process][lepton][key]
    return np.asarray(m["re"]) + 1j * np.asarray(m["im"])


def available_bins(meson: str) -> list[tuple[float, float]]:
    """q^2 bins (GeV^2) with a hadronic matrix for meson 'K' or 'K*'."""
    process = _process(meson)
    return [(float(lo), float(hi)) for lo, hi in (k.split("-") for k in _data()["matrices"][process]["mu"])]


def binned_rate(meson: str, lepton: str, q2bin, dc) -> jnp.ndarray:
    """Bin-averaged dBR/dq^2 (GeV^-2) of B -> K(*) l l for WET shifts dc (..., 4) = (dC9, dC10, dC9', dC10')."""
    process = _process(meson)
    if lepton not in LEPTONS:
        raise ValueError(f"lepton {lepton!r} unknown; allowed: {', '.join(LEPTONS)}")
    key = _bin_key(q2bin)
    if key not in _data()["matrices"][process][lepton]:
        raise ValueError(
            f"q2bin {tuple(q2bin)} GeV^2 not available for B -> {meson} l l; "
            f"available: {available_bins(meson)}"
        )
    dc = jnp.asarray(dc)
    if dc.shape[-1:] != (4,):
        raise ValueError(f"dc must have last axis of length 4 (dC9, dC10, dC9', dC10'), got shape {dc.shape}")
    one = jnp.ones(dc.shape[:-1] + (1,), dtype=jnp.complex128)
    v = jnp.concatenate([one, dc.astype(jnp.complex128)], axis=-1)
    m = _matrix(process, lepton, key)
    return jnp.real(jnp.einsum("...i,ij,...j->...", jnp.conj(v), m, v))


def r_k(dc_mu, dc_e, q2bin=(1.1, 6.0)) -> jnp.ndarray:
    """R_K = BR(B+ -> K+ mu mu)/BR(B+ -> K+ e e) in a q^2 bin (GeV^2); dc_l shape (..., 4)."""
    return binned_rate("K", "mu", q2bin, dc_mu) / binned_rate("K", "e", q2bin, dc_e)


def r_kstar(dc_mu, dc_e, q2bin=(1.1, 6.0)) -> jnp.ndarray:
    """R_K* = BR(B0 -> K*0 mu mu)/BR(B0 -> K*0 e e) in a q^2 bin (GeV^2); dc_l shape (..., 4)."""
    return binned_rate("K*", "mu", q2bin, dc_mu) / binned_rate("K*", "e", q2bin, dc_e)


def bs_mumu_ratio(dc_mu) -> jnp.ndarray:
    """Time-integrated BR(B_s -> mu mu)/BR_SM for dc_mu (..., 4); only dC10 - dC10' enters."""
    bs = _data()["Bs->mumu"]
    dc_mu = jnp.asarray(dc_mu)
    p = 1.0 + (dc_mu[..., 1] - dc_mu[..., 3]) / bs["C10_SM"]
    y_s = bs["y_s"]
    return (jnp.abs(p) ** 2 + y_s * jnp.real(p**2)) / (1.0 + y_s)


def bs_mumu_sm() -> float:
    """SM time-integrated BR(B_s -> mu mu) at flavio's central inputs (see module docstring)."""
    return float(_data()["Bs->mumu"]["BR_SM"])


#: Observable name -> (function of (dc_mu, dc_e)), the flavour observables every model predicts.
RATIO_OBSERVABLES = {
    "R_K[1.1,6]": ("K", (1.1, 6.0)),
    "R_K[1,6]": ("K", (1.0, 6.0)),
    "R_K[0.1,1.1]": ("K", (0.1, 1.1)),
    "R_K*[0.045,1.1]": ("K*", (0.045, 1.1)),
    "R_K*[0.1,1.1]": ("K*", (0.1, 1.1)),
    "R_K*[1.1,6]": ("K*", (1.1, 6.0)),
}


def b_to_s_mumu_observables(dc_mu, dc_e) -> dict[str, jnp.ndarray]:
    """All b -> s l l observables of jaxbsm for WET shifts dc_mu, dc_e of shape (..., 4)."""
    out = {}
    for name, (meson, q2bin) in RATIO_OBSERVABLES.items():
        ratio = r_k if meson == "K" else r_kstar
        out[name] = ratio(dc_mu, dc_e, q2bin)
    out["BR(Bs->mumu)_over_SM"] = bs_mumu_ratio(dc_mu)
    out["BR(Bs->mumu)"] = bs_mumu_sm() * out["BR(Bs->mumu)_over_SM"]
    return out


def _process(meson: str) -> str:
    try:
        return PROCESSES[meson]
    except KeyError:
        raise ValueError(f"meson {meson!r} unknown; allowed: {', '.join(PROCESSES)}") from None


def _ratio_info(name: str, meson: str, lo: float, hi: float) -> ObservableInfo:
    tex = "R_K" if meson == "K" else "R_{K^*}"
    return ObservableInfo(
        name, rf"${tex}[{lo:g},{hi:g}]$", "", f"BR(B -> {meson} mu mu)/BR(B -> {meson} e e) for q^2 in [{lo:g}, {hi:g}] GeV^2"
    )


#: The observables of ``b_to_s_mumu_observables``.
OBSERVABLES = (
    *(_ratio_info(name, meson, lo, hi) for name, (meson, (lo, hi)) in RATIO_OBSERVABLES.items()),
    ObservableInfo("BR(Bs->mumu)", r"$\mathrm{BR}(B_s\to\mu\mu)$", "", "time-integrated branching ratio of B_s -> mu+ mu-"),
    ObservableInfo("BR(Bs->mumu)_over_SM", r"$\mathrm{BR}(B_s\to\mu\mu)/\mathrm{SM}$", "", "BR(B_s -> mu mu) over its SM value"),
)
