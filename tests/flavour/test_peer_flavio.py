"""Live comparison with flavio at fresh random points (needs the `peers` extra: pytest -m peer)."""

import numpy as np
import pytest

flavio = pytest.importorskip("flavio")

import jax.numpy as jnp  # noqa: E402

from jaxbsm.flavour import observables as ob  # noqa: E402

pytestmark = pytest.mark.peer


def test_random_points_against_live_flavio():
    """Issue tolerance: 2% in R_K, R_K*; 0.5% in BR(Bs->mumu)_over_SM over |dC9|, |dC10| <= 1.5."""
    rng = np.random.default_rng(99)
    sm_bs = flavio.sm_prediction("BR(Bs->mumu)")
    for c9, c10 in rng.uniform(-1.5, 1.5, size=(5, 2)):
        wc = flavio.WilsonCoefficients()
        wc.set_initial({"C9_bsmumu": c9, "C10_bsmumu": c10}, scale=4.8, eft="WET", basis="flavio")
        dc_mu, dc_e = jnp.array([c9, c10, 0.0, 0.0]), jnp.zeros(4)
        for flavio_name, ours, q2bin in (
            ("<Rmue>(B+->Kll)", ob.r_k, (1.1, 6.0)),
            ("<Rmue>(B0->K*ll)", ob.r_kstar, (0.045, 1.1)),
            ("<Rmue>(B0->K*ll)", ob.r_kstar, (1.1, 6.0)),
        ):
            ref = flavio.np_prediction(flavio_name, wc, *q2bin)
            assert float(ours(dc_mu, dc_e, q2bin)) == pytest.approx(ref, rel=0.02)
        ratio = flavio.np_prediction("BR(Bs->mumu)", wc) / sm_bs
        assert float(ob.bs_mumu_ratio(dc_mu)) == pytest.approx(ratio, rel=0.005)
