"""What the data-set benchmark scripts (distill-bench.py, teacher-stability.py, select-defaults.py, select-student.py,
bench-explain.py) share: where the repository and ../shared are, the peers' split files, the release builds they run
and the distillation bar's data sets."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
AD_BENCH = os.path.join(ROOT, ".build-bench", "release", "ad-bench")
# The distillation bar's 11 sets (issues 4, 11 and 12), in the order every script reports them.
DISTILLATION_SETS = ["breastw", "cardio", "thyroid", "vowels", "mammography", "satimage2", "shuttle",
                     "steel_plates_fault", "nsl_kdd_test", "insurance_claims_fraud", "skab_valve1"]


def ensure_splits(folder, quiet=False):
    """Writes the peers' split files (peers/make_splits.py) into `folder` unless it already holds some."""
    if not os.path.isdir(folder) or not os.listdir(folder):
        subprocess.run([sys.executable, os.path.join(SHARED, "peers", "make_splits.py"), os.path.join(SHARED, "data"),
                        folder], check=True, stdout=subprocess.DEVNULL if quiet else None)


def build(cli=False):
    """Builds `ad-bench` in release (its own scratch path) and, with `cli`, the `anomaly-distill` command."""
    subprocess.run(["swift", "build", "-c", "release", "--product", "ad-bench", "--scratch-path", ".build-bench"],
                   cwd=ROOT, env=dict(os.environ, ANOMALY_DISTILL_BENCHMARKS="1"), check=True, stdout=subprocess.DEVNULL)
    if cli:
        subprocess.run(["swift", "build", "-c", "release", "--product", "anomaly-distill"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
