"""Shared fixtures of the inference tests."""

import pytest
from inference_fakes import make_config


@pytest.fixture(scope="module")
def gauss_config():
    return make_config()
