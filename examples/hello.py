"""A first smelt script: runs on the Python embedded in the smelt binary.

    cargo run --release -- run examples/hello.py
"""
import sys

import torch


def mean(values):
    return sum(values) / len(values)


def main(argv):
    print(f"torch {torch.__version__} on {sys.implementation.name} {sys.version.split()[0]}")
    data = [float(a) for a in argv] or [1.0, 2.0, 3.0, 4.0]
    print(f"mean of {data} = {mean(data)}")


if __name__ == "__main__":
    main(sys.argv[1:])
