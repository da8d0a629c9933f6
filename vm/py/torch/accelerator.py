"""torch.accelerator: the device-agnostic view of the current accelerator. smelt runs tensors
on the CPU only so far (the CUDA path is a later issue), so there is none."""


def is_available():
    return False


def device_count():
    return 0


def current_accelerator(check_available=False):
    """The accelerator device type in use, or None when there is none (always, for now)."""
    return None


def current_device_index():
    raise RuntimeError("Accelerator device index is not available: no accelerator is present")


current_device_idx = current_device_index
