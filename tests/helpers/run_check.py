"""Run a preflight function in this process and print its record as JSON (for other uids/namespaces).

Usage: run_check.py check|deep|early127 JSON_ARGV
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from pyinit import preflight  # noqa: E402

mode, argv = sys.argv[1], json.loads(sys.argv[2])
env = dict(os.environ)
if mode == "early127":
    record = preflight.diagnose_early_127(argv, env, None)
else:
    record = preflight.check(argv, env, deep=(mode == "deep"))
print(json.dumps(record))
