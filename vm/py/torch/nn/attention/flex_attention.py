"""FlexAttention. smelt has no block-sparse attention kernels yet: these raise
NotImplementedError with the reason; use torch.nn.functional.scaled_dot_product_attention."""

__all__ = ["BlockMask", "create_block_mask", "flex_attention"]

_MESSAGE = ("smelt: FlexAttention is not implemented (no block-sparse attention kernels); "
            "use torch.nn.functional.scaled_dot_product_attention")


class BlockMask:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError(_MESSAGE)


def create_block_mask(mask_mod, B, H, Q_LEN, KV_LEN, device="cuda", BLOCK_SIZE=128, _compile=False):
    raise NotImplementedError(_MESSAGE)


def flex_attention(query, key, value, score_mod=None, block_mask=None, scale=None, enable_gqa=False,
                   return_lse=False, kernel_options=None, *, return_aux=None):
    raise NotImplementedError(_MESSAGE)
