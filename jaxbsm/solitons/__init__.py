"""Solitons: O(d)-symmetric bounces and Q-balls (issue 6; Kusenko, hep-ph/9704273).

``bounce``: one real field by shooting (action, φ(0), radius, status; ``bounce_profile`` for φ(r)).
``multi_bounce``: several fields by Coleman–Glaser–Martin minimisation (``multi_bounce``), built on
``spectral`` (the radial grid) and ``cgm`` (the functional and its Newton minimiser).
``qball``: single-field Q-ball energies E(Q) = min_ω [S₃(ω) + ωQ] with the thick- and thin-wall
limits; ``multi_qball``: the same for several charged fields (``multi_qball_energy``); both find ω*
with ``roots``. ``existence`` and ``slepton``: the multi-field existence condition (μ² minimum) and
Kusenko's slepton toy potential.

Every solver result carries an int32 ``status`` with the codes of ``jaxbsm.status.Status``
(0 = OK); values stay finite at failed points.

Field normalisation: ``bounce``, ``qball``, ``multi_bounce`` and ``multi_qball`` use Kusenko's real
moduli φ with kinetic term ½(∂φ)² (for a canonical complex field Φ, φ = √2|Φ|); ``existence`` and
``slepton`` use the canonical moduli |Φ|. The thin-wall μ² (energy per charge, squared) is the same
number in both: 2U(φ)/Σq²φ² = U(Φ)/Σq²|Φ|².
"""

from jaxbsm.solitons.bounce import (
    S_PSI,
    BounceResult,
    bounce,
    bounce_profile,
    sphere_area,
)
from jaxbsm.solitons.multi_bounce import (
    MultiBounceResult,
    multi_bounce,
    multi_bounce_profile,
)
from jaxbsm.solitons.multi_qball import (
    MultiQBall,
    multi_qball_bounce,
    multi_qball_energy,
    multi_qball_potential,
)

__all__ = [
    "S_PSI",
    "BounceResult",
    "MultiBounceResult",
    "MultiQBall",
    "bounce",
    "bounce_profile",
    "multi_bounce",
    "multi_bounce_profile",
    "multi_qball_bounce",
    "multi_qball_energy",
    "multi_qball_potential",
    "sphere_area",
]
