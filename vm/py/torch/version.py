"""Version information, laid out as PyTorch's `torch.version`."""

from _smelt import __version__ as smelt

# The PyTorch release whose API smelt follows, with smelt's own version as the local part.
__version__ = "2.9.0+smelt." + smelt
git_version = "smelt-" + smelt
cuda = None
hip = None
debug = False
