"""Dynamo's exception types, named and nested as PyTorch's (`torch._dynamo.exc`)."""


class TorchDynamoException(RuntimeError):
    pass


class InternalTorchDynamoError(TorchDynamoException):
    pass


class RestartAnalysis(TorchDynamoException):
    pass


class SkipFrame(TorchDynamoException):
    pass


class TorchRuntimeError(TorchDynamoException):
    pass


class InvalidBackend(TorchDynamoException):
    def __init__(self, name, suggestions=()):
        hint = ""
        if suggestions:
            hint = " Did you mean: " + ", ".join(repr(s) for s in suggestions) + "?"
        super().__init__(
            f"Invalid backend: {name!r}, see `torch._dynamo.list_backends()` for available backends.{hint}"
        )


class BackendCompilerFailed(TorchDynamoException):
    def __init__(self, backend_fn, inner_exception):
        self.backend_name = getattr(backend_fn, "__name__", "?")
        self.inner_exception = inner_exception
        super().__init__(f"backend={self.backend_name!r} raised:\n{type(inner_exception).__name__}: {inner_exception}")


class Unsupported(TorchDynamoException):
    """Something the tracer cannot put in a graph. Outside fullgraph the frame runs eagerly."""

    def __init__(self, msg, *, case_name=None, gb_type=None):
        super().__init__(msg)
        self.msg = msg
        self.gb_type = gb_type
        self.real_stack = []
        self.compile_id = None
        self.user_stack = None  # the user frames being traced when it was raised


class RecompileError(TorchDynamoException):
    pass


class FailOnRecompileLimitHit(Exception):
    pass


class UserErrorType:
    DYNAMIC_CONTROL_FLOW = "DYNAMIC_CONTROL_FLOW"
    ANTI_PATTERN = "ANTI_PATTERN"
    STANDARD_LIBRARY = "STANDARD_LIBRARY"
    CONSTRAINT_VIOLATION = "CONSTRAINT_VIOLATION"
    DYNAMIC_DIM = "DYNAMIC_DIM"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_OUTPUT = "INVALID_OUTPUT"
    UNSUPPORTED_FAKE_TENSOR = "UNSUPPORTED_FAKE_TENSOR"


class UserError(TorchDynamoException):
    def __init__(self, error_type, msg, case_name=None):
        super().__init__(msg)
        self.error_type = error_type
        self.message = msg


class ObservedException(TorchDynamoException):
    """The traced code raises a Python exception (`None.max()`, `[x][99]`). Tracing has had no
    side effects, so the frame is run eagerly, and raises the same exception with the user's
    own traceback."""

    def __init__(self, exc_type, msg=""):
        super().__init__(f"{exc_type.__name__}: {msg}")
        self.exc_type = exc_type


class ObservedAttributeError(ObservedException):
    def __init__(self, msg=""):
        super().__init__(AttributeError, msg)


class ObservedTypeError(ObservedException):
    def __init__(self, msg=""):
        super().__init__(TypeError, msg)


def unimplemented(msg=None, *, gb_type=None, context="", explanation="", hints=(), gb_id=None):
    """Raises Unsupported. With an explanation, the message is laid out as PyTorch's graph-break
    messages are (type, explanation, hints, debug context, link to the graph-break site)."""
    if explanation:
        msg = f"{gb_type}\n  Explanation: {explanation}\n"
        msg += "".join(f"  Hint: {hint}\n" for hint in hints)
        msg += f"\n  Developer debug context: {context}\n"
        if gb_id is not None:
            msg += ("\n For more details about this graph break, please visit: "
                    f"https://meta-pytorch.github.io/compile-graph-break-site/gb/{gb_id}.html")
    raise Unsupported(msg, gb_type=gb_type)


def raise_observed(exc_type, msg=""):
    raise ObservedException(exc_type, msg)
