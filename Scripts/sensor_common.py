"""What the sensor-data scripts (skab.py, drift-stream.py, bench-stream.py) share: where the data is, running the
command-line tool, and ROC-AUC without scikit-learn."""
import os
import subprocess
import sys

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("ANOMALY_DISTILL_DATA", os.path.join(HERE, "..", "..", "shared", "data"))
BINARY = os.path.join(HERE, "..", ".build", "release", "anomaly-distill")


def roc_auc(labels, scores):
    """Mann–Whitney ROC-AUC with midranks (scikit-learn's value)."""
    labels = np.asarray(labels)
    ranks = pd.Series(scores).rank(method="average").to_numpy()
    positives = labels == 1
    n1, n0 = positives.sum(), (~positives).sum()
    return float((ranks[positives].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def run(binary, *args):
    """Runs the tool; exits with its standard error when it fails."""
    result = subprocess.run([binary, *args], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join([binary, *args])} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout
