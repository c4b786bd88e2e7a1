"""Solitons: O(d)-symmetric bounces and Q-balls (issue 6; Kusenko, hep-ph/9704273).

``bounce``: one real field by shooting (action, φ(0), radius, status; ``bounce_profile`` for φ(r)).
``multifield``: several fields by Coleman–Glaser–Martin minimisation (``multi_bounce``,
``multi_qball_energy``). ``qball``: single-field Q-ball energies E(Q) = min_ω [S₃(ω) + ωQ] with
the thick- and thin-wall limits. ``existence`` and ``slepton``: the multi-field existence condition
(μ² minimum) and Kusenko's slepton toy potential.

Field normalisation: ``bounce``, ``qball`` and ``multifield`` use Kusenko's real moduli φ with
kinetic term ½(∂φ)² (for a canonical complex field Φ, φ = √2|Φ|); ``existence`` and ``slepton``
use the canonical moduli |Φ|. The thin-wall μ² (energy per charge, squared) is the same number in
both: 2U(φ)/Σq²φ² = U(Φ)/Σq²|Φ|².
"""

from jaxbsm.solitons.bounce import BOUNCE_STATUS, S_PSI, BounceResult, bounce, bounce_profile
from jaxbsm.solitons.multifield import (
    MULTI_BOUNCE_STATUS,
    MultiBounceResult,
    MultiQBall,
    multi_bounce,
    multi_bounce_profile,
    multi_qball_energy,
)

__all__ = [
    "BOUNCE_STATUS",
    "MULTI_BOUNCE_STATUS",
    "S_PSI",
    "BounceResult",
    "MultiBounceResult",
    "MultiQBall",
    "bounce",
    "bounce_profile",
    "multi_bounce",
    "multi_bounce_profile",
    "multi_qball_energy",
]
