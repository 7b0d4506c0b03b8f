"""Category search on the new-report page: folded words of names and synonyms, matches listed, none chosen."""

from __future__ import annotations

import pytest

from congdanso.agencies.models import Category
from congdanso.agencies.queries import match_categories
from congdanso.lib.text import word_matches

LIGHTING = {"cs-den-khong-sang", "cs-tru-den"}


def _codes(text: str) -> list[str]:
    return [c.code for c in match_categories(text)]


@pytest.mark.parametrize("text", ["cống", "cong", "Cống", "CONG", "cống nghẹt", "nghet cong"])
def test_sewer_words_put_the_sewer_first_and_never_lighting_first(reference, text):
    codes = _codes(text)
    assert codes[0] == "tn-cong-tac"


def test_cong_with_its_tone_never_lists_street_lighting(reference):
    assert not LIGHTING & set(_codes("cống"))


def test_cho_never_lists_street_lighting(reference):
    assert not LIGHTING & set(_codes("chó"))
    assert _codes("chó") == []  # no category for it: the page says so and offers "Vấn đề khác"


@pytest.mark.parametrize(("text", "code"), [
    ("ổ gà", "gt-mat-duong"), ("o ga", "gt-mat-duong"), ("Ổ GÀ", "gt-mat-duong"),
    ("ngập", "ng-ngap-duong"), ("ngap", "ng-ngap-duong"), ("rác", "mt-rac-sinh-hoat"),
    ("đèn đường", "cs-den-khong-sang"), ("cây đổ", "cx-cay-do"), ("lấn chiếm", "tt-lan-chiem"),
    ("kẹt xe", "gt-un-tac"), ("pothole", "gt-mat-duong"), ("street light", "cs-den-khong-sang"),
    ("flood", "ng-ngap-duong"), ("rubbish", "mt-rac-sinh-hoat"),
])
def test_common_words_find_their_category_first(reference, text, code):
    assert _codes(text)[0] == code


def test_den_lists_several_lamps_for_the_resident_to_choose(reference):
    codes = _codes("đèn")
    assert {"gt-den-tin-hieu", "cs-den-khong-sang", "cs-tru-den"} <= set(codes)


def test_nothing_typed_matches_nothing(reference):
    assert _codes("") == [] and _codes("   ") == [] and _codes("xyzzy") == []


def test_an_earlier_word_must_be_whole(reference):
    # "c" alone is not a word: "c ga" is not "cống" + "gà"
    assert _codes("c ga") == []


def test_typed_marks_must_be_present_in_the_word():
    assert word_matches("cong", "cống") and word_matches("cong", "công")
    assert word_matches("cống", "cống") and not word_matches("cống", "công")
    assert word_matches("cô", "cống")  # half-way through typing with Telex
    assert not word_matches("chó", "chờn") and not word_matches("đen", "den")
    assert word_matches("den", "đèn") and word_matches("đen", "đèn")


def test_synonyms_and_english_names_come_from_the_data_file(reference):
    sewer = Category.objects.get(code="tn-cong-tac")
    assert "cống" in sewer.synonym_list()
    assert sewer.name_en == "Blocked or damaged sewers"
    assert "sewer" in sewer.terms_folded


def test_an_administrators_synonym_is_matched(reference):
    other = Category.objects.get(code="khac")
    other.synonyms = "chó thả rông"
    other.save()
    assert _codes("chó") == ["khac"]
