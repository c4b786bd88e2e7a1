"""BibTeX of the methods and software behind jaxbsm's inference engines.

``METHODS`` maps a command to the keys of what it relies on; ``bibtex(command)`` returns those
entries. The data and theory a fit uses carry their own citations (``Likelihood.bibtex``).
"""

from __future__ import annotations

ENTRIES = {
    "jax2018github": """@software{jax2018github,
    author = "Bradbury, James and Frostig, Roy and Hawkins, Peter and Johnson, Matthew James and Leary, Chris and Maclaurin, Dougal and Necula, George and Paszke, Adam and VanderPlas, Jake and Wanderman-Milne, Skye and Zhang, Qiao",
    title = "{JAX: composable transformations of Python+NumPy programs}",
    url = "http://github.com/jax-ml/jax",
    year = "2018"
}""",
    "Phan:2019elc": """@article{Phan:2019elc,
    author = "Phan, Du and Pradhan, Neeraj and Jankowiak, Martin",
    title = "{Composable Effects for Flexible and Accelerated Probabilistic Programming in NumPyro}",
    eprint = "1912.11554",
    archivePrefix = "arXiv",
    year = "2019"
}""",
    "Bingham:2019pyro": """@article{Bingham:2019pyro,
    author = "Bingham, Eli and Chen, Jonathan P. and Jankowiak, Martin and Obermeyer, Fritz and Pradhan, Neeraj and Karaletsos, Theofanis and Singh, Rohit and Szerlip, Paul and Horsfall, Paul and Goodman, Noah D.",
    title = "{Pyro: Deep Universal Probabilistic Programming}",
    journal = "J. Mach. Learn. Res.",
    volume = "20",
    pages = "28:1--28:6",
    eprint = "1810.09538",
    archivePrefix = "arXiv",
    year = "2019"
}""",
    "Hoffman:2014nuts": """@article{Hoffman:2014nuts,
    author = "Hoffman, Matthew D. and Gelman, Andrew",
    title = "{The No-U-Turn Sampler: Adaptively Setting Path Lengths in Hamiltonian Monte Carlo}",
    journal = "J. Mach. Learn. Res.",
    volume = "15",
    pages = "1593--1623",
    eprint = "1111.4246",
    archivePrefix = "arXiv",
    year = "2014"
}""",
    "Vehtari:2021rhat": """@article{Vehtari:2021rhat,
    author = "Vehtari, Aki and Gelman, Andrew and Simpson, Daniel and Carpenter, Bob and B{\\"u}rkner, Paul-Christian",
    title = "{Rank-normalization, folding, and localization: An improved R-hat for assessing convergence of MCMC}",
    journal = "Bayesian Anal.",
    volume = "16",
    pages = "667--718",
    doi = "10.1214/20-BA1221",
    eprint = "1903.08008",
    archivePrefix = "arXiv",
    year = "2021"
}""",
    "Kumar:2019arviz": """@article{Kumar:2019arviz,
    author = "Kumar, Ravin and Carroll, Colin and Hartikainen, Ari and Martin, Osvaldo",
    title = "{ArviZ a unified library for exploratory analysis of Bayesian models in Python}",
    journal = "J. Open Source Softw.",
    volume = "4",
    number = "33",
    pages = "1143",
    doi = "10.21105/joss.01143",
    year = "2019"
}""",
    "Kingma:2014adam": """@article{Kingma:2014adam,
    author = "Kingma, Diederik P. and Ba, Jimmy",
    title = "{Adam: A Method for Stochastic Optimization}",
    eprint = "1412.6980",
    archivePrefix = "arXiv",
    year = "2014"
}""",
    "Liu:1989lbfgs": """@article{Liu:1989lbfgs,
    author = "Liu, Dong C. and Nocedal, Jorge",
    title = "{On the limited memory BFGS method for large scale optimization}",
    journal = "Math. Program.",
    volume = "45",
    pages = "503--528",
    doi = "10.1007/BF01589116",
    year = "1989"
}""",
    "deepmind2020jax": """@software{deepmind2020jax,
    author = "{DeepMind}",
    title = "{The DeepMind JAX Ecosystem (Optax)}",
    url = "http://github.com/google-deepmind/optax",
    year = "2020"
}""",
    "Wilks:1938": """@article{Wilks:1938,
    author = "Wilks, S. S.",
    title = "{The Large-Sample Distribution of the Likelihood Ratio for Testing Composite Hypotheses}",
    journal = "Ann. Math. Statist.",
    volume = "9",
    pages = "60--62",
    doi = "10.1214/aoms/1177732360",
    year = "1938"
}""",
    "Skilling:2006": """@article{Skilling:2006,
    author = "Skilling, John",
    title = "{Nested sampling for general Bayesian computation}",
    journal = "Bayesian Anal.",
    volume = "1",
    pages = "833--859",
    doi = "10.1214/06-BA127",
    year = "2006"
}""",
    "Albert:2020jaxns": """@article{Albert:2020jaxns,
    author = "Albert, Joshua G.",
    title = "{JAXNS: a high-performance nested sampling package based on JAX}",
    eprint = "2012.15286",
    archivePrefix = "arXiv",
    year = "2020"
}""",
    "Lewis:2019xzd": """@article{Lewis:2019xzd,
    author = "Lewis, Antony",
    title = "{GetDist: a Python package for analysing Monte Carlo samples}",
    eprint = "1910.13970",
    archivePrefix = "arXiv",
    year = "2019"
}""",
}

METHODS = {
    "fit": ("jax2018github", "Phan:2019elc", "Bingham:2019pyro", "Hoffman:2014nuts", "Vehtari:2021rhat",
            "Kumar:2019arviz", "Lewis:2019xzd", "deepmind2020jax", "Kingma:2014adam", "Liu:1989lbfgs"),
    "profile": ("jax2018github", "deepmind2020jax", "Kingma:2014adam", "Liu:1989lbfgs", "Wilks:1938"),
    "compare": ("jax2018github", "Phan:2019elc", "Skilling:2006", "Albert:2020jaxns"),
}


def bibtex(commands: tuple[str, ...] = ("fit",)) -> list[str]:
    """BibTeX entries of the methods behind ``commands`` (``fit``, ``profile``, ``compare``), each once."""
    unknown = [c for c in commands if c not in METHODS]
    if unknown:
        raise ValueError(f"methods of {', '.join(unknown)} are not known; allowed: {', '.join(METHODS)}")
    keys = dict.fromkeys(k for c in commands for k in METHODS[c])
    return [ENTRIES[k] for k in keys]
