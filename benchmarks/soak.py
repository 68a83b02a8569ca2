"""`make soak`: the ledger under a steady, mixed load for minutes, watching errors and memory.

For each database (SQLite, then PostgreSQL with `--postgres URL` if the server answers):

1. Builds a throwaway ledger: `migrate`, the seed ledger (`load_ledger`) and a small synthetic
   one on top (`generate_ledger --scale`), so that lists have several cursor pages.
2. Creates one editor account and gets an API token for it (POST /api/v1/auth/login/, HTTP
   Basic), since `create_demo_users` rightly refuses to run under production settings.
3. Starts gunicorn (production settings, 2 workers) on a free loopback port.
4. Runs `--clients` closed-loop clients (threads, no think time) for a warm-up and then
   `--duration` seconds, each picking requests from a weighted mix: public pages, API lists with
   filters that follow their cursor `next` links, conditional GETs with an ETag seen before
   (304 expected), and ~2 % editor writes on drafts the client itself created (so a 409 could
   only be a bug, never a legitimate conflict between clients).
5. Samples the RSS of each gunicorn worker (/proc/<pid>/status) every few seconds.

An error is a connection failure, a timeout or any status other than the one expected (a 5xx,
or a 200 where a 304 was due). Results: benchmarks/results/soak-<db>-<stamp>.json and .md, and
soak-latest.md. The exit status is non-zero if any request failed, a worker was restarted, the
server logged a traceback, or the workers' memory grew by more than `--memory-threshold`.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import math
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from benchmarks.run import BIN, ROOT, fresh_postgres_database, manage, production_env, stop

RESULTS = ROOT / "benchmarks" / "results"
TIMEOUT_S = 30  # gunicorn's own worker timeout: a request slower than this is a failure anyway
WORKERS = 2

# The weighted mix, per 100 requests. Reads dominate, as on a public fact-checking site; the
# conditional GETs are what browsers and API mirrors send for pages they already hold.
MIX = {
    "page: home": 8,
    "page: dispute": 10,
    "page: claim": 12,
    "page: source": 4,
    "page: speaker": 3,
    "page: facts (filtered)": 5,
    "page: search": 4,
    "feed and sitemap": 2,
    "static stylesheet": 2,
    "api: claims (filtered, cursor)": 12,
    "api: claim": 6,
    "api: facts (cursor)": 6,
    "api: disputes": 5,
    "api: excerpts (cursor)": 5,
    "conditional GET (304)": 14,
    "editor write": 2,
}
# An editor's cycle on a draft of its own: create it, tie an excerpt to it, reword it.
WRITE_STEPS = ("write: create draft", "write: add evidence", "write: edit draft")
SEARCH_TERMS = ["sanctions", "heart failure", "guards", "custody", "Browder", "medical records"]
STATUSES = ["agreement", "contradiction", "unverified"]
ETAGS_KEPT = 200  # per client: enough variety for the conditional GETs, bounded memory
STYLESHEET = re.compile(
    r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"|<link[^>]*href="([^"]+\.css)"'
)
MEMORY_SAMPLES_PER_RUN = 30  # RSS is read this many times per run (at most every 5 s)

MESSAGE_NO_WORKERS = "gunicorn did not start {workers} workers within {seconds} s. Its log:\n{log}"
MESSAGE_NO_STYLESHEET = "the home page links no stylesheet, so the static files cannot be loaded"
MESSAGE_LOGIN_FAILED = "the editor could not log in to the API: {status} {body}"


def log(message: str) -> None:
    print(f"[soak] {message}", file=sys.stderr, flush=True)


# -- the server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def worker_rss_mb(master_pid: int) -> dict[int, float]:
    """Resident memory (VmRSS) of each gunicorn worker, that is each child of the master, in MB."""
    workers = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:  # the process ended while we looked
            continue
        if int(fields["PPid"]) == master_pid and "VmRSS" in fields:
            workers[int(status.parent.name)] = round(int(fields["VmRSS"].split()[0]) / 1024, 1)
    return workers


def worker_cpu_s(master_pid: int) -> dict[int, float]:
    """CPU time (user + system) each gunicorn worker has used so far, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in worker_rss_mb(master_pid):
        try:
            # Fields after the command name, which is in parentheses and may hold spaces.
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return used


def start_server(env: dict, port: int, log_path: Path) -> subprocess.Popen:
    command = [
        str(BIN / "gunicorn"),
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        str(TIMEOUT_S),
        "ledger.wsgi:application",
    ]
    with log_path.open("wb") as server_log:
        # Its own session, so that stopping it stops the workers too and nothing else.
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if len(worker_rss_mb(process.pid)) == WORKERS and answers(port):
            return process
        if process.poll() is not None:
            break
        time.sleep(0.3)
    stop(process)
    # The log lives in the run's temporary directory, which is about to go: show it now.
    tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
    raise RuntimeError(MESSAGE_NO_WORKERS.format(workers=WORKERS, seconds=60, log=tail))


def answers(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def server_log_problems(log_path: Path) -> dict:
    text = log_path.read_text(errors="replace")
    return {
        "tracebacks": text.count("Traceback (most recent call last)"),
        "worker_timeouts": text.count("WORKER TIMEOUT"),
        "tail": text.splitlines()[-40:],
    }


# -- the ledger -----------------------------------------------------------------------------------


def prepare_ledger(env: dict, scale: float) -> None:
    manage(env, "migrate", "--noinput")
    manage(env, "load_ledger")
    if scale > 0:
        manage(env, "generate_ledger", "--scale", str(scale))
    # Production settings serve hashed static files from a manifest that must exist.
    manage(env, "collectstatic", "--noinput")


CREATE_EDITOR = """
import os
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
user = get_user_model().objects.create_user(
    os.environ["SOAK_EDITOR"], password=os.environ["SOAK_EDITOR_PASSWORD"]
)
user.groups.add(Group.objects.get(name="Editors"))
"""


def create_editor(env: dict) -> tuple[str, str]:
    """An editor account for this run only; its password never leaves the process environment."""
    username, password = "soak-editor", secrets.token_urlsafe(24)
    manage(
        {**env, "SOAK_EDITOR": username, "SOAK_EDITOR_PASSWORD": password},
        "shell",
        "-c",
        CREATE_EDITOR,
    )
    return username, password


def api_token(port: int, username: str, password: str) -> str:
    basic = base64.b64encode(f"{username}:{password}".encode()).decode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
    connection.request("POST", "/api/v1/auth/login/", headers={"Authorization": f"Basic {basic}"})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    if response.status != 200:
        raise RuntimeError(MESSAGE_LOGIN_FAILED.format(status=response.status, body=body[:200]))
    return json.loads(body)["token"]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Targets:
    """What there is to ask for, found the way a client would: through the public API."""

    disputes: list[str]
    claim_pages: list[str]
    claim_ids: list[int]
    sources: list[str]
    speakers: list[str]
    publishers: list[str]
    excerpt_ids: list[int]
    stylesheet: str


def discover(port: int) -> Targets:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)

    def get(path: str):
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status} before the load began")
        return body

    claims = json.loads(get("/api/v1/claims/?page_size=200"))["results"]
    sources = json.loads(get("/api/v1/sources/?page_size=200"))["results"]
    stylesheet = STYLESHEET.search(get("/").decode())
    if stylesheet is None:
        raise RuntimeError(MESSAGE_NO_STYLESHEET)
    targets = Targets(
        disputes=[d["slug"] for d in json.loads(get("/api/v1/disputes/?page_size=200"))["results"]],
        claim_pages=[path_of(c["url"]) for c in claims],
        claim_ids=[c["id"] for c in claims],
        sources=[s["slug"] for s in sources],
        speakers=[s["slug"] for s in json.loads(get("/api/v1/speakers/"))],
        publishers=sorted({s["publisher"]["slug"] for s in sources}),
        excerpt_ids=[
            e["id"] for e in json.loads(get("/api/v1/excerpts/?page_size=200"))["results"]
        ],
        stylesheet=stylesheet.group(1) or stylesheet.group(2),
    )
    connection.close()
    return targets


# -- the clients ----------------------------------------------------------------------------------


@dataclass
class Request:
    kind: str
    path: str
    expect: int
    method: str = "GET"
    headers: dict = field(default_factory=dict)
    body: dict | None = None


class Phase:
    """Warm-up or measurement; each request counts in the phase it started in."""

    def __init__(self) -> None:
        self.name = "warmup"
        self.stopping = threading.Event()


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    warmup_requests: int = 0
    warmup_errors: int = 0
    error_samples: list[dict] = field(default_factory=list)


class Client(threading.Thread):
    """One closed-loop client: a request, its answer read to the end, the next request."""

    def __init__(
        self, *, number: int, port: int, token: str, targets: Targets, phase: Phase, seed: int
    ) -> None:
        super().__init__(name=f"soak-client-{number}", daemon=True)
        self.number = number
        self.token = token
        self.targets = targets
        self.phase = phase
        self.rng = random.Random(seed * 1000 + number)
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
        self.etags: dict[str, str] = {}
        self.next_links: dict[str, str] = {}
        self.draft: dict | None = None
        self.drafts_written = 0
        self.tally = Tally()
        self.crashed = ""

    # What to ask for.

    def build(self, kind: str) -> Request:
        rng, t = self.rng, self.targets
        if kind == "page: home":
            return Request(kind, "/", 200)
        if kind == "page: dispute":
            return Request(kind, f"/disputes/{rng.choice(t.disputes)}/", 200)
        if kind == "page: claim":
            return Request(kind, rng.choice(t.claim_pages), 200)
        if kind == "page: source":
            return Request(kind, f"/sources/{rng.choice(t.sources)}/", 200)
        if kind == "page: speaker":
            return Request(kind, f"/speakers/{rng.choice(t.speakers)}/", 200)
        if kind == "page: facts (filtered)":
            query = rng.choice(
                [
                    {"dispute": rng.choice(t.disputes)},
                    {"publisher": rng.choice(t.publishers)},
                    {"dispute": rng.choice(t.disputes), "publisher": rng.choice(t.publishers)},
                ]
            )
            return Request(kind, f"/facts/?{urlencode(query)}", 200)
        if kind == "page: search":
            return Request(kind, f"/search/?{urlencode({'q': rng.choice(SEARCH_TERMS)})}", 200)
        if kind == "feed and sitemap":
            return Request(kind, rng.choice(["/feeds/claims.atom", "/sitemap.xml"]), 200)
        if kind == "static stylesheet":
            return Request(kind, t.stylesheet, 200)
        if kind == "api: claims (filtered, cursor)":
            return self.list_page(kind, self.claims_query)
        if kind == "api: claim":
            return Request(kind, f"/api/v1/claims/{rng.choice(t.claim_ids)}/", 200)
        if kind == "api: facts (cursor)":
            return self.list_page(kind, lambda: "/api/v1/facts/?page_size=20")
        if kind == "api: disputes":
            return Request(kind, "/api/v1/disputes/", 200)
        if kind == "api: excerpts (cursor)":
            return self.list_page(kind, self.excerpts_query)
        if kind == "conditional GET (304)":
            if not self.etags:
                return Request("page: home", "/", 200)
            path = rng.choice(list(self.etags))
            return Request(kind, path, 304, headers={"If-None-Match": self.etags[path]})
        if kind == "editor write":
            return self.write()
        raise ValueError(f"unknown request kind {kind!r}")

    def claims_query(self) -> str:
        query = {"page_size": 20}
        query.update(
            self.rng.choice(
                [
                    {"status": self.rng.choice(STATUSES)},
                    {"dispute": self.rng.choice(self.targets.disputes)},
                    {"publisher": self.rng.choice(self.targets.publishers)},
                    {"status": self.rng.choice(STATUSES), "ordering": "-updated_at"},
                ]
            )
        )
        return f"/api/v1/claims/?{urlencode(query)}"

    def excerpts_query(self) -> str:
        if self.rng.random() < 0.3:
            return "/api/v1/excerpts/?page_size=20&format=annotation"
        return "/api/v1/excerpts/?page_size=20"

    def list_page(self, kind: str, first_page) -> Request:
        """Half the time the next page of the list this client is walking, as a syncing
        client would; otherwise a fresh first page."""
        following = self.next_links.pop(kind, None)
        if following and self.rng.random() < 0.5:
            return Request(kind, following, 200)
        return Request(kind, first_page(), 200)

    def write(self) -> Request:
        headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json"}
        if self.draft is None:
            self.drafts_written += 1
            text = (
                f"Soak draft {self.number}-{self.drafts_written}: officials said the court "
                "records were confirmed."
            )
            body = {"text": text, "dispute": self.rng.choice(self.targets.disputes)}
            return Request(WRITE_STEPS[0], "/api/v1/claims/", 201, "POST", headers, body)
        claim = f"/api/v1/claims/{self.draft['id']}/"
        if not self.draft["evidence"]:
            body = {
                "excerpt": self.rng.choice(self.targets.excerpt_ids),
                "stance": self.rng.choice(["supports", "contradicts"]),
                "version": self.draft["version"],
            }
            return Request(WRITE_STEPS[1], f"{claim}evidence/", 201, "POST", headers, body)
        body = {"text": f"{self.draft['text']} (Reworded.)", "version": self.draft["version"]}
        return Request(WRITE_STEPS[2], claim, 200, "PATCH", headers, body)

    # Asking, and learning from the answer.

    def send(self, request: Request) -> tuple[int, http.client.HTTPResponse, bytes]:
        body = json.dumps(request.body).encode() if request.body is not None else None
        self.connection.request(request.method, request.path, body=body, headers=request.headers)
        response = self.connection.getresponse()
        return response.status, response, response.read()

    def learn(self, request: Request, response: http.client.HTTPResponse, body: bytes) -> None:
        if request.kind in WRITE_STEPS:
            claim = json.loads(body)
            if request.kind == WRITE_STEPS[0]:
                self.draft = {key: claim[key] for key in ("id", "version", "text")}
                self.draft["evidence"] = False
            elif request.kind == WRITE_STEPS[1]:
                self.draft.update(version=claim["version"], evidence=True)
            else:
                self.draft = None  # cycle done: the next write starts a new draft
            return
        etag = response.getheader("ETag")
        if request.method == "GET" and response.status == 200 and etag:
            if len(self.etags) >= ETAGS_KEPT:
                self.etags.pop(next(iter(self.etags)))
            self.etags[request.path] = etag
        if request.path.startswith("/api/v1/") and response.status == 200 and b'"next"' in body:
            following = json.loads(body).get("next")
            if following:
                self.next_links[request.kind] = path_of(following)

    def run(self) -> None:
        try:
            self.loop()
        except Exception as failure:  # noqa: BLE001 (a dead client must fail the run, not vanish)
            self.crashed = f"{type(failure).__name__}: {failure}"
        finally:
            self.connection.close()

    def loop(self) -> None:
        kinds, weights = list(MIX), list(MIX.values())
        while not self.phase.stopping.is_set():
            request = self.build(self.rng.choices(kinds, weights)[0])
            phase = self.phase.name
            started = time.perf_counter()
            try:
                status, response, body = self.send(request)
                error = "" if status == request.expect else f"{status}: {body[:300]!r}"
            except (OSError, http.client.HTTPException) as failure:
                response, body = None, b""
                error = f"{type(failure).__name__}: {failure}"
                self.connection.close()  # a fresh connection for the next request
            elapsed_ms = (time.perf_counter() - started) * 1000
            if not error:
                try:
                    self.learn(request, response, body)
                except (ValueError, KeyError, TypeError) as failure:
                    error = f"unreadable answer ({type(failure).__name__}: {failure})"
            if error and request.kind in WRITE_STEPS:
                self.draft = None  # never retry a write on a draft in an unknown state
            self.record(request, phase, elapsed_ms, error)

    def record(self, request: Request, phase: str, elapsed_ms: float, error: str) -> None:
        tally = self.tally
        if error and len(tally.error_samples) < 5:
            tally.error_samples.append(
                {
                    "kind": request.kind,
                    "method": request.method,
                    "path": request.path,
                    "expected": request.expect,
                    "got": error,
                    "phase": phase,
                }
            )
        if phase == "warmup":
            tally.warmup_requests += 1
            tally.warmup_errors += bool(error)
            return
        tally.latencies[request.kind].append(elapsed_ms)
        if error:
            tally.errors[request.kind] += 1


# -- one soak -------------------------------------------------------------------------------------


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(fraction * len(ordered)))
    return round(ordered[rank - 1], 1)


def latency_summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "p50_ms": percentile(ordered, 0.50),
        "p95_ms": percentile(ordered, 0.95),
        "p99_ms": percentile(ordered, 0.99),
        "max_ms": round(ordered[-1], 1) if ordered else 0.0,
    }


def slope_mb_per_min(samples: list[dict]) -> float | None:
    """The least-squares trend of the workers' total RSS over the measured phase: near zero when
    memory is flat, whatever the spikes of single large responses."""
    points = [(s["t_s"] / 60, s["total_mb"]) for s in samples if s["phase"] == "measure"]
    if len(points) < 3:
        return None
    mean_t = sum(t for t, _ in points) / len(points)
    mean_mb = sum(mb for _, mb in points) / len(points)
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    trend = sum((t - mean_t) * (mb - mean_mb) for t, mb in points) / spread
    return round(trend, 2)


def sample_memory(
    master_pid: int, phase: Phase, samples: list, started: float, every_s: float
) -> None:
    while not phase.stopping.wait(every_s):
        workers = worker_rss_mb(master_pid)
        samples.append(
            {
                "t_s": round(time.monotonic() - started, 1),
                "phase": phase.name,
                "total_mb": round(sum(workers.values()), 1),
                "workers_mb": list(workers.values()),
            }
        )


def soak(database: str, database_url: str, args: argparse.Namespace, workdir: Path) -> dict:
    env = production_env(database_url)
    # Its own response cache, so neither another run's entries nor ours outlive this soak.
    env["LEDGER_RESPONSE_CACHE_DIR"] = str(workdir / "cache")
    # Every client comes from 127.0.0.1, so the anonymous throttle must let them all through.
    # Per second rather than per minute: DRF keeps each address's request times for the whole
    # period, and a minute of this load would be a list of ~10^4 times that every uncached API
    # request rewrites, a cost (and memory) no real client address ever causes.
    env["LEDGER_API_ANON_RATE"] = "1000000/second"
    log(f"{database}: building the ledger (seed + generate_ledger --scale {args.scale})")
    prepare_ledger(env, args.scale)
    username, password = create_editor(env)
    port = free_port()
    server_log = workdir / f"gunicorn-{database}.log"
    server = start_server(env, port, server_log)
    phase = Phase()
    memory_samples: list[dict] = []
    load_start = os.getloadavg()
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cpu_start = resource.getrusage(resource.RUSAGE_SELF)
    try:
        token = api_token(port, username, password)
        targets = discover(port)
        clients = [
            Client(number=n, port=port, token=token, targets=targets, phase=phase, seed=args.seed)
            for n in range(args.clients)
        ]
        began = time.monotonic()
        every_s = min(5.0, (args.warmup + args.duration) / MEMORY_SAMPLES_PER_RUN)
        sampler = threading.Thread(
            target=sample_memory,
            args=(server.pid, phase, memory_samples, began, every_s),
            daemon=True,
        )
        for client in clients:
            client.start()
        sampler.start()
        log(f"{database}: {args.clients} clients on port {port}, warming up {args.warmup} s")
        time.sleep(args.warmup)
        workers_start = worker_rss_mb(server.pid)
        cpu_workers_start = worker_cpu_s(server.pid)
        phase.name = "measure"
        measure_started = time.monotonic()
        log(f"{database}: measuring for {args.duration} s")
        time.sleep(args.duration)
        phase.stopping.set()
        measured_s = time.monotonic() - measure_started
        cpu_workers_end = worker_cpu_s(server.pid)
        for client in clients:
            client.join(timeout=TIMEOUT_S + 5)
        sampler.join(timeout=every_s + 1)
        workers_end = worker_rss_mb(server.pid)
    finally:
        phase.stopping.set()
        stop(server)
    cpu_end = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu_s = (cpu_end.ru_utime - cpu_start.ru_utime) + (cpu_end.ru_stime - cpu_start.ru_stime)
    return report(
        database=database,
        started=started,
        args=args,
        clients=clients,
        measured_s=measured_s,
        workers_start=workers_start,
        workers_end=workers_end,
        memory_samples=memory_samples,
        load_average=[load_start, os.getloadavg()],
        client_cpu_s=client_cpu_s,
        server_cpu_s=sum(
            cpu_workers_end[pid] - cpu_workers_start.get(pid, 0.0) for pid in cpu_workers_end
        ),
        wall_s=time.monotonic() - began,
        server_log=server_log_problems(server_log),
        targets=targets,
    )


def report(
    *,
    database: str,
    started: str,
    args: argparse.Namespace,
    clients: list[Client],
    measured_s: float,
    workers_start: dict,
    workers_end: dict,
    memory_samples: list,
    load_average: list,
    client_cpu_s: float,
    server_cpu_s: float,
    wall_s: float,
    server_log: dict,
    targets: Targets,
) -> dict:
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: Counter = Counter()
    for client in clients:
        for kind, values in client.tally.latencies.items():
            latencies[kind].extend(values)
        errors.update(client.tally.errors)
    everything = [value for values in latencies.values() for value in values]
    requests = len(everything)
    error_count = sum(errors.values())
    warmup_errors = sum(c.tally.warmup_errors for c in clients)
    start_total, end_total = sum(workers_start.values()), sum(workers_end.values())
    growth = (end_total - start_total) / start_total if start_total else 0.0
    restarted = set(workers_start) != set(workers_end)
    failures = [f"client {c.number} stopped: {c.crashed}" for c in clients if c.crashed]
    if any(c.is_alive() for c in clients):
        failures.append(f"some clients were still waiting for an answer after {TIMEOUT_S} s")
    if not requests:
        failures.append("no request completed")
    if error_count or warmup_errors:
        failures.append(f"{error_count + warmup_errors} failed requests")
    if restarted:
        failures.append("a gunicorn worker was restarted during the run")
    if growth > args.memory_threshold:
        failures.append(
            f"worker memory grew by {growth:.0%} (more than {args.memory_threshold:.0%})"
        )
    if server_log["tracebacks"] or server_log["worker_timeouts"]:
        failures.append(
            f"the server logged {server_log['tracebacks']} tracebacks and "
            f"{server_log['worker_timeouts']} worker timeouts"
        )
    return {
        "database": database,
        "started": started,
        "clients": args.clients,
        "duration_s": round(measured_s, 1),
        "warmup_s": args.warmup,
        "scale": args.scale,
        "ledger": {
            "published_claims_seen": len(targets.claim_ids),
            "disputes": len(targets.disputes),
            "sources": len(targets.sources),
        },
        "load_average": [[round(x, 2) for x in sample] for sample in load_average],
        "client_cpu_share_of_one_core": round(client_cpu_s / wall_s, 2) if wall_s else None,
        "requests": requests,
        "requests_per_s": round(requests / measured_s, 1),
        # Less at the mercy of other processes on the machine than requests per second.
        "server_cpu_ms_per_request": round(1000 * server_cpu_s / requests, 1) if requests else None,
        "server_cpu_share_of_one_core": round(server_cpu_s / measured_s, 2),
        "errors": error_count,
        "error_rate": round(error_count / requests, 6) if requests else None,
        "warmup": {
            "requests": sum(c.tally.warmup_requests for c in clients),
            "errors": warmup_errors,
        },
        "latency": latency_summary(everything),
        "kinds": {
            kind: {
                "requests": len(latencies[kind]),
                "errors": errors[kind],
                **latency_summary(latencies[kind]),
            }
            for kind in sorted(latencies, key=lambda k: -len(latencies[k]))
        },
        "memory": {
            "start_mb": list(workers_start.values()),
            "end_mb": list(workers_end.values()),
            "start_total_mb": round(start_total, 1),
            "end_total_mb": round(end_total, 1),
            "growth": round(growth, 3),
            "threshold": args.memory_threshold,
            "trend_mb_per_min": slope_mb_per_min(memory_samples),
            "workers_restarted": restarted,
            "samples": memory_samples,
        },
        # The server's last lines only when something failed: the clue to what did.
        "server_log": server_log if failures else {**server_log, "tail": []},
        "error_samples": [s for c in clients for s in c.tally.error_samples][:20],
        "failures": failures,
        "passed": not failures,
    }


def markdown(result: dict) -> str:
    memory = result["memory"]
    overall = result["latency"]
    lines = [
        f"Soak of {result['started']} on {result['database']}: {result['clients']} clients, "
        f"{result['duration_s']} s after a {result['warmup_s']} s warm-up, gunicorn with "
        f"{WORKERS} workers (production settings), seed ledger + generate_ledger --scale "
        f"{result['scale']}. Load average {result['load_average'][0][0]} at the start, "
        f"{result['load_average'][1][0]} at the end; the load generator used "
        f"{result['client_cpu_share_of_one_core']} of a core on the same machine.",
        "",
        f"**{result['requests']} requests, {result['requests_per_s']} req/s, "
        f"{result['errors']} errors ({result['error_rate'] or 0:.2%}), "
        f"{result['server_cpu_ms_per_request']} ms of worker CPU per request; "
        f"p50 {overall['p50_ms']} ms, p95 {overall['p95_ms']} ms, "
        f"p99 {overall['p99_ms']} ms.** Worker RSS "
        f"{memory['start_mb']} MB after warm-up, {memory['end_mb']} MB at the end "
        f"({memory['growth']:+.1%}; {'flat' if memory['growth'] <= memory['threshold'] else 'GREW'}"
        f", threshold {memory['threshold']:.0%}; trend {memory['trend_mb_per_min']} MB/min). "
        + ("Passed." if result["passed"] else "FAILED: " + "; ".join(result["failures"]) + "."),
        "",
        "| Request | count | errors | p50 ms | p95 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, row in result["kinds"].items():
        lines.append(
            f"| {kind} | {row['requests']} | {row['errors']} | {row['p50_ms']} | "
            f"{row['p95_ms']} | {row['p99_ms']} | {row['max_ms']} |"
        )
    lines.append(
        f"| **all** | {result['requests']} | {result['errors']} | {overall['p50_ms']} | "
        f"{overall['p95_ms']} | {overall['p99_ms']} | {overall['max_ms']} |"
    )
    return "\n".join(lines) + "\n"


# -- main -----------------------------------------------------------------------------------------


def drop_postgres_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    maintenance = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=180, help="Seconds measured.")
    parser.add_argument("--warmup", type=int, default=15, help="Seconds of load before.")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--scale", type=float, default=0.02, help="generate_ledger --scale.")
    parser.add_argument("--seed", type=int, default=1, help="The clients' random seed.")
    parser.add_argument(
        "--memory-threshold", type=float, default=0.20, help="Allowed RSS growth (0.2 = 20%%)."
    )
    parser.add_argument("--no-sqlite", action="store_true", help="Only the PostgreSQL run.")
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help="Where the JSON and Markdown go."
    )
    parser.add_argument(
        "--postgres",
        default="",
        help="A PostgreSQL URL; its database is created for the run and dropped afterwards.",
    )
    args = parser.parse_args()

    results_dir = args.results if args.results.is_absolute() else ROOT / args.results
    results_dir.mkdir(parents=True, exist_ok=True)
    (ROOT / "var").mkdir(exist_ok=True)
    results = []
    # Interrupted (Ctrl-C, CI timeout): clean up through the same `finally` blocks.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="soak-", dir=ROOT / "var"))
    try:
        if not args.no_sqlite:
            results.append(soak("sqlite", f"sqlite:///{workdir / 'soak.sqlite3'}", args, workdir))
        if args.postgres and fresh_postgres_database(args.postgres):
            try:
                results.append(soak("postgresql", args.postgres, args, workdir))
            finally:
                drop_postgres_database(args.postgres)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    sections = []
    for result in results:
        name = f"soak-{result['database']}-{stamp}"
        (results_dir / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
        (results_dir / f"{name}.md").write_text(markdown(result))
        sections.append(markdown(result))
        if not result["passed"]:
            log(f"{result['database']}: FAILED: {'; '.join(result['failures'])}")
            for sample in result["error_samples"][:5]:
                log(f"  {sample}")
    (results_dir / "soak-latest.md").write_text("\n".join(sections))
    print("\n".join(sections))
    return 0 if results and all(r["passed"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
