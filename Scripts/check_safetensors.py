#!/usr/bin/env python3
"""Cross-check AnomalyDistill's .safetensors files against the reference implementation.

Usage:
    check_safetensors.py FILE EXPECTED.json
        Load FILE with safetensors.numpy.load_file and safe_open and compare it with
        EXPECTED.json: {"metadata": {"key": "value", ...} or null,
                        "tensors": {"name": {"dtype": "F32", "shape": [2, 3], "values": [...]}}}
        Values are the elements in row-major order; they must match exactly (bit for bit).
        Floating-point values may be given as strings ("-0.0", "0.10000000149011612", "inf")
        so that the sign of zero and non-finite values survive JSON.
        Exits 0 on a match, 1 with a message on stderr otherwise.

    check_safetensors.py --write OUT
        Write a model file with numpy tensors of several dtypes and AnomalyDistill metadata,
        for the Swift tests to read (see SafeTensorsTests.swift for the values expected).

Needs the `safetensors` and `numpy` packages (pip install safetensors numpy).
"""

import json
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

DTYPES = {
    "BOOL": np.bool_,
    "U8": np.uint8,
    "I8": np.int8,
    "I16": np.int16,
    "U16": np.uint16,
    "F16": np.float16,
    "I32": np.int32,
    "U32": np.uint32,
    "F32": np.float32,
    "F64": np.float64,
    "I64": np.int64,
    "U64": np.uint64,
}


def check(path, expected_path):
    with open(expected_path, encoding="utf-8") as handle:
        expected = json.load(handle)
    problems = []

    with safe_open(path, framework="np") as handle:
        metadata = handle.metadata()
        keys = set(handle.keys())
    if metadata != expected.get("metadata"):
        problems.append(f"metadata: expected {expected.get('metadata')!r}, found {metadata!r}")

    tensors = load_file(path)
    wanted = expected["tensors"]
    if keys != set(wanted) or set(tensors) != set(wanted):
        problems.append(f"tensor names: expected {sorted(wanted)}, found {sorted(keys)}")

    for name, spec in sorted(wanted.items()):
        if name not in tensors:
            continue
        array = tensors[name]
        dtype = np.dtype(DTYPES[spec["dtype"]])
        if array.dtype != dtype:
            problems.append(f"{name}: expected dtype {dtype}, found {array.dtype}")
            continue
        if list(array.shape) != spec["shape"]:
            problems.append(f"{name}: expected shape {spec['shape']}, found {list(array.shape)}")
            continue
        values = spec["values"]
        if dtype.kind == "f":
            values = [float(value) for value in values]
        found = array.reshape(-1).tolist()
        little = dtype.newbyteorder("<")
        reference = np.array(values, dtype=dtype).reshape(array.shape)
        # Compare values (exact) and bytes (catches -0.0 against 0.0).
        if found != values or reference.astype(little).tobytes() != array.astype(little).tobytes():
            problems.append(f"{name}: expected values {values}, found {found}")

    if problems:
        print(f"{path}: does not match {expected_path}:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"{path}: {len(wanted)} tensors and the metadata match")
    return 0


def write(path):
    tensors = {
        "weight": np.array([[1.5, -2.25, 3.0e-8], [1.0e30, -0.0, 7.0]], dtype=np.float32),
        "bias": np.array([0.1, -1.0e-300], dtype=np.float64),
        "counts": np.array([-(2**63), 2**63 - 1, 0], dtype=np.int64),
        "index": np.array(-7, dtype=np.int32),
        "mask": np.array([0, 255, 1], dtype=np.uint8),
        "empty": np.zeros((0, 4), dtype=np.float32),
    }
    model = {
        "format_version": 1,
        "kind": "student_mlp",
        "created_by": "check_safetensors.py",
        "threshold": 0.5,
        "architecture": {"hidden": [8, 4], "activation": "relu"},
    }
    save_file(tensors, path, metadata={"anomaly_distill": json.dumps(model)})
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "--write":
        return write(argv[2])
    if len(argv) == 3 and not argv[1].startswith("-"):
        return check(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
