"""The floor: the least work that can answer the benchmark's requests from the same SQLite file.

A bare WSGI app with plain `sqlite3` and `orjson`: two queries a request, no framework, no
permissions, no filters beyond the one asked. It returns the same JSON as the ledger's
`/api/v1/claims/?status=…` (claims with nested evidence), so the ledger's speed can be stated
as a fraction of what this hardware can do at all.

    gunicorn -w 2 benchmarks.floor:application   (LEDGER_BENCH_DB=path/to/ledger.sqlite3)

Routes: `/claims?status=S&after=UPDATED_AT,ID` (pages of 50 in change order) and
`/dispute?slug=SLUG` (the published claims of one dispute).
"""

import os
import sqlite3
import threading
from urllib.parse import parse_qs, quote

import orjson

DATABASE = os.environ.get("LEDGER_BENCH_DB", "var/bench.sqlite3")
PAGE = 50

CLAIMS = """
SELECT c.id, c.slug, c.text, c.status, c.review_state, d.slug, s.slug, c.version,
       c.created_at, c.updated_at, c.published_at
FROM claims_claim c
LEFT JOIN claims_dispute d ON d.id = c.dispute_id
LEFT JOIN claims_speaker s ON s.id = c.speaker_id
"""
PAGE_OF_CLAIMS = (
    CLAIMS
    + """WHERE c.review_state = 'published' AND c.status = ?
  AND (c.updated_at > ? OR (c.updated_at = ? AND c.id > ?))
ORDER BY c.updated_at, c.id LIMIT ?"""
)
DISPUTE_CLAIMS = (
    CLAIMS
    + """WHERE c.review_state = 'published'
  AND c.dispute_id = (SELECT id FROM claims_dispute WHERE slug = ? AND review_state = 'published')
ORDER BY c.id"""
)
EVIDENCE = """
SELECT e.claim_id, e.id, e.stance, e.note, x.id, x.text, x.start, x."end", x.source_id,
       src.slug, src.title, src.published_on, p.slug, p.name, i.heading, i.published_on, sp.slug
FROM claims_evidence e
JOIN claims_excerpt x ON x.id = e.excerpt_id
JOIN claims_source src ON src.id = x.source_id
JOIN claims_publisher p ON p.id = src.publisher_id
LEFT JOIN claims_sourceitem i ON i.id = x.item_id
LEFT JOIN claims_speaker sp ON sp.id = x.speaker_id
WHERE e.claim_id IN ({})
ORDER BY e.stance, x.source_id, x.start, e.id
"""

_local = threading.local()


def _connection():
    if not hasattr(_local, "db"):
        _local.db = sqlite3.connect(f"file:{DATABASE}?mode=ro", uri=True)
    return _local.db


def _iso(value):
    # Django keeps UTC datetimes in SQLite as naive "YYYY-MM-DD HH:MM:SS.ffffff" text.
    return value.replace(" ", "T") + "Z" if value else None


def _claims(rows, base):
    db = _connection()
    ids = [row[0] for row in rows]
    evidence = {claim_id: [] for claim_id in ids}
    if ids:
        query = EVIDENCE.format(",".join("?" * len(ids)))
        for r in db.execute(query, ids):
            evidence[r[0]].append(
                {
                    "id": r[1],
                    "stance": r[2],
                    "note": r[3],
                    "excerpt": {
                        "id": r[4],
                        "text": r[5],
                        "start": r[6],
                        "end": r[7],
                        "source": r[8],
                        "source_title": r[10],
                        "publisher": r[12],
                        "publisher_name": r[13],
                        "date": r[15] or r[11],
                        "item": r[14],
                        "speaker": r[16],
                        "url": f"{base}/sources/{r[9]}/#excerpt-{r[4]}",
                    },
                }
            )
    return [
        {
            "id": r[0],
            "slug": r[1],
            "text": r[2],
            "status": r[3],
            "review_state": r[4],
            "dispute": r[5],
            "speaker": r[6],
            "url": f"{base}/claims/{r[1]}/",
            "version": r[7],
            "created_at": _iso(r[8]),
            "updated_at": _iso(r[9]),
            "published_at": _iso(r[10]),
            "evidence": evidence[r[0]],
        }
        for r in rows
    ]


def application(environ, start_response):
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    base = f"http://{environ.get('HTTP_HOST', 'localhost')}"
    path = environ.get("PATH_INFO", "/")
    db = _connection()
    if path == "/claims":
        updated, _, last_id = query.get("after", ",0").partition(",")
        rows = db.execute(
            PAGE_OF_CLAIMS,
            (query.get("status", "agreement"), updated, updated, int(last_id or 0), PAGE + 1),
        ).fetchall()
        more, rows = len(rows) > PAGE, rows[:PAGE]
        following = None
        if more:
            after = quote(f"{rows[-1][9]},{rows[-1][0]}")
            following = f"{base}/claims?status={query.get('status', 'agreement')}&after={after}"
        body = {"next": following, "previous": None, "results": _claims(rows, base)}
    elif path == "/dispute":
        body = _claims(db.execute(DISPUTE_CLAIMS, (query.get("slug", ""),)).fetchall(), base)
    else:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"detail":"Not found."}']
    payload = orjson.dumps(body)
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]
