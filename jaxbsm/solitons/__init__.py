"""Solitons: O(d)-symmetric bounces and Q-balls (issue 6).

``bounce`` solves φ'' + ((d−1)/r) φ' = dÛ/dφ for one real field by shooting on φ(0) and returns the
Euclidean action S_d, φ(0), a radius and a per-point status flag. ``qball`` builds Q-ball energies
E(Q) = min_ω [S₃(ω) + ωQ] on top of it (Kusenko, hep-ph/9704273).
"""

from jaxbsm.solitons.bounce import BOUNCE_STATUS, S_PSI, BounceResult, bounce

__all__ = ["BOUNCE_STATUS", "S_PSI", "BounceResult", "bounce"]
