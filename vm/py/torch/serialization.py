"""`torch.save` / `torch.load` in PyTorch's zip format: `ARCHIVE/data.pkl` is a protocol-2
pickle in which each storage is a persistent id ('storage', torch.FloatStorage, key, 'cpu',
numel) and `ARCHIVE/data/KEY` holds its bytes (aligned to 64). Files written here load in
PyTorch and the other way round."""

import builtins
import collections
import contextlib
import io
import os
import pickle
import struct
import zipfile

import torch
from torch import _utils
from torch.storage import TypedStorage, UntypedStorage, legacy_class

DEFAULT_PROTOCOL = 2
_ALIGNMENT = 64

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals"]


# --- saving -----------------------------------------------------------------------------------
class _Pickler(pickle._Pickler):
    def __init__(self, file, protocol):
        super().__init__(file, protocol)
        self.storages = {}  # storage identity -> (key, TypedStorage)
        self.keys = {}  # id of a TypedStorage handed to pickle -> its key

    def reducer_override(self, obj):
        if isinstance(obj, torch.nn.Parameter):
            return (_utils._rebuild_parameter, (obj.detach(), obj.requires_grad, collections.OrderedDict()))
        if isinstance(obj, torch.Tensor):
            storage = self._storage(obj)
            args = (storage, obj.storage_offset(), tuple(obj.shape), obj.stride(), obj.requires_grad,
                    collections.OrderedDict())
            return (_utils._rebuild_tensor_v2, args)
        return NotImplemented

    def _storage(self, t):
        base = t.data_ptr() - t.storage_offset() * t.element_size()
        ident = (base, t.dtype)
        if ident not in self.storages:
            key, storage = str(len(self.storages)), TypedStorage._of(t)
            self.storages[ident] = (key, storage)
            self.keys[id(storage)] = key
        return self.storages[ident][1]

    def persistent_id(self, obj):
        key = self.keys.get(id(obj)) if isinstance(obj, TypedStorage) else None
        if key is None:
            return None
        return ("storage", legacy_class(obj.dtype), key, "cpu", len(obj))


def _aligned_info(name, offset):
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    header = 30 + len(name.encode())
    pad = (-(offset + header + 4)) % _ALIGNMENT
    info.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad  # 'FB' padding record, as PyTorch writes
    return info


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    buf = io.BytesIO()
    pickler = _Pickler(buf, pickle_protocol)
    pickler.dump(obj)
    if isinstance(f, (str, os.PathLike)):
        name = os.path.splitext(os.path.basename(os.fspath(f)))[0] or "archive"
        with builtins.open(f, "wb") as out:
            _write_zip(out, name, buf.getvalue(), pickler.storages.values())
    else:
        _write_zip(f, "archive", buf.getvalue(), pickler.storages.values())


def _write_zip(fileobj, name, data_pkl, storages):
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_STORED) as z:
        def put(rel, data):
            path = f"{name}/{rel}"
            z.writestr(_aligned_info(path, z.fp.tell()), data)

        put("data.pkl", data_pkl)
        put(".format_version", b"1")
        put(".storage_alignment", str(_ALIGNMENT).encode())
        put("byteorder", b"little")
        for key, storage in storages:
            put(f"data/{key}", storage._tensor._to_bytes())
        put("version", b"3\n")


# --- loading ----------------------------------------------------------------------------------
_safe_globals = []


def add_safe_globals(safe_globals):
    _safe_globals.extend(safe_globals)


def get_safe_globals():
    return list(_safe_globals)


def clear_safe_globals():
    _safe_globals.clear()


@contextlib.contextmanager
def safe_globals(globals_list):
    before = list(_safe_globals)
    _safe_globals.extend(globals_list)
    try:
        yield
    finally:
        _safe_globals[:] = before


def _default_allowed():
    allowed = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _utils._rebuild_tensor_v2,
        ("torch._utils", "_rebuild_parameter"): _utils._rebuild_parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): _utils._rebuild_parameter_with_state,
        ("torch", "Size"): torch.Size,
        ("torch", "device"): torch.device,
        ("builtins", "set"): set,
        ("builtins", "frozenset"): frozenset,
        ("builtins", "slice"): slice,
        ("builtins", "complex"): complex,
        ("builtins", "bytearray"): bytearray,
        ("_codecs", "encode"): __import__("codecs").encode,
        ("torch", "UntypedStorage"): UntypedStorage,
    }
    for name in ("FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage", "LongStorage", "IntStorage",
                 "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage"):
        allowed[("torch", name)] = getattr(torch, name)
    for name, value in torch._C._dtypes().items():
        allowed[("torch", name)] = value
    for g in _safe_globals:
        allowed[(g.__module__, g.__qualname__)] = g
    return allowed


class _Unpickler(pickle._Unpickler):
    def __init__(self, file, archive, prefix, weights_only):
        super().__init__(file)
        self.archive = archive
        self.prefix = prefix
        self.weights_only = weights_only
        self.loaded = {}
        self.allowed = _default_allowed() if weights_only else None

    def find_class(self, module, name):
        if self.allowed is not None:
            if (module, name) not in self.allowed:
                raise pickle.UnpicklingError(_weights_only_message(f"{module}.{name}"))
            return self.allowed[(module, name)]
        if module == "torch" and name.endswith("Storage"):
            return getattr(torch, name)
        return super().find_class(module, name)

    def persistent_load(self, saved_id):
        kind, storage_type, key, location, numel = saved_id
        if kind != "storage":
            raise pickle.UnpicklingError(f"Unknown saved id type: {kind}")
        if key not in self.loaded:
            dtype = torch.uint8 if storage_type is UntypedStorage else storage_type.dtype
            data = self.archive.read(f"{self.prefix}data/{key}")
            flat = torch._C._from_bytes(data, [len(data) // dtype.itemsize], dtype)
            self.loaded[key] = TypedStorage(wrap_storage=flat)
        return self.loaded[key]


def _weights_only_message(name):
    return (
        "Weights only load failed. This file can still be loaded, to do so you have two options, \x1b[1mdo those steps "
        "only if you trust the source of the checkpoint\x1b[0m. \n\t(1) In PyTorch 2.6, we changed the default value of "
        "the `weights_only` argument in `torch.load` from `False` to `True`. Re-running `torch.load` with "
        "`weights_only` set to `False` will likely succeed, but it can result in arbitrary code execution. Do it "
        "only if you got the file from a trusted source.\n\t(2) Alternatively, to load with `weights_only=True` "
        "please check the recommended steps in the following error message.\n\tWeightsUnpickler error: "
        f"Unsupported global: GLOBAL {name} was not an allowed global by default. Please use "
        f"`torch.serialization.add_safe_globals([{name.rsplit('.', 1)[-1]}])` or the "
        f"`torch.serialization.safe_globals([{name.rsplit('.', 1)[-1]}])` context manager to allowlist this "
        "global if you trust this class/function.\n\nCheck the documentation of torch.load to learn more about "
        "types accepted by default with weights_only https://pytorch.org/docs/stable/notes/serialization.html#weights-only."
    )


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    if weights_only is None:
        weights_only = True
    if isinstance(f, (str, os.PathLike)):
        with builtins.open(f, "rb") as fh:
            data = fh.read()
    else:
        data = f.read()
    buffer = io.BytesIO(data)
    if not zipfile.is_zipfile(buffer):
        raise RuntimeError(
            "smelt: only PyTorch's zip checkpoint format (PyTorch >= 1.6, the default) can be loaded"
        )
    with zipfile.ZipFile(buffer) as archive:
        names = archive.namelist()
        pkl = next((n for n in names if n.endswith("data.pkl") and n.count("/") == 1), None)
        if pkl is None:
            raise RuntimeError("PytorchStreamReader failed locating file data.pkl: file not found")
        prefix = pkl[: -len("data.pkl")]
        order = prefix + "byteorder"
        if order in names and archive.read(order) != b"little":
            raise RuntimeError("smelt: big-endian checkpoints are not supported")
        unpickler = _Unpickler(io.BytesIO(archive.read(pkl)), archive, prefix, weights_only)
        return unpickler.load()
