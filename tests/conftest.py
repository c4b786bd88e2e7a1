"""Shared test configuration: float64 JAX (via jaxbsm), hypothesis profile for the 2-core CI."""

import os

from hypothesis import HealthCheck, settings

import jaxbsm  # noqa: F401  (enables jax_enable_x64 before any test builds arrays)

settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
