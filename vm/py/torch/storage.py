"""Storages as `torch.save` sees them: a flat run of elements that tensors view with an offset
and strides. smelt's tensors own their storage natively; these classes exist so checkpoints
name the same storage types PyTorch's do (`torch.FloatStorage` ...)."""

import torch
from torch import _C


class TypedStorage:
    """Elements of one dtype, held as a 1-D tensor over the whole storage."""

    def __init__(self, *args, wrap_storage=None, dtype=None, device=None, _internal=False):
        if wrap_storage is not None:
            self._tensor = wrap_storage
        else:
            size = args[0] if args else 0
            self._tensor = _C._full([size], 0, dtype or self._default_dtype())
        self.dtype = self._tensor.dtype

    @classmethod
    def _default_dtype(cls):
        return getattr(cls, "_dtype", None) or torch.float32

    @property
    def device(self):
        return torch.device("cpu")

    def size(self):
        return self._tensor.numel()

    def __len__(self):
        return self._tensor.numel()

    def nbytes(self):
        return self._tensor.numel() * self._tensor.element_size()

    def tolist(self):
        return self._tensor.tolist()

    def __getitem__(self, i):
        return self._tensor[i].item()

    def data_ptr(self):
        return self._tensor.data_ptr()

    def __repr__(self):
        values = "\n".join(f" {v}" for v in self._tensor.tolist())
        return f"{values}\n[{type(self).__module__}.{type(self).__name__}(dtype={self.dtype}, device=cpu) of size {len(self)}]"

    @classmethod
    def _of(cls, tensor):
        """The whole storage under `tensor`, as a 1-D tensor."""
        return cls(wrap_storage=tensor._as_strided([tensor._storage_numel()], [1], 0))


class UntypedStorage(TypedStorage):
    _dtype = None

    @classmethod
    def _default_dtype(cls):
        return torch.uint8


def _legacy(name, dtype_name):
    cls = type(name, (TypedStorage,), {"_dtype": getattr(torch, dtype_name), "__module__": "torch"})
    cls.dtype = getattr(torch, dtype_name)
    return cls


FloatStorage = _legacy("FloatStorage", "float32")
DoubleStorage = _legacy("DoubleStorage", "float64")
HalfStorage = _legacy("HalfStorage", "float16")
BFloat16Storage = _legacy("BFloat16Storage", "bfloat16")
LongStorage = _legacy("LongStorage", "int64")
IntStorage = _legacy("IntStorage", "int32")
ShortStorage = _legacy("ShortStorage", "int16")
CharStorage = _legacy("CharStorage", "int8")
ByteStorage = _legacy("ByteStorage", "uint8")
BoolStorage = _legacy("BoolStorage", "bool")

_BY_DTYPE = {c._dtype: c for c in (FloatStorage, DoubleStorage, HalfStorage, BFloat16Storage, LongStorage,
                                   IntStorage, ShortStorage, CharStorage, ByteStorage, BoolStorage)}


def legacy_class(dtype):
    return _BY_DTYPE[dtype]
