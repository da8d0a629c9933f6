"""Skip decorators for tests that need a GPU or the Triton compiler. smelt runs on the CPU and
has neither, so every flag here is False and the decorated tests are skipped."""

import unittest

HAS_GPU = False
HAS_CUDA_AND_TRITON = False
HAS_XPU_AND_TRITON = False
HAS_MTIA_AND_TRITON = False

requires_cuda_and_triton = unittest.skipUnless(HAS_CUDA_AND_TRITON, "requires cuda and triton")
requires_xpu_and_triton = unittest.skipUnless(HAS_XPU_AND_TRITON, "requires xpu and triton")
requires_gpu_and_triton = unittest.skipUnless(
    HAS_XPU_AND_TRITON or HAS_CUDA_AND_TRITON or HAS_MTIA_AND_TRITON, "requires gpu and triton"
)
requires_gpu = unittest.skipUnless(HAS_GPU, "requires gpu")
