"""tfhub's exceptions: one class per status code, each also the builtin a
Python caller would expect (``except FileNotFoundError`` works for a missing
model). Every one is a :class:`Error` with ``.code`` (the status name, e.g.
``"not_found"``) and ``.message`` (the CLI's message, also ``str(e)``).

=====================  ===========================  =========================
code                   class                        also a
=====================  ===========================  =========================
not_found              NotFoundError                FileNotFoundError
invalid_argument       InvalidArgumentError         ValueError
permission_denied      PermissionDeniedError        PermissionError
unavailable            UnavailableError             ConnectionError
deadline_exceeded      DeadlineExceededError        TimeoutError
failed_precondition    FailedPreconditionError      OSError
data_loss              DataLossError                OSError
resource_exhausted     ResourceExhaustedError       OSError
already_exists         AlreadyExistsError           FileExistsError
unimplemented          UnimplementedError           NotImplementedError
aborted                AbortedError                 ConnectionError
out_of_range, internal: Error itself
=====================  ===========================  =========================

Invalid archives ("... does not appear to be a valid module.") are
invalid_argument, hence ValueError; network failures are ConnectionError or
TimeoutError (both OSError): unavailable for one that was not retried,
aborted once the retries are exhausted ("... failed after 5 attempts"; a
download cancelled by Ctrl-C raises KeyboardInterrupt instead); TLS failures
are failed_precondition (OSError).
"""

__all__ = [
    "Error", "NotFoundError", "InvalidArgumentError", "PermissionDeniedError",
    "UnavailableError", "DeadlineExceededError", "FailedPreconditionError",
    "DataLossError", "ResourceExhaustedError", "AlreadyExistsError",
    "UnimplementedError", "AbortedError", "from_status",
]


class Error(Exception):
    """A failed tfhub call: ``.code`` is the status name, ``.message`` the text."""

    code = "unknown"

    def __init__(self, message="", code=None):
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self):
        return self.args[0] if self.args else ""

    def __str__(self):
        return str(self.message)


class NotFoundError(Error, FileNotFoundError):
    code = "not_found"


class InvalidArgumentError(Error, ValueError):
    code = "invalid_argument"


class PermissionDeniedError(Error, PermissionError):
    code = "permission_denied"


class UnavailableError(Error, ConnectionError):
    code = "unavailable"


class DeadlineExceededError(Error, TimeoutError):
    code = "deadline_exceeded"


class FailedPreconditionError(Error, OSError):
    code = "failed_precondition"


class DataLossError(Error, OSError):
    code = "data_loss"


class ResourceExhaustedError(Error, OSError):
    code = "resource_exhausted"


class AlreadyExistsError(Error, FileExistsError):
    code = "already_exists"


class UnimplementedError(Error, NotImplementedError):
    code = "unimplemented"


class AbortedError(Error, ConnectionError):
    code = "aborted"


_BY_CODE = {cls.code: cls for cls in (AbortedError,
    NotFoundError, InvalidArgumentError, PermissionDeniedError, UnavailableError,
    DeadlineExceededError, FailedPreconditionError, DataLossError,
    ResourceExhaustedError, AlreadyExistsError, UnimplementedError)}


def from_status(code, message):
    """The exception for a tfhub status (what the extension raises)."""
    return _BY_CODE.get(code, Error)(message, code=code)
