"""Types Dynamo hands to user callbacks."""

import types
from typing import NamedTuple


class GuardFail(NamedTuple):
    """What `optimize(guard_fail_fn=...)` is called with: why a cached entry's guards failed
    (`"0/0: tensor 'x' size mismatch ..."`) and the code object it was compiled for."""

    reason: str
    orig_code: types.CodeType
