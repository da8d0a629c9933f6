"""Turns a module of plain assignments into a settings module (`install_config_module`).

A config file such as torch/_dynamo/config.py is ordinary Python: `verbose = False`,
`recompile_limit = 8`, `cache_size_limit: int = Config(alias=...)`, nested `class triton:`
blocks. Installing it moves every setting out of the module's namespace into a table of
entries and swaps the module's class, so that afterwards
  * reading or writing a known setting goes through the table (writes are per thread: the
    value lives in a ContextVar, as in PyTorch),
  * writing an unknown name raises AttributeError instead of silently adding a typo'd setting,
  * `patch(...)` changes settings temporarily, as a context manager or as a decorator on
    functions and unittest.TestCase classes, and puts the previous values back on exit, also
    when the body raised.
"""

import contextlib
import copy
import importlib
import os
import pickle
import unittest
import warnings
from contextvars import ContextVar
from types import FunctionType, ModuleType

# Value types a plain assignment may have to become a setting.
CONFIG_TYPES = (int, float, bool, type(None), str, list, set, tuple, dict)

# Values of these types can be handed out as they are; anything else is copied so that
# mutating what a reader got back cannot change the default.
_IMMUTABLE_TYPES = (int, float, bool, type(None), str, tuple)

_UNSET = object()


class _Config:
    """A setting declared with `Config(...)`: a default plus where else its value may come from.

    Precedence when reading: alias target, then `env_name_force`, then a value the program set,
    then `env_name_default`, then `default`. `justknob` names a Meta-internal feature switch;
    open-source PyTorch reads the default in its place, and so does this.
    """

    def __init__(self, default=_UNSET, justknob=None, env_name_default=None, env_name_force=None, value_type=None,
                 alias=None, deprecated=False, deprecation_message=None):
        if alias is not None and (default is not _UNSET or justknob is not None or env_name_default is not None
                                  or env_name_force is not None):
            raise AssertionError(
                "if alias is set, none of {default, justknob, env_name_default and env_name_force} can be set"
            )
        self.default = default
        self.justknob = justknob
        self.env_name_default = _as_name_list(env_name_default)
        self.env_name_force = _as_name_list(env_name_force)
        self.value_type = value_type
        self.alias = alias
        self.deprecated = deprecated
        self.deprecation_message = deprecation_message


def Config(default=_UNSET, justknob=None, env_name_default=None, env_name_force=None, value_type=None, alias=None,
           deprecated=False, deprecation_message=None):
    return _Config(default, justknob, env_name_default, env_name_force, value_type, alias, deprecated,
                   deprecation_message)


def _as_name_list(names):
    if names is None or isinstance(names, list):
        return names
    if isinstance(names, str):
        return [names]
    raise AssertionError(f"val is not a list, got {type(names)}")


def _read_env(name):
    # "1"/"0" are the on/off spellings; any other text is passed through as a string.
    value = os.environ.get(name)
    return {"1": True, "0": False}.get(value, value)


def _first_env(names):
    for name in names or ():
        value = _read_env(name)
        if value is not None:
            return value
    return _UNSET


class _Entry:
    """One installed setting."""

    def __init__(self, declared, name):
        self.default = declared.default
        self.value_type = declared.value_type if declared.value_type is not None else type(declared.default)
        self.alias = declared.alias
        self.deprecated = declared.deprecated
        self.deprecation_message = declared.deprecation_message
        self.warned = False
        self.override = ContextVar(name, default=_UNSET)
        self.env_force = _first_env(declared.env_name_force)
        self.env_default = _first_env(declared.env_name_default)
        # unittest.mock.patch.object deletes a patched attribute on exit and only puts the old
        # value back if the attribute then looks missing; `hide` makes it look missing until
        # the next write.
        self.hide = False

    def peek(self):
        """The current value (aliases are resolved by the module), without copying."""
        if self.env_force is not _UNSET:
            return self.env_force
        override = self.override.get()
        if override is not _UNSET:
            return override
        if self.env_default is not _UNSET:
            return self.env_default
        return self.default

    def value(self):
        """The current value as an attribute read hands it out."""
        value = self.peek()
        if value is not self.default or isinstance(value, _IMMUTABLE_TYPES):
            return value
        # A mutable default: hand out a private copy and remember it, so in-place edits of
        # what the reader got stick like a write would, and the default itself stays intact.
        mine = copy.deepcopy(self.default)
        self.override.set(mine)
        return mine


def install_config_module(module):
    """Converts the settings assigned in `module` into a ConfigModule, in place."""
    table = {}

    def visit(source, dest, prefix):
        annotations = dict(getattr(source, "__annotations__", None) or {})
        for key, value in list(vars(source).items()):
            if key.startswith("__") or isinstance(value, (ModuleType, FunctionType)):
                continue
            if isinstance(value, type) and issubclass(value, _Config):
                continue
            if getattr(value, "__module__", None) == "typing" or str(getattr(value, "__module__", "")).startswith(
                    "collections.abc"):
                continue
            name = prefix + key
            if isinstance(value, CONFIG_TYPES):
                table[name] = _Entry(_Config(default=value, value_type=annotations.get(key)), name)
            elif isinstance(value, _Config):
                if value.value_type is None:
                    value.value_type = annotations.get(key)
                table[name] = _Entry(value, name)
            elif isinstance(value, type):
                # `class triton:` inside the config file groups settings as `triton.x`.
                if value.__module__ != module.__name__:
                    raise AssertionError(f"subconfig class {value} must be defined in module {module.__name__}")
                proxy = SubConfigProxy(module, name + ".")
                visit(value, proxy, name + ".")
                if dest is module:
                    setattr(module, key, proxy)
                continue
            else:
                raise AssertionError(f"Unhandled config {key}={value} ({type(value)})")
            if dest is module:
                delattr(module, key)

    visit(module, module, "")
    module._config = table

    # A class of its own per config module, as in PyTorch (type(config).__name__ reads the same).
    class ConfigModuleInstance(ConfigModule):
        pass

    module.__class__ = ConfigModuleInstance


class ConfigModule(ModuleType):
    """The class an installed config module has; see the module docstring."""

    _config: dict
    # Module attributes that are not settings but may still be assigned.
    _bypass_keys = frozenset({"__annotations__", "__doc__", "__file__", "__loader__", "__spec__", "__package__"})

    def __init__(self):
        raise NotImplementedError(f"use {__name__}.install_config_module(sys.modules[__name__])")

    def _warn_if_deprecated(self, name, entry):
        if entry.deprecated and not entry.warned:
            text = f"{self.__name__}.{name} is deprecated"
            if entry.deprecation_message:
                text += f" and {entry.deprecation_message}"
            warnings.warn(text + ". It will be removed in a future version of PyTorch.", FutureWarning, stacklevel=3)
            entry.warned = True

    def _alias_target(self, entry):
        """(module, attribute name) an alias entry reads and writes, else None."""
        if entry.alias is None:
            return None
        module_name, attr = entry.alias.rsplit(".", 1)
        try:
            return importlib.import_module(module_name), attr
        except ImportError as e:
            raise AttributeError(f"config alias {entry.alias} does not exist") from e

    def __getattr__(self, name):
        table = ModuleType.__getattribute__(self, "__dict__").get("_config")
        entry = None if table is None else table.get(name)
        if entry is None or entry.hide:
            raise AttributeError(f"{self.__name__}.{name} does not exist")
        self._warn_if_deprecated(name, entry)
        target = self._alias_target(entry)
        if target is not None:
            return getattr(*target)
        return entry.value()

    def __setattr__(self, name, value):
        if name in self._bypass_keys:
            ModuleType.__setattr__(self, name, value)
            return
        entry = self._config.get(name)
        if entry is None:
            raise AttributeError(f"{self.__name__}.{name} does not exist")
        self._warn_if_deprecated(name, entry)
        target = self._alias_target(entry)
        if target is not None:
            setattr(*target, value)
            return
        entry.override.set(value)
        entry.hide = False

    def __delattr__(self, name):
        # Only unittest.mock uses this (see _Entry.hide): drop the value the program set.
        entry = self._config[name]
        entry.override.set(_UNSET)
        entry.hide = True

    def get_type(self, config_name):
        return self._config[config_name].value_type

    def _is_default(self, name):
        """True when nothing (program or environment) changed the setting from its default."""
        entry = self._config[name]
        override = entry.override.get()
        unset = override is _UNSET or (not isinstance(entry.default, _IMMUTABLE_TYPES) and override == entry.default)
        env_ok = all(v is _UNSET or v == entry.default for v in (entry.env_force, entry.env_default))
        return unset and env_ok

    def _get_dict(self, ignored_keys=None, ignored_prefixes=None, skip_default=False):
        result = {}
        for key, entry in self._config.items():
            if entry.alias is not None or (ignored_keys and key in ignored_keys):
                continue
            if ignored_prefixes and any(key.startswith(p) for p in ignored_prefixes):
                continue
            if skip_default and self._is_default(key):
                continue
            value = entry.peek()
            result[key] = value if isinstance(value, _IMMUTABLE_TYPES) else copy.deepcopy(value)
        return result

    def get_config_copy(self):
        """Every setting (aliases left out) and its current value, as a fresh dict."""
        return self._get_dict()

    def get_serializable_config_copy(self):
        return self._get_dict(ignored_keys=getattr(self, "_save_config_ignore", []))

    def save_config(self):
        """The current settings as a pickled blob for `load_config`."""
        return pickle.dumps(self._get_dict(ignored_keys=getattr(self, "_save_config_ignore", [])), protocol=2)

    def load_config(self, maybe_pickled_config):
        """Applies settings saved by `save_config` (bytes) or taken by `get_config_copy` (dict)."""
        config = maybe_pickled_config
        if not isinstance(config, dict):
            config = pickle.loads(config)
        for key, value in config.items():
            if key in self._config:
                setattr(self, key, value)
            else:
                warnings.warn(f"key {key} with value {value} is not understood by this config", stacklevel=2)

    def patch(self, arg1=None, arg2=None, **kwargs):
        """Temporary setting changes: `patch("name", value)`, `patch({"name": value})` or
        `patch(name=value)`, used as `with config.patch(...):` or as a decorator."""
        if arg1 is not None:
            if arg2 is not None:
                if not isinstance(arg1, str):
                    raise AssertionError("first argument must be a string when passing 2 positional args to patch")
                changes = {arg1: arg2}
            else:
                if not isinstance(arg1, dict):
                    raise AssertionError(
                        "first argument must be a dict when passing a single positional arg to patch"
                    )
                changes = arg1
            if kwargs:
                raise AssertionError("cannot pass both positional and keyword arguments to patch")
        else:
            if arg2 is not None:
                raise AssertionError(
                    "second positional argument is only valid when first argument is a key string"
                )
            changes = kwargs
        if not isinstance(changes, dict):
            raise AssertionError(f"expected `dict` got {type(changes)}")
        return _ConfigPatch(self, changes)

    def _resolve(self, key):
        """The place a write to `key` lands: (config module, name, entry) following aliases
        through config modules, or (other module, attribute, None) when an alias leaves them."""
        module, seen = self, set()
        while True:
            if (id(module), key) in seen:
                raise ValueError(f"config alias cycle at {module.__name__}.{key}")
            seen.add((id(module), key))
            if key not in module._config:
                raise AttributeError(f"{module.__name__}.{key} does not exist")
            entry = module._config[key]
            target = module._alias_target(entry)
            if target is None:
                return module, key, entry
            module, key = target
            if not isinstance(module, ConfigModule):
                return module, key, None


class ContextDecorator(contextlib.ContextDecorator):
    """contextlib.ContextDecorator that also decorates unittest.TestCase classes: the context
    is then held from setUpClass to tearDownClass."""

    def __call__(self, func):
        if isinstance(func, type) and issubclass(func, unittest.TestCase):
            patch = self

            class _PatchedTestCase(func):
                @classmethod
                def setUpClass(cls):
                    patch.__enter__()
                    try:
                        super().setUpClass()
                    except Exception:
                        patch.__exit__(None, None, None)
                        raise

                @classmethod
                def tearDownClass(cls):
                    try:
                        super().tearDownClass()
                    finally:
                        patch.__exit__(None, None, None)

            _PatchedTestCase.__name__ = func.__name__
            _PatchedTestCase.__qualname__ = func.__qualname__
            _PatchedTestCase.__module__ = func.__module__
            return _PatchedTestCase
        return super().__call__(func)


class _ConfigPatch(ContextDecorator):
    def __init__(self, config, changes):
        self.config = config
        self.changes = changes
        # One saved state per active `with`, so the same patch object can be re-entered
        # (a decorated function calling itself).
        self._saved = []

    def __enter__(self):
        # Resolve every name before changing anything, so a typo leaves all settings alone.
        targets = [self.config._resolve(key) for key in self.changes]
        saved = []
        for module, name, entry in targets:
            if entry is not None:
                saved.append((entry, entry.override.get(), entry.hide))
            else:
                saved.append((module, name, getattr(module, name)))
        self._saved.append(saved)
        try:
            for key, value in self.changes.items():
                setattr(self.config, key, value)
        except Exception:
            self._restore(self._saved.pop())
            raise

    def __exit__(self, exc_type, exc_value, traceback):
        if not self._saved:
            raise AssertionError("prior should not be empty when exiting ConfigPatch")
        self._restore(self._saved.pop())

    @staticmethod
    def _restore(saved):
        for item in reversed(saved):
            if isinstance(item[0], _Entry):
                entry, override, hide = item
                entry.override.set(override)
                entry.hide = hide
            else:
                setattr(*item)


class SubConfigProxy:
    """`config.triton` for a nested `class triton:` block: reads and writes `triton.<name>`."""

    def __init__(self, config, prefix):
        object.__setattr__(self, "_config", config)
        object.__setattr__(self, "_prefix", prefix)

    def __setattr__(self, name, value):
        self._config.__setattr__(self._prefix + name, value)

    def __getattr__(self, name):
        return self._config.__getattr__(self._prefix + name)

    def __delattr__(self, name):
        self._config.__delattr__(self._prefix + name)


def get_tristate_env(name, default=None):
    value = os.environ.get(name)
    if value == "1":
        return True
    if value == "0":
        return False
    return default
