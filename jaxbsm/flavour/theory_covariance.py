"""Theory uncertainties of the flavour observables: the covariance of their SM predictions, which
every flavour model supplies to likelihoods (``Model.theory_covariance``) as an added covariance.

- R_K, R_K* bins and BR(B_s -> mu mu): the SM covariance computed by flavio (form factors, CKM,
  decay constants; ``jaxbsm/flavour/data/flavio_theory_covariance.json``, N samples stated there).
  As in flavio's FastLikelihood and smelli, it is evaluated at the SM and held fixed; close to the
  SM this is accurate, far from it (|dC9| ~ 1) the ratio uncertainties grow, which the file's
  NP-point covariance quantifies.
  R_K[0.1,1.1] is not in that file: its SM theory error, like the other R_K bins' (6.6e-5 in
  flavio), is negligible next to the 9% experimental error and is set to zero.
- Delta M_s: the SM prediction's uncertainty (constants.DELTA_MS_SM), uncorrelated with the rest.
- Pseudo-observables (cbar_LL^mu, C_bs^NP): none; their "measurements" already include theory.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import numpy as np

from jaxbsm.constants import DELTA_MS_SM

# jaxbsm observable name -> (flavio observable, q2min, q2max) in the flavio covariance file
FLAVIO_NAMES = {
    "R_K[1.1,6]": ("<Rmue>(B+->Kll)", 1.1, 6.0),
    "R_K[1,6]": ("<Rmue>(B+->Kll)", 1.0, 6.0),
    "R_K*[0.045,1.1]": ("<Rmue>(B0->K*ll)", 0.045, 1.1),
    "R_K*[0.1,1.1]": ("<Rmue>(B0->K*ll)", 0.1, 1.1),
    "R_K*[1.1,6]": ("<Rmue>(B0->K*ll)", 1.1, 6.0),
    "BR(Bs->mumu)": ("BR(Bs->mumu)", None, None),
}


@cache
def _flavio_covariance() -> tuple[list, np.ndarray]:
    text = resources.files("jaxbsm.flavour").joinpath("data/flavio_theory_covariance.json").read_text()
    data = json.loads(text)
    keys = [_key(o["name"], *(o["bin"] or (None, None))) for o in data["observables"]]
    return keys, np.asarray(data["SM"]["covariance"], dtype=float)


def _key(name, q2min, q2max):
    return (name, None if q2min is None else float(q2min), None if q2max is None else float(q2max))


def theory_covariance(observables) -> np.ndarray:
    """Theory covariance matrix (units of the observables squared) for a list of observable names."""
    keys, cov = _flavio_covariance()
    n = len(observables)
    out = np.zeros((n, n))
    for i, a in enumerate(observables):
        if a == "DeltaM_s":
            out[i, i] = DELTA_MS_SM.uncertainty**2
        for j, b in enumerate(observables):
            if a in FLAVIO_NAMES and b in FLAVIO_NAMES:
                ka, kb = _key(*FLAVIO_NAMES[a]), _key(*FLAVIO_NAMES[b])
                if ka in keys and kb in keys:
                    out[i, j] = cov[keys.index(ka), keys.index(kb)]
    return out
