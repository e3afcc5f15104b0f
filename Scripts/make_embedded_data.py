#!/usr/bin/env python3
"""Writes the embedded default data set, Sources/AnomalyDistill/Resources/breast_cancer_wisconsin.csv.

Source: the Wisconsin Diagnostic Breast Cancer data (Street, Wolberg & Mangasarian 1993; UCI, CC BY 4.0)
as scikit-learn's wheel ships it (sklearn/datasets/data/breast_cancer.csv). Run once after
`pip install scikit-learn`; the CSV it writes is committed.

All 569 rows are kept in the original order. The label column is 1 for malignant (the anomaly class),
0 for benign; scikit-learn codes the target the other way round (0 = malignant).
"""
import csv
import sklearn.datasets
import pathlib
import sys

from sklearn.datasets import load_breast_cancer

out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else
                   pathlib.Path(__file__).resolve().parent.parent
                   / "Sources/AnomalyDistill/Resources/breast_cancer_wisconsin.csv")
raw = pathlib.Path(sklearn.datasets.__file__).parent / "data" / "breast_cancer.csv"
names = [n.replace(" ", "_") for n in load_breast_cancer().feature_names]
with raw.open() as source, out.open("w", newline="") as target:
    reader = csv.reader(source)
    next(reader)  # scikit-learn's own header: row count, feature count, class names
    writer = csv.writer(target, lineterminator="\n")
    writer.writerow(names + ["label"])
    rows = 0
    for row in reader:
        writer.writerow(row[:-1] + ["1" if row[-1] == "0" else "0"])
        rows += 1
print(f"wrote {rows} rows to {out}")
