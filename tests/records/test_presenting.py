"""Masking: how much of a secret value a masked record shows."""

from records.presenting import MASK, mask_partly


def test_long_values_show_their_last_four_characters():
    assert mask_partly("4242424242424242") == "•••• 4242"
    assert mask_partly("DE89370400440532013000") == "•••• 3000"


def test_middling_values_show_two_and_short_ones_none():
    assert mask_partly("C01X00T47") == "•••• 47"
    assert mask_partly("12345") == MASK == "••••"


def test_separators_do_not_count_and_are_not_shown():
    assert mask_partly("T22 000-129") == "•••• 29"
