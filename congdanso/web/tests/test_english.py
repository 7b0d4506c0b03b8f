"""English is the second language: the catalogue is complete and compiled, pages follow Accept-Language or the
language cookie, and Vietnamese stays the default."""

from __future__ import annotations

import gettext
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from congdanso.agencies.models import Agency, Category
from congdanso.reports import services

LOCALE_DIR = Path(settings.BASE_DIR) / "congdanso" / "locale" / "en" / "LC_MESSAGES"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
# Names that English text keeps in Vietnamese: the product's name and the language's own name.
KEPT_NAMES = re.compile("Công Dân Số|Tiếng Việt")
VIETNAMESE_LETTERS = re.compile("[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]",
                                re.IGNORECASE)


def po_msgids(path: Path) -> list[str]:
    """The msgids of a .po file (singular forms), header and obsolete entries left out."""
    ids: list[str] = []
    current: list[str] | None = None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("msgid "):
            current = [line[6:]]
        elif current is not None and line.startswith('"'):
            current.append(line)
        elif current is not None:
            ids.append("".join(json.loads(part) for part in current))  # PO string escapes are JSON's
            current = None
    return [msgid for msgid in ids if msgid]


@pytest.fixture(scope="module")
def catalogue() -> gettext.GNUTranslations:
    with open(LOCALE_DIR / "django.mo", "rb") as handle:
        return gettext.GNUTranslations(handle)


def test_po_has_no_fuzzy_or_untranslated_entries():
    text = (LOCALE_DIR / "django.po").read_text(encoding="utf-8")
    body = text.split("\n\n", 1)[1]  # past the header, which is the one entry with an empty msgstr
    assert "#, fuzzy" not in body
    assert not re.search(r'^msgstr(\[\d\])? ""\n(?!")', body, re.MULTILINE)


def test_compiled_catalogue_matches_the_po_file(catalogue):
    """Every string of the .po is in the committed .mo with an English text: compilemessages was run."""
    msgids = po_msgids(LOCALE_DIR / "django.po")
    assert len(msgids) > 500
    missing = [msgid for msgid in msgids if msgid not in catalogue._catalog  # type: ignore[attr-defined]
               and (msgid, 0) not in catalogue._catalog]  # type: ignore[attr-defined]
    assert missing == []


def test_translations_are_english(catalogue):
    for key, text in catalogue._catalog.items():  # type: ignore[attr-defined]
        if key:
            assert not VIETNAMESE_LETTERS.search(KEPT_NAMES.sub("", text)), (key, text)


def test_key_strings_translate():
    with translation.override("en"):
        assert translation.gettext("Đăng nhập VNeID") == "Log in with VNeID"
        assert translation.gettext("Phản ánh hiện trường") == "Incident reports"
        assert translation.gettext("Thủ tục hành chính") == "Administrative procedures"
        assert translation.ngettext("%(n)s phản ánh", "%(n)s phản ánh", 1) % {"n": 1} == "1 report"
        assert translation.ngettext("%(n)s phản ánh", "%(n)s phản ánh", 3) % {"n": 3} == "3 reports"
    with translation.override("vi"):
        assert translation.gettext("Đăng nhập VNeID") == "Đăng nhập VNeID"


@pytest.mark.django_db
def test_home_in_english_from_accept_language(client):
    page = client.get(reverse("web:home"), **EN).content.decode()
    assert '<html lang="en">' in page
    for text in ("Log in with VNeID", "Incident reports", "Administrative procedures", "Feedback and ideas",
                 "Skip to main content", "A two-way channel between the government and residents"):
        assert text in page, text
    assert "Đăng nhập VNeID" not in page and "Thủ tục hành chính" not in page


@pytest.mark.django_db
def test_home_defaults_to_vietnamese(client):
    page = client.get(reverse("web:home")).content.decode()
    assert '<html lang="vi">' in page
    assert "Đăng nhập VNeID" in page and "Phản ánh hiện trường" in page and "Thủ tục hành chính" in page
    assert "Log in with VNeID" not in page and "Incident reports" not in page


@pytest.mark.django_db
def test_language_cookie_and_switch_choose_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Log in with VNeID" in client.get(reverse("web:home")).content.decode()

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    assert "Đăng nhập VNeID" in client.get(reverse("web:home")).content.decode()

    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302 and client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Log in with VNeID" in client.get("/").content.decode()


@pytest.mark.django_db
def test_staff_login_in_english(client):
    url = reverse("accounts:staff_login")
    page = client.get(url, **EN).content.decode()
    for text in ("Staff login", "Username", "Password", "Continue",
                 "After your password, you will need to enter the 6-digit code from your authenticator app."):
        assert text in page, text
    assert "Đăng nhập cán bộ" not in page

    wrong = client.post(url, {"username": "nobody", "password": "wrong"}, **EN).content.decode()
    assert "Incorrect username or password." in wrong

    assert "Đăng nhập cán bộ" in client.get(url).content.decode()


@pytest.mark.django_db
def test_report_list_in_english(client, citizen, department: Agency):
    cache.clear()
    category = Category.objects.create(code="gt-mat-duong", group="Giao thông", name="Hư hỏng mặt đường, ổ gà",
                                       default_agency=department)
    services.submit_report(services.ReportInput(category=category.code, description="Ổ gà lớn giữa đường",
                                                lat=10.7769, lon=106.7031), actor=citizen)

    page = client.get(reverse("reports:list"), **EN).content.decode()
    for text in ("Incident reports", "Send a report", "Filter reports", "Status", "Category", "Code or keyword",
                 "Filter", "List", "Finished", "Still open (no result yet)", "Transferred to another agency",
                 '<span class="status status-submitted">Sent</span>'):
        assert text in page, text
    # A category without an English name (an administrator's own) keeps its Vietnamese one; those shipped in the
    # reference data have an English name (agencies.tests / reports.tests.test_resident_flow).
    assert "Hư hỏng mặt đường, ổ gà" in page
    assert "Gửi phản ánh" not in page and "Lọc phản ánh" not in page

    vietnamese = client.get(reverse("reports:list")).content.decode()
    assert "Gửi phản ánh" in vietnamese and "Send a report" not in vietnamese


@pytest.mark.django_db
def test_not_found_page_in_english(client):
    response = client.get("/khong-co-trang-nay", **EN)
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
