"""Grad mode: `no_grad`, `enable_grad`, `set_grad_enabled`, `inference_mode`, usable as context
managers and as decorators. The flag itself is native and per thread (`torch._C`)."""

import functools

from torch import _C


class _GradModeContext:
    """Sets grad mode on entry, restores the previous mode on exit; as a decorator, wraps each
    call of the function (generators too: each resumption runs under the mode)."""

    _mode = True

    # As PyTorch's, an instance remembers one previous mode (`prev`, set on entry): leaving a
    # fresh `enable_grad()` raises AttributeError, a fresh `no_grad()` restores False.
    def __enter__(self):
        self.prev = _C.is_grad_enabled()
        _C._set_grad_enabled(self._mode)
        return None

    def __exit__(self, *exc):
        _C._set_grad_enabled(self.prev)
        return False

    def clone(self):
        return self.__class__()

    def __call__(self, fn):
        import inspect

        if inspect.isgeneratorfunction(fn):

            @functools.wraps(fn)
            def gen_wrapper(*args, **kwargs):
                gen = fn(*args, **kwargs)
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with self.clone():
                            gen.close()
                        raise
                    except BaseException as e:
                        with self.clone():
                            response = gen.throw(e)
                    else:
                        with self.clone():
                            response = gen.send(request)

            return gen_wrapper

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    _mode = False

    def __init__(self):
        self.prev = False


class enable_grad(_GradModeContext):
    _mode = True


class set_grad_enabled(_GradModeContext):
    """Takes effect on construction (so a plain call works), like PyTorch's."""

    def __init__(self, mode):
        self._mode = bool(mode)
        self.prev = _C.is_grad_enabled()
        _C._set_grad_enabled(self._mode)

    def __enter__(self):
        # Construction already switched the mode; entering only marks the restore point.
        return None

    def clone(self):
        return self.__class__(self._mode)

    def __call__(self, fn):
        _C._set_grad_enabled(self.prev)
        return super().__call__(fn)


class inference_mode(_GradModeContext):
    """Grad mode off (smelt has no separate inference tensors)."""

    def __init__(self, mode=True):
        self._mode = not mode

    def clone(self):
        return self.__class__(not self._mode)

    def __new__(cls, mode_or_fn=True):
        if callable(mode_or_fn):
            return cls()(mode_or_fn)
        return super().__new__(cls)


def is_grad_enabled():
    return _C.is_grad_enabled()


def is_inference_mode_enabled():
    return False
