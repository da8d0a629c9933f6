"""smelt's torch: the PyTorch API, implemented by smelt (frozen into the smelt binary).

The native half lives in the `_smelt` module (re-exported as `torch._C`); this package holds
the parts PyTorch itself writes in Python.
"""

from torch import _C
from torch.version import __version__

__all__ = ["__version__"]
