"""The one error of the age module."""


class AgeError(Exception):
    """Every failure to parse, unwrap, authenticate or decrypt an age file.

    The message is fixed: a wrong passphrase, a damaged file and a cut-off file read
    the same, so the error tells nothing to an attacker and holds no secret.
    """

    MESSAGE = "The file could not be opened: the passphrase is wrong, or the file is damaged or incomplete."

    def __init__(self, *args: object) -> None:
        super().__init__(self.MESSAGE)
