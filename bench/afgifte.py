"""Timing the afgifte of verklaringen through the service layer (PDF included).

    python -m bench.afgifte --register bench/out/sqlite-100k --runs 20

Each run takes a new organisation through the whole process (see :mod:`bench.verklaringen`) and
times every step; the suite reports the median and p95 of the afgifte (ondertekening by the
deelnemer, then afgifte by the stelsel: PDF, attestation, status list entry, rolvervulling).
"""

from __future__ import annotations

import argparse
import asyncio
import json
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

    try:
        return asyncio.run(timed())
    except ImportError as exc:
        return {"note": f"not available yet ({exc})"}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.afgifte", description=__doc__.split("\n\n")[0])
    parser.add_argument("--register", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    workload = json.loads((args.register / "workload.json").read_text(encoding="utf-8"))
    print(json.dumps(measure(Register(args.register, workload["database_url"]), args.runs), indent=1))


if __name__ == "__main__":
    main()
