"""b -> s mu mu flavour physics: matching of Z' and leptoquark models to the weak effective theory,
the observables R_K, R_K*, B_s -> mu mu, and B_s - anti-B_s mixing."""
