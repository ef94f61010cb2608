from . import policy  # noqa: F401


class Verifier:
    pass
