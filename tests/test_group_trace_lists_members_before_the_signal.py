"""-v -g: the forward record lists the group's members as they were before the signal,
although the signal's default action ends them all."""

import pytest

from helpers.pid1 import Namespace, wait_for
from helpers.proc_tree import host_processes
from helpers.verbose import parse_all


def group_of(pgid):
    """Command names of the live processes of process group pgid (host pids)."""
    return sorted(name for _, name, fields in host_processes()
                  if int(fields[2]) == pgid and fields[0] != "Z")


@pytest.mark.timeout(60)
def test_group_killed_by_the_signal_is_listed_whole(pyinit):
    """sh and its two sleeps die of the SIGTERM; the record still names all three.

    Fifty orphans in sessions of their own come first in /proc: a list read after the
    kill() reaches the two sleeps only once they are gone."""
    script = ("i=0; while [ $i -lt 50 ]; do (setsid sleep 60 &); i=$((i+1)); done; "
              "sleep 30 & sleep 30 & echo ready; wait")
    with Namespace(pyinit, ["-v", "-g", "--grace", "0", "--report-format", "json", "--",
                            "sh", "-c", script], universal_newlines=True) as ns:
        assert ns.proc.stdout.readline() == "ready\n"
        leader = ns.child_pid()
        # The orphans' setsid may still be on its way out of the group: wait until it is
        # exactly sh and its two sleeps.
        wait_for(lambda: group_of(leader) == ["sh", "sleep", "sleep"], 30,
                 "the group to be sh and two sleeps", interval=0.01)
        ns.kill(15)
        code, _, err = ns.wait()
    assert code == 143
    forward, = [r for r in parse_all(err) if r["event"] == "forward"]
    assert forward["target_kind"] == "process_group"
    assert len(forward["group"]) == 3, forward["group"]
