"""Field encryption with key rotation, and blind indexes."""

from __future__ import annotations

import unicodedata

import pytest

from congdanso.lib import crypto
from congdanso.lib.crypto import DecryptionError

OLD = "old key: a long random passphrase 1"
NEW = "new key: another long random passphrase 2"
CLEAR = "079203001234 — Nguyễn Thị Lan"


def test_round_trip_keeps_vietnamese_text() -> None:
    token = crypto.encrypt(CLEAR, [NEW])
    assert token != CLEAR
    assert "079203001234" not in token
    assert crypto.decrypt(token, [NEW]) == CLEAR


def test_same_value_encrypts_differently_each_time() -> None:
    assert crypto.encrypt(CLEAR, [NEW]) != crypto.encrypt(CLEAR, [NEW])


def test_empty_string_round_trips() -> None:
    assert crypto.decrypt(crypto.encrypt("", [NEW]), [NEW]) == ""


def test_old_key_still_decrypts_after_a_new_key_is_added() -> None:
    token = crypto.encrypt(CLEAR, [OLD])
    assert crypto.decrypt(token, [NEW, OLD]) == CLEAR


def test_first_key_encrypts() -> None:
    token = crypto.encrypt(CLEAR, [NEW, OLD])
    assert crypto.decrypt(token, [NEW]) == CLEAR
    with pytest.raises(DecryptionError):
        crypto.decrypt(token, [OLD])


def test_rotate_moves_a_value_to_the_newest_key() -> None:
    token = crypto.encrypt(CLEAR, [OLD])
    rotated = crypto.rotate(token, [NEW, OLD])
    assert rotated != token
    # Once rotated, the old key can be retired.
    assert crypto.decrypt(rotated, [NEW]) == CLEAR
    with pytest.raises(DecryptionError):
        crypto.decrypt(rotated, [OLD])


def test_rotate_with_no_matching_key_raises_decryption_error() -> None:
    token = crypto.encrypt(CLEAR, [OLD])
    with pytest.raises(DecryptionError):
        crypto.rotate(token, [NEW])


def test_wrong_key_raises_decryption_error() -> None:
    token = crypto.encrypt(CLEAR, [OLD])
    with pytest.raises(DecryptionError):
        crypto.decrypt(token, [NEW])


@pytest.mark.parametrize("garbage", ["", "not-a-token", "gAAAAA" + "x" * 80, "Nguyễn"])
def test_garbage_raises_decryption_error(garbage: str) -> None:
    with pytest.raises(DecryptionError):
        crypto.decrypt(garbage, [NEW])


def test_tampered_token_raises_decryption_error() -> None:
    token = crypto.encrypt(CLEAR, [NEW])
    tampered = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    with pytest.raises(DecryptionError):
        crypto.decrypt(tampered, [NEW])


def test_no_keys_is_a_configuration_error() -> None:
    with pytest.raises(ValueError) as info:
        crypto.encrypt(CLEAR, [])
    assert not isinstance(info.value, DecryptionError)
    with pytest.raises(ValueError) as info:
        crypto.decrypt("whatever", [])
    assert not isinstance(info.value, DecryptionError)


def test_blind_index_is_stable_hex_sha256() -> None:
    first = crypto.blind_index("079203001234", NEW)
    assert first == crypto.blind_index("079203001234", NEW)
    assert len(first) == 64
    int(first, 16)
    assert "079203001234" not in first


@pytest.mark.parametrize(
    "variant",
    [
        "079203001234",
        " 079 203 001 234 ",
        "079203001234\n",
        "０７９２０３００１２３４",  # full-width digits, as some phone keyboards type them
    ],
)
def test_blind_index_normalises_spaces_and_width(variant: str) -> None:
    assert crypto.blind_index(variant, NEW) == crypto.blind_index("079203001234", NEW)


def test_blind_index_normalises_case_and_unicode_form() -> None:
    nfc = unicodedata.normalize("NFC", "Nguyễn Thị Lan")
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfc != nfd
    expected = crypto.blind_index("nguyễnthịlan", NEW)
    assert crypto.blind_index(nfc, NEW) == expected
    assert crypto.blind_index(nfd, NEW) == expected
    assert crypto.blind_index("NGUYỄN THỊ LAN", NEW) == expected


def test_blind_index_keeps_diacritics_distinct() -> None:
    # Normalised, not folded: "Lan" and "Lán" are different people.
    assert crypto.blind_index("Lan", NEW) != crypto.blind_index("Lán", NEW)


def test_blind_index_differs_per_key_and_per_value() -> None:
    assert crypto.blind_index("079203001234", NEW) != crypto.blind_index("079203001234", OLD)
    assert crypto.blind_index("079203001234", NEW) != crypto.blind_index("079203001235", NEW)


def test_blind_index_refuses_an_empty_key() -> None:
    with pytest.raises(ValueError):
        crypto.blind_index("079203001234", "")
