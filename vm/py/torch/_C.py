"""`torch._C`: the native module, implemented in Rust by smelt as `_smelt`."""

from _smelt import *  # noqa: F401,F403
from _smelt import __version__ as _smelt_version, rustpython_version as _rustpython_version  # noqa: F401
