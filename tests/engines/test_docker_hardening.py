"""Hardening flags of `docker run`, alone and together: pyinit starts, reaps, stops cleanly, and
`docker exec CTR pyinit --doctor` reports the limits it runs under."""

import json

import pytest

from engine_checks import host_pid, timed_stop, wait_for_log, wait_until_settled

# flag set: (docker run flags, [(doctor check, fact, value the doctor must see)])
FLAGS = {
    "read-only": (["--read-only"], [("mounts", "root_read_only", True)]),
    "user": (["--user", "65534:65534"], [("credentials", "uid", 65534),
                                         ("credentials", "gid", 65534)]),
    "pids-limit": (["--pids-limit", "20"], [("limits", "pids_max", 20)]),
    "cap-drop": (["--cap-drop", "ALL"], [("credentials", "capabilities", [])]),
    "no-new-privileges": (["--security-opt", "no-new-privileges"],
                          [("credentials", "no_new_privs", True)]),
    # The doctor has no memory check: this case shows pyinit starts, reaps and stops under it.
    "memory": (["--memory", "64m"], []),
}
FLAGS["all together"] = ([f for flags, _ in FLAGS.values() for f in flags],
                         [fact for _, facts in FLAGS.values() for fact in facts])


def doctor(docker, name):
    """The doctor's records by check name, from `docker exec CTR pyinit --doctor` in JSON."""
    done = docker.run("exec", name, "pyinit", "--report-format", "json", "--doctor")
    assert done.returncode in (0, 1), done.stdout + done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {r["check"]: r for r in records if r["event"] == "doctor"}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("flag_set", FLAGS)
def test_hardened_container_starts_reaps_stops_and_is_diagnosed(docker, app_image,
                                                                container_name, flag_set):
    """Starts, reaps five exec orphans, reports its limits, and stops with the app's exit 0."""
    flags, facts = FLAGS[flag_set]
    name = container_name("hardened")
    docker.ok("run", "-d", "--network=none", "--name", name, *flags, app_image)
    wait_for_log(docker, name, "app: ready")
    for _ in range(5):
        docker.ok("exec", name, "sh", "-c", "sleep 1 & exit")
    wait_until_settled(host_pid(docker, name),
                       lambda procs: not [p for p in procs if p[1] == "Z" or p[2] == "sleep"])
    records = doctor(docker, name)
    for check, fact, value in facts:
        assert records.get(check, {}).get(fact) == value, records.get(check, records)
    code, elapsed = timed_stop(docker, name)
    assert code == 0, "exit %d after %.1fs" % (code, elapsed)
