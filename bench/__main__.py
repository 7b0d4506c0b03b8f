"""Run every bench module (or those named on the command line) and write bench/results/<name>.json."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    names = argv or modules()
    RESULTS.mkdir(exist_ok=True)
    failed = []
    for name in names:
        print(f"== bench.{name}", file=sys.stderr, flush=True)
        started = time.time()
        done = subprocess.run([sys.executable, "-m", f"bench.{name}"], cwd=HERE.parent, stdout=subprocess.PIPE,
                              text=True)
        lines = done.stdout.strip().splitlines()
        try:
            result = json.loads(lines[-1]) if done.returncode == 0 and lines else None
        except ValueError:
            result = None
        if result is None:
            failed.append(name)
            print(f"bench.{name} failed (exit {done.returncode})", file=sys.stderr)
            continue
        result.setdefault("bench", name)
        result.setdefault("seconds", round(time.time() - started, 1))
        result.setdefault("when", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        print(json.dumps(result, indent=2, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
