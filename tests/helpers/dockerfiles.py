"""Reading the files of docker/ as Docker reads them, for the tests that check what they say."""

from pathlib import Path

DOCKER_DIR = Path(__file__).resolve().parents[2] / "docker"


def instructions(dockerfile):
    """(INSTRUCTION in upper case, argument) pairs of docker/DOCKERFILE, with `\\` continuations
    joined and comments dropped."""
    joined, pending = [], ""
    for line in (DOCKER_DIR / dockerfile).read_text().splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        joined.append(pending + stripped)
        pending = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in joined]
