"""Neutrino sector: PMNS mixing, mass spectra, Majorana mass matrices, seesaw mechanisms,
doubly-charged Higgs decays, neutrinoless double-beta decay and oscillations (seed 000)."""
