import pytest

from desktop.core.importers.text import clean_meta_text, repair_mojibake, strip_invisible_marks


@pytest.mark.parametrize(
    ("raw", "repaired"),
    [
        ("Tjek \u00f0\u009f\u0091\u008f", "Tjek 👏"),
        ("Mobiloverf\u00c3\u00b8rsler", "Mobiloverførsler"),
        ("Un Taxi \u00f0\u009f\u0087\u00a8\u00f0\u009f\u0087\u00b4", "Un Taxi 🇨🇴"),
        ("\u00e2\u009d\u00a4", "❤"),
    ],
)
def test_meta_mojibake_is_repaired(raw: str, repaired: str) -> None:
    assert repair_mojibake(raw) == repaired


@pytest.mark.parametrize("clean", ["café au lait", "plain ascii", "already 👏 fine", "Ärger über Öl", ""])
def test_text_that_is_not_mojibake_is_left_alone(clean: str) -> None:
    assert repair_mojibake(clean) == clean


def test_clean_meta_text_normalizes_to_nfc_and_keeps_emoji() -> None:
    decomposed = "Cafe\u0301 \u00f0\u009f\u0098\u0080"  # "e" + combining acute can't be Latin-1-decoded
    assert clean_meta_text("  Caf\u00c3\u00a9 \u00f0\u009f\u0098\u0080 ") == "Café 😀"
    assert clean_meta_text(decomposed) == decomposed.replace("e\u0301", "é")
    assert clean_meta_text(None) == ""


def test_invisible_direction_marks_are_stripped() -> None:
    assert strip_invisible_marks("\u200e[12/01/2024, 10:00:00] A: hi\u200f") == "[12/01/2024, 10:00:00] A: hi"
