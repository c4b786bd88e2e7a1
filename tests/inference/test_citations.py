"""Method citations: every entry well formed and keyed as named, unknown commands refused."""

import re

import pytest

from jaxbsm.inference.citations import ENTRIES, METHODS, bibtex


@pytest.mark.parametrize("key", sorted(ENTRIES))
def test_entry_is_well_formed(key):
    entry = ENTRIES[key]
    assert re.match(rf"^@(article|software)\{{{re.escape(key)},\n", entry)
    assert entry.count("{") == entry.count("}") and entry.endswith("\n}")
    assert re.search(r'^\s+title = "\{.+\}",$', entry, re.M) and re.search(r'year = "\d{4}"', entry)


def test_every_method_key_has_an_entry_and_no_repeats():
    assert {k for keys in METHODS.values() for k in keys} <= set(ENTRIES)
    both = bibtex(("fit", "profile"))
    assert len(both) == len(set(both)) == len(set(METHODS["fit"]) | set(METHODS["profile"]))


def test_unknown_command_is_refused():
    with pytest.raises(ValueError, match="methods of nope are not known; allowed: fit, profile, compare"):
        bibtex(("nope",))
