"""Ray is an optional extra: nothing but the user's choice of a cluster imports it."""

from __future__ import annotations

import subprocess
import sys

# Every module a local tuning, the CLI or the window loads: none of them may pull Ray in (its
# import alone takes about a second, and a user without the extra must be able to run all).
_IMPORTS = """
import sys
import rafiki.cli, rafiki.cli_tables, rafiki.tuning, rafiki.executors, rafiki.experiments
import rafiki.runner, rafiki.store, rafiki.cluster, rafiki.cluster.shipping
import rafiki.cluster.node_trial, rafiki.cluster.driver, rafiki.cluster.driver_process
import rafiki_gui.session, rafiki_gui.tuning.cluster_choice, rafiki_gui.tuning.tuning_worker
from rafiki.cli import build_parser
build_parser().parse_args(["tune", "m.py", "--train", "a", "--test", "b", "--ray", "auto"])
print(sorted(name for name in sys.modules if name == "ray" or name.startswith("ray.")))
"""


def test_the_core_never_imports_ray_unless_a_cluster_is_chosen():
    done = subprocess.run([sys.executable, "-c", _IMPORTS], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
