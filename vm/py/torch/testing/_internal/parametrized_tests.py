"""`@parametrize` and `instantiate_parametrized_tests`: one generic test method becomes one test
per set of argument values, named after the values as PyTorch names them
(`test_add_x_1_y_2`, `test_cast_float32`, ...).

`@parametrize` only records, on the function, a generator of
(test, name suffix, keyword arguments, decorator function) tuples; stacked decorators multiply
(cartesian product). `instantiate_parametrized_tests(cls)` replaces each recorded method on the
class by the generated tests.
"""

import functools


class subtest:
    """One parametrization case with its own name and/or decorators, e.g.
    `subtest((1, 2), name="small", decorators=[unittest.expectedFailure])`."""

    __slots__ = ["arg_values", "name", "decorators"]

    def __init__(self, arg_values, name=None, decorators=None):
        self.arg_values = arg_values
        self.name = name
        self.decorators = decorators if decorators else []


def _value_name(index, arg_name, value):
    import torch

    if isinstance(value, torch.dtype):
        return str(value).split(".")[-1]
    if isinstance(value, torch.device):
        return str(value)
    if isinstance(value, (int, float, str)):
        # A '.' would break loading the test by name, so 0.5 becomes "0_5".
        return f"{arg_name}_{str(value).replace('.', '_')}"
    return f"{arg_name}{index}"


def _product(first, second):
    """Parametrizes by `first` then `second`; names read second's part first, so the name
    follows the decorators from top to bottom."""

    def combined(test, generic_cls, device_cls):
        for test1, name1, kwargs1, decorators1 in list(first(test, generic_cls, device_cls)):
            for test2, name2, kwargs2, decorators2 in second(test1, generic_cls, device_cls):
                repeated = set(kwargs1) & set(kwargs2)
                if repeated:
                    raise RuntimeError(
                        "Parametrization over the same parameter by multiple parametrization decorators is not "
                        f'supported. For test "{test.__name__}", the following parameters are handled multiple '
                        f"times: {repeated}"
                    )
                name = "_".join(part for part in (name2, name1) if part)

                def decorators(kwargs, d1=decorators1, d2=decorators2):
                    return list(d1(kwargs)) + list(d2(kwargs))

                yield test2, name, {**kwargs1, **kwargs2}, decorators

    return combined


class parametrize:
    """`@parametrize("x,y", [(1, 2), (3, 4)], name_fn=None)`: the test runs once per tuple."""

    def __init__(self, arg_str, arg_values, name_fn=None):
        self.arg_names = [s.strip() for s in arg_str.split(",") if s != ""]
        self.arg_values = arg_values
        self.name_fn = name_fn

    def __call__(self, fn):
        previous = getattr(fn, "parametrize_fn", None)
        fn.parametrize_fn = self._cases if previous is None else _product(previous, self._cases)
        return fn

    def _cases(self, test, generic_cls, device_cls):
        if not self.arg_names:
            yield test, "", {}, lambda _: []
            return
        produced = False
        for index, values in enumerate(self.arg_values):
            produced = True
            explicit_name, decorators, case_test = None, [], test
            if isinstance(values, subtest):
                explicit_name, decorators = values.name, values.decorators
                values = values.arg_values

                # A separate function per subtest, so its decorators do not land on the others.
                @functools.wraps(test)
                def case_test(*args, _test=test, **kwargs):
                    return _test(*args, **kwargs)

            values = list(values) if len(self.arg_names) > 1 else [values]
            if len(values) != len(self.arg_names):
                raise RuntimeError(
                    f"Expected # values == # arg names, but got: {len(values)} values and "
                    f'{len(self.arg_names)} names for test "{test.__name__}"'
                )
            if explicit_name:
                name = explicit_name
            elif self.name_fn:
                name = self.name_fn(*values)
            else:
                name = "_".join(_value_name(index, a, v) for a, v in zip(self.arg_names, values))
            yield case_test, name, dict(zip(self.arg_names, values)), (lambda _, d=decorators: d)
        if not produced:
            raise ValueError(
                f"{test}: An empty arg_values was passed to @parametrize. "
                "Note that this may result from reuse of a generator."
            )


def instantiate_parametrized_tests(generic_cls):
    """Replaces every @parametrize'd method of `generic_cls` by its generated tests; usable as a
    class decorator."""
    for attr_name in tuple(dir(generic_cls)):
        generic = getattr(generic_cls, attr_name)
        if not hasattr(generic, "parametrize_fn"):
            continue
        delattr(generic_cls, attr_name)
        for test, suffix, kwargs, decorator_fn in generic.parametrize_fn(generic, generic_cls, None):
            name = f"{test.__name__}_{suffix}"
            if "." in name:
                raise RuntimeError(f'Test name "{name}" is invalid: it contains a "." character, which breaks '
                                   "loading the test by name")
            for decorator in decorator_fn(kwargs):
                test = decorator(test)

            @functools.wraps(test)
            def instantiated(self, _test=test, _kwargs=kwargs):
                _test(self, **_kwargs)

            if hasattr(generic_cls, name):
                raise AssertionError(f"Redefinition of test {name}")
            setattr(generic_cls, name, instantiated)
    return generic_cls
