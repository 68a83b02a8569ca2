"""`make bench`: the ledger under load, beside a floor and Datasette, on the same data.

1. Builds a fresh synthetic ledger (`generate_ledger`, timed) in var/bench.sqlite3.
2. Serves it four ways on loopback: the ledger (gunicorn, production settings, 2 workers), the
   same without its response cache (every request does the full work), the floor
   (benchmarks/floor.py: plain sqlite3 + orjson, gunicorn, 2 workers), and Datasette
   (immutable mode, a canned query returning the same claims with their evidence).
3. Loads each with wrk (16 connections) in interleaved rounds, and reports req/s, p50/p99
   latency and errors per scenario, each of ours as a ratio to the floor and to Datasette
   paired round by round (the machine drifts; ratios drift much less), and worker RSS.
4. Measures quote anchoring throughput, seed loading and generation time, and queries per
   request at two page sizes.
5. Optionally (`--postgres URL`) runs the ledger's scenarios against PostgreSQL.

Results: benchmarks/results/<timestamp>.json and benchmarks/results/latest.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
RESULTS = ROOT / "benchmarks" / "results"
PATHS_SCRIPT = ROOT / "benchmarks" / "paths.lua"
PORTS = {
    "ledger": 8801,
    "floor": 8802,
    "datasette": 8803,
    "ledger-pg": 8804,
    "uncached": 8805,
}

TARGETS = {  # what each scenario is held to
    "claims list": {"floor": 0.6, "datasette": 2.0, "p99_ms": 80},
    "dispute page (HTML)": {"floor": 0.5},
}


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# -- processes ------------------------------------------------------------------------------------


def production_env(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        # Loopback has no TLS: the one production setting the benchmark turns off.
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=database_url,
        # Throttling stays on (it is normal API behaviour) at a rate the load never reaches. Per
        # second, not per minute: DRF keeps every request time in the window, and a minute of
        # them would be rewritten on each request, a cost no real deployment's rate carries.
        LEDGER_API_ANON_RATE="1000000/second",
    )
    return env


def manage(env: dict, *args: str, quiet: bool = True) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.DEVNULL if quiet else None,
    )
    return time.perf_counter() - started


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing is listening on port {port} after {timeout} s")


def start(command: list[str], env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_port(port)
    return process


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def gunicorn(app: str, port: int) -> list[str]:
    return [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", app]


def worker_rss_mb(master: subprocess.Popen) -> list[float]:
    """Resident memory of each gunicorn worker (the master's children), in MB."""
    children = subprocess.run(
        ["ps", "--ppid", str(master.pid), "-o", "rss="], capture_output=True, text=True
    ).stdout.split()
    return [round(int(kb) / 1024, 1) for kb in children]


# -- HTTP -----------------------------------------------------------------------------------------


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def walk(first_url: str, pages: int) -> list[str]:
    """The paths of the first `pages` pages, following `next` links."""
    paths, url = [], first_url
    while url and len(paths) < pages:
        paths.append(path_of(url))
        url = get_json(url)["next"]
    return paths


def walk_datasette(base: str, status: str, pages: int) -> list[str]:
    paths, after, after_id = [], "", 0
    for _ in range(pages):
        path = (
            f"/bench/claims_page.json?status={status}&after={urllib.parse.quote(after)}"
            f"&after_id={after_id}&_shape=array&_json=evidence"
        )
        paths.append(path)
        rows = get_json(base + path)
        if not rows:
            break
        after, after_id = rows[-1]["updated_at"], rows[-1]["id"]
    return paths


# -- wrk ------------------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(base: str, paths: list[str], seconds: int, connections: int, etag: str = "") -> dict:
    listing = RESULTS / ".paths.txt"
    listing.write_text("\n".join(paths) + "\n")
    env = {**os.environ, "WRK_PATHS": str(listing), "WRK_IF_NONE_MATCH": etag}
    output = subprocess.run(
        [
            "wrk",
            "--threads",
            "2",
            "--connections",
            str(connections),
            "--duration",
            f"{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            "--script",
            str(PATHS_SCRIPT),
            base,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}
    for percentile in ("50", "99"):
        value, unit = re.search(rf"\s{percentile}%\s+([\d.]+)(us|ms|s)\b", output).groups()
        result[f"p{percentile}_ms"] = round(float(value) * UNITS[unit], 2)
    errors = 0
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if bad:
        errors += int(bad.group(1))
    result["errors"] = errors
    result["requests"] = int(re.search(r"(\d+) requests in", output).group(1))
    return result


# -- the scenarios --------------------------------------------------------------------------------


def scenarios(ledger: str, floor: str | None, datasette: str | None, pages: int) -> list[dict]:
    """What to request of whom: each scenario lists, per server, the paths to cycle through."""
    claims_first = f"{ledger}/api/v1/claims/?status=agreement&page_size=50"
    claim_paths = walk(claims_first, pages)
    ids = [row["id"] for row in get_json(claims_first)["results"]]
    disputes = [d["slug"] for d in get_json(f"{ledger}/api/v1/disputes/")["results"]]
    sources = [s["slug"] for s in get_json(f"{ledger}/api/v1/sources/?page_size=50")["results"]]
    with urllib.request.urlopen(claims_first) as response:
        etag = response.headers["ETag"]
    listed = [
        {
            "name": "claims list",
            "servers": {"ledger": claim_paths},
        },
        {
            "name": "facts list",
            "servers": {"ledger": walk(f"{ledger}/api/v1/facts/?page_size=50", pages)},
        },
        {"name": "claim detail", "servers": {"ledger": [f"/api/v1/claims/{i}/" for i in ids]}},
        {
            "name": "dispute page (HTML)",
            "servers": {"ledger": [f"/disputes/{s}/" for s in disputes]},
        },
        {"name": "source page (HTML)", "servers": {"ledger": [f"/sources/{s}/" for s in sources]}},
        {
            "name": "conditional GET (304)",
            "servers": {"ledger": [path_of(claims_first)]},
            "etag": etag,
        },
    ]
    # The same requests of the ledger without its response cache: the work behind a cache miss.
    for scenario in listed:
        scenario["servers"]["uncached"] = scenario["servers"]["ledger"]
    if floor:
        listed[0]["servers"]["floor"] = walk(f"{floor}/claims?status=agreement", pages)
        listed[3]["servers"]["floor"] = [f"/dispute?slug={s}" for s in disputes]
    if datasette:
        listed[0]["servers"]["datasette"] = walk_datasette(datasette, "agreement", pages)
    return listed


def load(bases: dict, plan: list[dict], rounds: int, seconds: int, connections: int) -> dict:
    """Interleaved rounds: every scenario on every server once per round."""
    results = {s["name"]: {server: [] for server in s["servers"]} for s in plan}
    for number in range(1, rounds + 1):
        for scenario in plan:
            for server, paths in scenario["servers"].items():
                outcome = run_wrk(
                    bases[server], paths, seconds, connections, scenario.get("etag", "")
                )
                results[scenario["name"]][server].append(outcome)
                log(
                    f"round {number} {scenario['name']:<22} {server:<10} "
                    f"{outcome['rps']:8.1f} req/s  p99 {outcome['p99_ms']:7.1f} ms  "
                    f"errors {outcome['errors']}"
                )
    return results


def summarise(results: dict) -> dict:
    summary = {}
    for name, servers in results.items():
        ours = servers.get("ledger") or servers.get("ledger-pg")
        row = figures(ours, servers)
        if "uncached" in servers:
            row["uncached"] = figures(servers["uncached"], servers)
        for other in ("floor", "datasette"):
            if other in servers:
                row[f"{other}_rps"] = round(statistics.median(r["rps"] for r in servers[other]), 1)
        summary[name] = row
    return summary


def figures(ours: list[dict], servers: dict) -> dict:
    """Medians over the rounds, and ratios to the floor and Datasette paired round by round."""
    row = {
        "rps": round(statistics.median(r["rps"] for r in ours), 1),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in ours), 2),
        "p99_ms": round(statistics.median(r["p99_ms"] for r in ours), 2),
        "errors": sum(r["errors"] for r in ours),
    }
    for other in ("floor", "datasette"):
        if other in servers:
            paired = [a["rps"] / b["rps"] for a, b in zip(ours, servers[other], strict=True)]
            row[f"vs_{other}"] = round(statistics.median(paired), 2)
    return row


# -- one-off measurements -------------------------------------------------------------------------


SETUP = (
    "import django, os\n"
    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ledger.settings')\n"
    "django.setup()\n"
)


def anchoring_throughput() -> dict:
    """Excerpts anchored per second in 100 KB documents, exact and normalised."""
    code = r"""
import random, time
from claims.rules.anchoring import anchor
from claims.ops.generation import _text
rng = random.Random(1)
text = _text(rng, 100_000)
spans = []
for _ in range(300):
    start = rng.randrange(0, len(text) - 200)
    spans.append((start, text[start:start + 150]))
def rate(quotes):
    started = time.perf_counter()
    for start, quote in quotes:
        anchor(text, quote, near=start)
    return len(quotes) / (time.perf_counter() - started)
exact = rate(spans)
# The same quotes as an editor might paste them: curly apostrophes, doubled spaces.
typed = [(s, q.replace(" ", "  ", 3) + "\u00a0") for s, q in spans[:100]]
typed = [(s, q.replace("  ", " \n", 1)) for s, q in typed]
normalised = rate(typed)
print(f"{exact:.1f} {normalised:.1f}")
"""
    output = subprocess.run(
        [
            str(BIN / "python"),
            "-c",
            SETUP + code,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return {"exact_per_s": float(output[0]), "normalised_per_s": float(output[1])}


def queries_per_request(env: dict) -> dict:
    output = subprocess.run(
        [str(BIN / "python"), "-m", "benchmarks.queries"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output)


def fresh_postgres_database(url: str) -> bool:
    """Drop and create the benchmark's PostgreSQL database; False if no server answers."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    maintenance = url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        log(f"no PostgreSQL at {url} ({error}); skipping that part")
        return False
    return True


# -- main -----------------------------------------------------------------------------------------


def markdown(report: dict) -> str:
    lines = [
        f"Benchmark of {report['started']} — {report['scale']} (SQLite), "
        f"{report['rounds']} rounds × {report['seconds']} s per server, "
        f"{report['connections']} connections, 2 gunicorn workers.",
        "",
        "As deployed (anonymous reads answered from the response cache once warm):",
        "",
        "| Scenario | req/s | p50 ms | p99 ms | errors | × floor | × Datasette |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, row in report["sqlite"].items():
        lines.append(table_row(name, row))
    lines += [
        "",
        "Without the response cache (`LEDGER_RESPONSE_CACHE_SECONDS=0`: every request does the "
        "full work, as a cache miss or a signed-in editor does):",
        "",
        "| Scenario | req/s | p50 ms | p99 ms | errors | × floor | × Datasette |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, row in report["sqlite"].items():
        if "uncached" in row:
            lines.append(table_row(name, row["uncached"]))
    claims, dispute = report["sqlite"]["claims list"], report["sqlite"]["dispute page (HTML)"]
    lines += [
        "",
        f"Floor: {claims.get('floor_rps', '—')} req/s (claims list), "
        f"{dispute.get('floor_rps', '—')} req/s (a dispute's claims as JSON). "
        f"Datasette: {claims.get('datasette_rps', '—')} req/s.",
        f"Worker RSS after the run: {report['worker_rss_mb']} MB "
        f"(without the response cache: {report['uncached_worker_rss_mb']} MB).",
        f"Anchoring: {report['anchoring']['exact_per_s']:.0f} exact and "
        f"{report['anchoring']['normalised_per_s']:.0f} normalised quotes/s in 100 KB documents.",
        f"generate_ledger: {report['generate_seconds']:.1f} s; seed ledger load: "
        f"{report['seed_load_seconds']:.1f} s.",
        "",
        "Queries per request (page size 10 → 50): "
        + ", ".join(f"{k} {v[0]}→{v[1]}" for k, v in report["queries"].items()),
    ]
    if report.get("postgresql"):
        lines += [
            "",
            "PostgreSQL (the ledger alone; no target yet):",
            "",
            "| Scenario | req/s | p50 ms | p99 ms | errors |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for name, row in report["postgresql"].items():
            lines.append(
                f"| {name} | {row['rps']} | {row['p50_ms']} | {row['p99_ms']} | {row['errors']} |"
            )
    return "\n".join(lines) + "\n"


def table_row(name: str, row: dict) -> str:
    return (
        f"| {name} | {row['rps']} | {row['p50_ms']} | {row['p99_ms']} | {row['errors']} | "
        f"{row.get('vs_floor', '—')} | {row.get('vs_datasette', '—')} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--datasette", default=str(ROOT / ".venv-bench" / "bin" / "datasette"))
    parser.add_argument(
        "--postgres", default="", help="A PostgreSQL URL to run the ledger against too."
    )
    args = parser.parse_args()

    RESULTS.mkdir(parents=True, exist_ok=True)
    database = ROOT / "var" / "bench.sqlite3"
    for leftover in database.parent.glob("bench.sqlite3*"):
        leftover.unlink()
    sqlite_env = production_env(f"sqlite:///{database}")
    response_cache = ROOT / "var" / "bench-response-cache"
    shutil.rmtree(response_cache, ignore_errors=True)
    sqlite_env["LEDGER_RESPONSE_CACHE_DIR"] = str(response_cache)
    report = {
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "scale": f"scale {args.scale}",
        "rounds": args.rounds,
        "seconds": args.seconds,
        "connections": args.connections,
    }

    log("building the ledger")
    manage(sqlite_env, "migrate", "--noinput")
    report["generate_seconds"] = manage(sqlite_env, "generate_ledger", "--scale", str(args.scale))
    manage(sqlite_env, "collectstatic", "--noinput")
    seeds_db = ROOT / "var" / "bench-seeds.sqlite3"
    for leftover in seeds_db.parent.glob("bench-seeds.sqlite3*"):
        leftover.unlink()
    seeds_env = production_env(f"sqlite:///{seeds_db}")
    manage(seeds_env, "migrate", "--noinput")
    report["seed_load_seconds"] = manage(seeds_env, "load_ledger")
    # Readers get a checkpointed file: Datasette's immutable mode reads no WAL.
    import sqlite3

    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode=DELETE")
        connection.execute("ANALYZE")

    report["queries"] = queries_per_request(sqlite_env)
    report["anchoring"] = anchoring_throughput()

    bases = {name: f"http://127.0.0.1:{port}" for name, port in PORTS.items()}
    servers = {
        "ledger": start(
            gunicorn("ledger.wsgi:application", PORTS["ledger"]), sqlite_env, PORTS["ledger"]
        ),
        "uncached": start(
            gunicorn("ledger.wsgi:application", PORTS["uncached"]),
            {**sqlite_env, "LEDGER_RESPONSE_CACHE_SECONDS": "0"},
            PORTS["uncached"],
        ),
        "floor": start(
            gunicorn("benchmarks.floor:application", PORTS["floor"]),
            {**os.environ, "LEDGER_BENCH_DB": str(database)},
            PORTS["floor"],
        ),
    }
    datasette = Path(args.datasette)
    if datasette.exists():
        servers["datasette"] = start(
            [
                str(datasette),
                "serve",
                "-i",
                str(database),
                "--metadata",
                str(ROOT / "benchmarks" / "datasette" / "metadata.json"),
                "-p",
                str(PORTS["datasette"]),
                "--setting",
                "sql_time_limit_ms",
                "10000",
            ],
            dict(os.environ),
            PORTS["datasette"],
        )
    else:
        log(f"no Datasette at {datasette}: comparing with the floor only")
    try:
        plan = scenarios(
            bases["ledger"],
            bases["floor"],
            bases.get("datasette") if "datasette" in servers else None,
            args.pages,
        )
        raw = load(bases, plan, args.rounds, args.seconds, args.connections)
        report["worker_rss_mb"] = worker_rss_mb(servers["ledger"])
        report["uncached_worker_rss_mb"] = worker_rss_mb(servers["uncached"])
    finally:
        for process in servers.values():
            stop(process)
    report["sqlite"] = summarise(raw)
    report["raw"] = {"sqlite": raw}

    if args.postgres and fresh_postgres_database(args.postgres):
        log("PostgreSQL")
        pg_env = production_env(args.postgres)
        manage(pg_env, "migrate", "--noinput")
        manage(pg_env, "generate_ledger", "--scale", str(args.scale))
        server = start(
            gunicorn("ledger.wsgi:application", PORTS["ledger-pg"]), pg_env, PORTS["ledger-pg"]
        )
        try:
            plan = scenarios(bases["ledger-pg"], None, None, args.pages)
            for scenario in plan:
                scenario["servers"] = {"ledger-pg": scenario["servers"]["ledger"]}
            raw_pg = load(bases, plan, args.rounds, args.seconds, args.connections)
        finally:
            stop(server)
        report["postgresql"] = summarise(raw_pg)
        report["raw"]["postgresql"] = raw_pg

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"{stamp}.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "latest.md").write_text(markdown(report))
    (RESULTS / ".paths.txt").unlink(missing_ok=True)
    print(markdown(report))


if __name__ == "__main__":
    main()
