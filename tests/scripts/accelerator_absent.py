# smelt has no accelerator yet: torch.accelerator says so, as a CPU-only PyTorch does when asked
# to check availability.
import torch

print(torch.accelerator.current_accelerator(True), torch.accelerator.is_available(), torch.accelerator.device_count())
device_type = acc.type if (acc := torch.accelerator.current_accelerator(True)) else "cpu"
print(device_type)
