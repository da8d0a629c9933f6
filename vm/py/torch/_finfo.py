"""`torch.finfo` and `torch.iinfo`: numeric limits of floating and integer dtypes."""

from torch import _C

_D = _C._dtypes()

# bits, eps, max, smallest normal, tiny, resolution
_FLOAT = {
    "float16": (16, 0.0009765625, 65504.0, 6.103515625e-05, 0.001),
    "bfloat16": (16, 0.0078125, 3.3895313892515355e38, 1.1754943508222875e-38, 0.01),
    "float32": (32, 1.1920928955078125e-07, 3.4028234663852886e38, 1.1754943508222875e-38, 1e-06),
    "float64": (64, 2.220446049250313e-16, 1.7976931348623157e308, 2.2250738585072014e-308, 1e-15),
}

_INT = {
    "uint8": (8, 0, 255),
    "int8": (8, -128, 127),
    "int16": (16, -32768, 32767),
    "int32": (32, -2147483648, 2147483647),
    "int64": (64, -9223372036854775808, 9223372036854775807),
    "bool": (8, 0, 1),
}


def _name_of(dtype):
    return repr(dtype).split(".", 1)[1]


class finfo:
    __module__ = "torch"

    def __init__(self, type=None):
        if type is None:
            type = _D["float32"]
        name = _name_of(type)
        if name not in _FLOAT:
            raise TypeError(f"torch.finfo() requires a floating point input type. Use torch.iinfo to handle '{name}'")
        self.bits, self.eps, self.max, self.smallest_normal, self.resolution = _FLOAT[name]
        self.min = -self.max
        self.tiny = self.smallest_normal
        self.dtype = name

    def __repr__(self):
        return (
            f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
            f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})"
        )


class iinfo:
    __module__ = "torch"

    def __init__(self, type):
        name = _name_of(type)
        if name not in _INT:
            raise TypeError(f"torch.iinfo() requires an integer input type. Use torch.finfo to handle '{name}'")
        self.bits, self.min, self.max = _INT[name]
        self.dtype = name

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
