"""The one error the crypto core raises for anything it cannot open."""


class IntegrityError(Exception):
    """Raised for every failure to parse, authenticate or decrypt.

    The message is fixed on purpose: it never says which check failed, so an
    attacker learns nothing from it, and no key or plaintext can end up in it.
    """

    def __init__(self, *args: object) -> None:
        super().__init__("integrity check failed")
