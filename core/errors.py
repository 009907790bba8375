"""Domain errors. Each carries a message fit to show the user; views and the API turn them
into responses in one place (core.middleware for pages, the API's exception handlers)."""


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
