import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

# Every anomaly built in the tests must be declared in reconcile/catalogue.py.
os.environ["RECONCILE_STRICT_CODES"] = "1"
