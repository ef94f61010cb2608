class VerificationPolicy:
    pass


class Identity(VerificationPolicy):
    pass


class AnyOf(VerificationPolicy):
    pass


class AllOf(VerificationPolicy):
    pass
