class InvalidBundle(Exception):
    pass


class Bundle:
    pass
