"""`torch._C`: the native module, implemented in Rust by smelt as `_smelt`."""

import _smelt

# Private names too: the Python layer calls the native primitives (`_tensor`, `_binary`, ...).
globals().update({k: v for k, v in vars(_smelt).items() if not (k.startswith("__") and k.endswith("__"))})
_smelt_version = _smelt.__version__
_rustpython_version = _smelt.rustpython_version
del _smelt
