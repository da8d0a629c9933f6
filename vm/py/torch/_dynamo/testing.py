"""Helpers PyTorch's own tests use to compare printed graphs."""

import re

_COMMENT_LINE = re.compile(r"(?m)^ *#.*\n?")


def strip_comment(code):
    """Drops whole-line comments (stack-trace comments name files that differ per machine)."""
    return _COMMENT_LINE.sub("", code)


def remove_trailing_space(code):
    return "\n".join(line.rstrip() for line in code.split("\n"))


def _squash_blank_lines(code):
    out = []
    previous_blank = False
    for line in code.split("\n"):
        blank = not line.strip()
        if not (blank and previous_blank):
            out.append(line)
        previous_blank = blank
    return "\n".join(out)


def normalize_gm(gm_str):
    """A printed graph module without comments, trailing spaces or runs of blank lines."""
    return _squash_blank_lines(remove_trailing_space(strip_comment(gm_str)))


def empty_line_normalizer(code):
    return re.sub(r"[\r\n]+", "\n", code)
