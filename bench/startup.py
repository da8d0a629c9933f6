"""Start-up time: `smelt -c pass`, `smelt -c "import torch"` against `python3 -c pass` (and
`import torch` under CPython when a PyTorch is importable there).

    python3 bench/startup.py [--runs N] [--smelt PATH] [--python PATH]

Runs under CPython or under `smelt run`. Prints the median wall time of N runs of each command
(after one warm-up run) and smelt's ratio to CPython.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


def median_ms(cmd, runs):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        samples.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(samples)


def real_executable(python):
    # Version managers put shell-script shims on PATH; time the interpreter, not the shim.
    out = subprocess.run([python, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True)
    return out.stdout.strip() or python


def has_torch(python):
    probe = subprocess.run([python, "-c", "import torch"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return probe.returncode == 0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--smelt", default=os.path.join(here, "..", "target", "release", "smelt"))
    parser.add_argument("--python", default="python3")
    args = parser.parse_args()
    python = real_executable(args.python)

    rows = [
        ("smelt -c pass", [args.smelt, "-c", "pass"]),
        ("smelt -c 'import torch'", [args.smelt, "-c", "import torch"]),
        ("python3 -c pass", [python, "-c", "pass"]),
        ("python3 -S -c pass (no site)", [python, "-S", "-c", "pass"]),
    ]
    if has_torch(python):
        rows.append(("python3 -c 'import torch'", [python, "-c", "import torch"]))
    results = {}
    for name, cmd in rows:
        results[name] = median_ms(cmd, args.runs)
        print(f"{name:32s} {results[name]:8.1f} ms  (median of {args.runs})")
    print(f"python3 is {python}")
    ratio = results["smelt -c pass"] / results["python3 -c pass"]
    print(f"smelt/python3 start-up ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
