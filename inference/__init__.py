"""Inference engines and the command line: fit configuration, NUTS, best fit, result files, `jaxbsm` CLI."""
