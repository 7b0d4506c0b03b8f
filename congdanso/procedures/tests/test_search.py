"""The catalogue search, run by the database's own engine (PostgreSQL full text + pg_trgm; SQLite FTS5): diacritics,
word order and typos do not matter, results are ranked, filters combine, bad filters are refused."""

from __future__ import annotations

import pytest
from django.db import connection

from congdanso.procedures import queries, searchindex
from congdanso.procedures.errors import BadFilter
from congdanso.procedures.models import Procedure
from congdanso.testing.factories import make_procedure

pytestmark = pytest.mark.django_db


def _names(q: str = "", **filters: str) -> list[str]:
    return [row["name"] for row in queries.page(queries.build_filters(q=q, **filters), size=200).rows]


@pytest.mark.parametrize("q", ["dang ky khai sinh", "khai sinh đăng ký", "dang ki khai sin", "Đăng ký khai sinh",
                               "ĐĂNG KÍ KHAI SINH", "khai sinh"])
def test_birth_registration_comes_first(catalogue, q):
    found = _names(q)
    assert found[0] == "Đăng ký khai sinh", found[:5]
    # its variants follow; nothing about land or business comes before them
    assert {"Đăng ký khai sinh lưu động", "Đăng ký lại khai sinh"} <= set(found[:6])


@pytest.mark.parametrize(("q", "first"), [
    ("ket hon", "Đăng ký kết hôn"),
    ("dang ki tam tru", "Đăng ký tạm trú"),
    ("thuong tru", "Đăng ký thường trú"),
    ("cap giay phep xay dung moi nha o", "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ"),
    ("thanh lap ho kinh doanh", "Đăng ký thành lập hộ kinh doanh"),
    ("tro cap nguoi cao tuoi", "Trợ cấp xã hội hằng tháng đối với người cao tuổi"),
    ("1.001193", "Đăng ký khai sinh"),
])
def test_common_searches_rank_the_obvious_procedure_first(catalogue, q, first):
    assert _names(q)[0] == first


def test_keywords_and_english_names_are_searched(catalogue):
    assert any("Giấy chứng nhận" in name for name in _names("so do")[:3])  # "sổ đỏ" is a keyword
    assert "Đăng ký khai sinh" in _names("birth registration")[:3]


def test_nonsense_finds_nothing_on_postgresql(catalogue):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's trigram fallback may still meet one trigram")
    assert _names("qwxzv") == []


def test_filters_combine_with_the_text(catalogue):
    assert set(_names(level="province")) == set(Procedure.objects.filter(level="province")
                                                 .values_list("name", flat=True))
    assert all(n in Procedure.objects.filter(field__code="cu-tru").values_list("name", flat=True)
               for n in _names("dang ky", field="cu-tru"))
    assert _names("dang ky", field="cu-tru")[0] in {"Đăng ký thường trú", "Đăng ký tạm trú"}
    online = set(_names(online="any"))
    assert online == set(Procedure.objects.exclude(online_level="none").values_list("name", flat=True))
    assert "Đăng ký giám hộ" not in online and "Đăng ký giám hộ" in _names(online="none")
    assert set(_names(agency="STP")) == {"Đăng ký kết hôn có yếu tố nước ngoài"}
    province = set(Procedure.objects.filter(level="province").values_list("name", flat=True))
    assert "Đăng ký khai sinh" not in _names("khai sinh", level="province")
    assert set(_names("khai sinh", level="province")) <= province


def test_without_text_the_list_is_alphabetical_by_folded_name(catalogue):
    keys = list(queries.search(queries.build_filters()).values_list("name_key", flat=True))
    assert keys == sorted(keys) and len(keys) == Procedure.objects.count()


def test_inactive_procedures_are_not_found():
    procedure = make_procedure()
    assert _names("khai sinh") == ["Đăng ký khai sinh"]
    Procedure.objects.filter(pk=procedure.pk).update(is_active=False)
    assert _names("khai sinh") == []


def test_the_index_follows_every_write():
    """SQLite: the FTS table is kept by triggers (insert, update, delete); PostgreSQL indexes the column itself."""
    procedure = make_procedure(code="1.000001", name="Cấp phiếu lý lịch tư pháp", keywords=["lý lịch"])
    assert _names("li lich tu phap") == ["Cấp phiếu lý lịch tư pháp"]
    make_procedure(code="1.000001", name="Cấp phiếu lý lịch tư pháp số 2", keywords=["lý lịch"])
    assert _names("li lich tu phap so 2") == ["Cấp phiếu lý lịch tư pháp số 2"]
    Procedure.objects.filter(pk=procedure.pk).delete()
    assert _names("li lich") == []


def test_sqlite_search_objects_are_recreated_after_a_table_rebuild():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    assert searchindex.missing(connection) == []
    make_procedure()
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER procedures_fts_ai")  # what a rebuilding migration does to every trigger
    assert searchindex.missing(connection) == ["procedures_fts_ai"]
    assert searchindex.ensure(connection) is True
    assert searchindex.missing(connection) == []
    assert _names("khai sinh") == ["Đăng ký khai sinh"]  # and the index was rebuilt from the table


def test_postgresql_search_reads_the_gin_indexes(catalogue):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    f = queries.build_filters(q="dang ky khia sinh")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a table this small would be scanned; show the index can serve
        strict = queries.search(f, fuzzy=False).explain()
        fuzzy = queries.search(f, fuzzy=True).explain()
        cursor.execute("RESET enable_seqscan")
    assert "procedures_search_fts" in strict and "search_vector @@" in strict, strict  # the stored tsvector
    assert "procedures_name_trgm" in fuzzy, fuzzy
    assert _names("dang ky khia sinh")[0] == "Đăng ký khai sinh"  # the typo: found by the fuzzy pass


@pytest.mark.parametrize("params", [
    {"level": "district"}, {"online": "sometimes"}, {"field": "ho tich"}, {"agency": "x" * 41},
    {"q": "a" * 201}, {"q": "khai\x00sinh"}, {"field": ",".join(f"f{i}" for i in range(21))},
])
def test_bad_filters_are_refused(params):
    with pytest.raises(BadFilter):
        queries.build_filters(**params)


@pytest.mark.parametrize(("number", "size"), [("0", "20"), ("x", "20"), ("1", "51"), ("501", "20")])
def test_bad_pages_are_refused(number, size):
    with pytest.raises(BadFilter):
        queries.parse_page(number, size)


def test_pages_and_totals(catalogue):
    f = queries.build_filters(q="dang ky")
    first = queries.page(f, number=1, size=5)
    second = queries.page(f, number=2, size=5)
    assert first.total == second.total > 10 and first.pages == -(-first.total // 5)
    assert not {r["code"] for r in first.rows} & {r["code"] for r in second.rows}
