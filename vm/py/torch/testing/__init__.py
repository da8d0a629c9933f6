"""`torch.testing`: assert_close and make_tensor."""

from torch.testing._comparison import assert_close, assert_allclose, make_tensor

__all__ = ["assert_close", "make_tensor"]
