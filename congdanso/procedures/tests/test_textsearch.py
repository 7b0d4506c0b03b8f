"""The pure helpers of the search: one folded key for text and query, words, engine query strings, deadlines."""

from decimal import Decimal

import pytest

from congdanso.procedures import textsearch


def test_search_key_folds_diacritics_punctuation_and_writes_y_as_i():
    assert textsearch.search_key("Đăng ký khai sinh (lưu động)") == "dang ki khai sinh luu dong"
    assert textsearch.search_key("ĐĂNG KÍ  Khai-Sinh") == "dang ki khai sinh"
    assert textsearch.search_key("") == ""


def test_query_words_are_deduplicated_and_capped():
    assert textsearch.query_words("Khai sinh, khai sinh!") == ["khai", "sinh"]
    assert len(textsearch.query_words(" ".join(f"w{i}" for i in range(30)))) == textsearch.MAX_WORDS


def test_tsquery_requires_every_word_longer_ones_as_prefixes():
    assert textsearch.tsquery(["dang", "ki", "sin"]) == "dang:* & ki & sin:*"  # two letters: a whole syllable


def test_fts5_match_pads_words_like_pg_trgm():
    assert textsearch.trigrams("ki") == [" ki", "ki "]
    assert textsearch.fts5_match(["ki", "sin"], every_word=True) == '(" ki" OR "ki ") AND (" si" OR "in " OR "sin")'
    assert " OR (" in textsearch.fts5_match(["ki", "sin"], every_word=False)


@pytest.mark.parametrize(("text", "days"), [
    ("05 ngày làm việc", Decimal(5)),
    ("03 ngày làm việc; trường hợp phải xác minh thì không quá 05 ngày làm việc", Decimal(3)),
    ("Không quá 20 ngày làm việc kể từ ngày nhận đủ hồ sơ", Decimal(20)),
    ("Ngay trong ngày tiếp nhận hồ sơ", Decimal("0.5")),
    ("Trong ngày làm việc", Decimal("0.5")),
    ("08 giờ làm việc", Decimal(1)),
    ("04 giờ làm việc", Decimal("0.5")),
    ("15 ngày kể từ ngày nhận đủ hồ sơ hợp lệ", None),  # calendar days: not working days
    ("Không quy định", None),
    ("", None),
])
def test_parse_working_days(text, days):
    assert textsearch.parse_working_days(text) == days
