"""Data and statistics: measurement records with citations, likelihood shapes, and named
likelihoods binding jaxbsm model predictions to measurements."""

from jaxbsm.likelihoods.likelihood import Likelihood, build_likelihood
from jaxbsm.likelihoods.records import Dataset, Measurement, list_datasets, load_dataset

__all__ = ["Likelihood", "build_likelihood", "Dataset", "Measurement", "list_datasets", "load_dataset"]
