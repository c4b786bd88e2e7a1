"""jaxbsm: differentiable, GPU-ready physics beyond the Standard Model in JAX.

Importing jaxbsm switches JAX to double precision (``jax_enable_x64``): every observable is
computed in float64, which the flavour quadratic forms and the stiff solvers of later sectors need.
"""

import jax

jax.config.update("jax_enable_x64", True)

from jaxbsm.model import Model, Parameter  # noqa: E402
from jaxbsm.observables import ObservableInfo  # noqa: E402
from jaxbsm.registry import get_model, list_models, observables  # noqa: E402

__version__ = "0.1.0"

__all__ = ["Model", "Parameter", "ObservableInfo", "get_model", "list_models", "observables"]
