"""AOT autograd (`aot_autograd.py`) and the forward/backward partitioner (`partitioners.py`)."""
