"""Serve a generated province: `python -m tools.province --portals 2000 --write-sites F`.

Prints `listening on 127.77.0.1-127.77.x.y port P` once every address listens (after
writing the sites file), then serves until interrupted. `--procs N` splits the portals over
N server processes (the portals of one process share its CPU).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from tools.province.plan import DEFAULT_PORTALS
from tools.province.server import Province


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.province",
                                     description="生成的省级门户群 / serve a generated province")
    parser.add_argument("--portals", type=int, default=DEFAULT_PORTALS, help="portals (hosts)")
    parser.add_argument("--port", type=int, default=0, help="port on every address (0: free)")
    parser.add_argument("--delay", type=float, default=1.0,
                        help="DOWNLOAD_DELAY written into each site's overrides")
    parser.add_argument("--write-sites", help="write the province's sites.yml here")
    parser.add_argument("--procs", type=int, default=1, help="server processes")
    parser.add_argument("--shard", help=argparse.SUPPRESS)  # k/N: serve portals j % N == k
    return parser.parse_args(argv)


def write_sites(path: str, province: Province, delay: float) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=target.parent,
                                     delete=False, suffix=".tmp") as out:
        yaml.safe_dump(province.sites(delay), out, allow_unicode=True, sort_keys=False)
    os.replace(out.name, target)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})  # for sigwait
    only = None
    if args.shard:
        k, n = (int(x) for x in args.shard.split("/"))
        only = range(k, args.portals, n)
    province = Province(args.portals, args.port, only=only)
    children: list[subprocess.Popen[bytes]] = []
    if args.procs > 1 and not args.shard:
        for k in range(1, args.procs):
            children.append(subprocess.Popen(
                [sys.executable, "-m", "tools.province", "--portals", str(args.portals),
                 "--port", str(province.port), "--shard", f"{k}/{args.procs}"],
                stdout=subprocess.DEVNULL))
        province = Province(args.portals, province.port, only=range(0, args.portals, args.procs))
    province.start()
    if args.write_sites:
        write_sites(args.write_sites, province, args.delay)
    if not args.shard:
        time.sleep(1.0 if children else 0)  # the other processes bind theirs meanwhile
        hosts = province.hosts()
        print(f"listening on {hosts[0]}-{hosts[-1]} port {province.port} "
              f"({len(hosts)} portals, {len(province.sites())} sites)", flush=True)
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(10)
        province.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
