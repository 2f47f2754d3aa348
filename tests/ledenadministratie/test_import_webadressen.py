"""An import checks a hundred thousand websites, most of them plain: those are accepted at once, and the
quick way accepts nothing that the full check of a website would refuse."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from registry.errors import InvalidParam
from registry.ledenadministratie.services.deelnemers import _GEWOON_WEBADRES, _host_of, _website

# Letters, digits and every character with a meaning in an address, so that near misses are tried.
_TEKENS = "aZ09-._~/:@?#%+ \\\u00e9\u200b[]"


def _volledig(value: str) -> bool:
    """The full check of an address that already has its http(s) scheme."""
    return len(value) <= 500 and _host_of(value) is not None


@given(st.sampled_from(["http://", "https://"]), st.text(alphabet=_TEKENS, max_size=40))
def test_the_quick_way_accepts_only_what_the_full_check_accepts(scheme: str, rest: str) -> None:
    adres = scheme + rest
    if _GEWOON_WEBADRES.fullmatch(adres):
        assert _volledig(adres), adres


def test_plain_websites_take_the_quick_way_and_the_rest_the_full_check() -> None:
    problems: list[InvalidParam] = []
    gewoon = ["https://www.voorbeeld.nl", "http://a-b.c.example.nl/pad/naar.html", "www.voorbeeld.nl"]
    bijzonder = ["https://voorbeeld.nl:8080", "https://www.fryslân.nl", "https://www.voorbeeld.nl?x=1"]

    assert [_website(adres, problems) for adres in gewoon] == [
        "https://www.voorbeeld.nl", "http://a-b.c.example.nl/pad/naar.html", "https://www.voorbeeld.nl",
    ]  # fmt: skip
    assert [bool(_GEWOON_WEBADRES.fullmatch(adres)) for adres in bijzonder] == [False] * 3
    assert [_website(adres, problems) for adres in bijzonder] == bijzonder
    assert problems == []
    for fout in ("https://-voorbeeld.nl", "https://voorbeeld.1", "https://voorbeeld", "https://a..nl"):
        assert not _GEWOON_WEBADRES.fullmatch(fout)
        _website(fout, problems)
    assert len(problems) == 4
