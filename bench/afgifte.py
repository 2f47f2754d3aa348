"""Timing the afgifte of verklaringen through the service layer (PDF included).

    python -m bench.afgifte --register bench/out/sqlite-100k --runs 20

Each run takes a new organisation through the whole process (see :mod:`bench.verklaringen`) and
times every step; the suite reports the median and p95 of the afgifte (ondertekening by the
deelnemer, then afgifte by the stelsel: PDF, attestation, status list entry, rolvervulling).

Timings are wall-clock, so they depend on what else the machine does: the result also holds the
load average before and after (``load_average``) and the CPU seconds the whole measurement took
(``cpu_seconds``, every thread of this process).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.workspace import Register


def measure(register: Register, runs: int) -> dict[str, Any]:
    from bench.verklaringen import afgifte_timings
    from registry.database import create_engine

    async def timed() -> dict[str, Any]:
        engine = create_engine(register.settings())
        try:
            return await afgifte_timings(engine, register.settings(), runs)
        finally:
            await engine.dispose()

    load_before = os.getloadavg()
    cpu_before = time.process_time()
    try:
        result = asyncio.run(timed())
    except ImportError as exc:
        return {"note": f"not available yet ({exc})"}
    result["cpu_seconds"] = round(time.process_time() - cpu_before, 3)
    result["load_average"] = {
        "before": [round(value, 2) for value in load_before],
        "after": [round(value, 2) for value in os.getloadavg()],
    }
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.afgifte", description=__doc__.split("\n\n")[0])
    parser.add_argument("--register", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    workload = json.loads((args.register / "workload.json").read_text(encoding="utf-8"))
    print(json.dumps(measure(Register(args.register, workload["database_url"]), args.runs), indent=1))


if __name__ == "__main__":
    main()
