"""Names for backends: `torch.compile(backend="eager")` looks the string up here."""

_COMPILER_FNS = {}
_BACKEND_TAGS = {}


def register_backend(compiler_fn=None, name=None, tags=()):
    """Adds a compiler `fn(gm, example_inputs) -> callable` under `name` (decorator or call)."""
    if compiler_fn is None:
        return lambda fn: register_backend(fn, name=name, tags=tags)
    name = name or compiler_fn.__name__
    if name in _COMPILER_FNS and _COMPILER_FNS[name] is not compiler_fn:
        raise AssertionError(f"duplicate name: {name}")
    _COMPILER_FNS[name] = compiler_fn
    _BACKEND_TAGS[name] = tuple(tags)
    return compiler_fn


def _load_builtin():
    from torch._dynamo.backends import debugging, inductor  # noqa: F401  (register on import)


def lookup_backend(compiler_fn):
    """A backend given by name becomes its function; a callable is returned as is."""
    if isinstance(compiler_fn, str):
        _load_builtin()
        if compiler_fn not in _COMPILER_FNS:
            import difflib

            from torch._dynamo.exc import InvalidBackend

            raise InvalidBackend(compiler_fn, difflib.get_close_matches(compiler_fn, list_backends(), n=2))
        return _COMPILER_FNS[compiler_fn]
    return compiler_fn


def list_backends(exclude_tags=("debug", "experimental")) -> list[str]:
    """Names `torch.compile(backend=...)` accepts. "inductor" (the default) and "smelt" are smelt's
    native JIT."""
    _load_builtin()
    excluded = set(exclude_tags or ())
    return sorted(name for name in _COMPILER_FNS if not excluded.intersection(_BACKEND_TAGS.get(name, ())))
