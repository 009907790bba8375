"""Domain errors. Each carries a message fit to show the user, and is turned into a response in
one place for each face: for pages, a middleware in core.middleware; for the API, the exception
handlers in minsheng/api.py."""


class DomainError(Exception):
    status = 400

    def __init__(self, message, *, details=None):
        super().__init__(str(message))
        self.message = message
        self.details = details or []


class BadInput(DomainError):
    status = 400


class NotAllowed(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class InvalidTransition(DomainError):
    status = 409


class TooMany(DomainError):
    """A limit on how often something may be done (sign-in codes, guesses) was reached; ``retry_after``
    says in how many seconds it may be done again."""

    status = 429

    def __init__(self, message, *, retry_after: int, details=None):
        super().__init__(message, details=details)
        self.retry_after = retry_after
