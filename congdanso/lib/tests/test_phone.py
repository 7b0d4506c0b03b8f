import pytest

from congdanso.lib.phone import PhoneRejected, display, parse


@pytest.mark.parametrize("typed", [
    "0912345678", "0912 345 678", "091.234.5678", "(091) 234-5678", "+84 912 345 678", "+84912345678",
    "84912345678", "0084 912 345 678", "+84 0912 345 678", " 0912\u00a0345\u00a0678 ",
])
def test_every_way_of_writing_a_mobile_is_one_number(typed):
    phone = parse(typed)
    assert phone.e164 == "+84912345678" and phone.mobile
    assert phone.national == "0912345678" and phone.display == "0912 345 678"


@pytest.mark.parametrize("typed", ["0321234567", "0559876543", "0701234567", "0861234567", "0991234567"])
def test_renumbered_mobile_prefixes(typed):
    assert parse(typed).mobile


def test_a_fixed_line_is_a_number_but_not_a_mobile():
    phone = parse("028 3823 4567")
    assert phone.e164 == "+842838234567" and not phone.mobile and phone.display == "028 3823 4567"
    assert parse("+84 28 3823 4567") == phone


@pytest.mark.parametrize(("typed", "reason"), [
    ("", "empty"), ("  - ", "empty"), ("0912abc678", "characters"), ("091234567８", "characters"),
    ("+1 415 555 0100", "foreign"), ("0044 20 7946 0958", "foreign"),
    ("091234567", "invalid"), ("09123456789", "invalid"), ("1022", "invalid"), ("0112345678", "invalid"),
    ("0412345678", "invalid"), ("0212345678", "invalid"),  # old 11-digit prefixes and too-short fixed lines
])
def test_what_is_refused(typed, reason):
    with pytest.raises(PhoneRejected) as caught:
        parse(typed)
    assert caught.value.reason == reason


def test_display_of_a_stored_number():
    assert display("+84912345678") == "0912 345 678"
    assert display("not a number") == "not a number"
