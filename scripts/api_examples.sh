#!/usr/bin/env bash
# The README's API examples, end to end, against a running `make run` (fresh seeds, demo users).
set -e
BASE=${BASE:-http://127.0.0.1:8000}
curl -s "$BASE/api/v1/facts/?publisher=the-moscow-times&page_size=2" | head -c 300; echo
curl -s "$BASE/api/v1/claims/?dispute=cause-of-death&status=contradiction" | head -c 200; echo
curl -s "$BASE/api/v1/claims/?updated_after=2026-01-01T00:00:00Z&ordering=updated_at" | head -c 100; echo
curl -s "$BASE/api/v1/disputes/cause-of-death/" | head -c 100; echo
curl -s -H 'Accept: application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"' "$BASE/api/v1/excerpts/1/" | head -c 100; echo
curl -s -o /dev/null -w "%{http_code}\n" "$BASE/api/v1/claims/?status=maybe"
TOKEN=$(curl -s -X POST -u editor:editor-demo "$BASE/api/v1/auth/login/" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
CLAIM=$(curl -s -X POST "$BASE/api/v1/claims/" -H "Authorization: Token $TOKEN" -H 'Content-Type: application/json' -d '{"text": "Norway will not impose Magnitsky sanctions of its own.", "dispute": "norway"}')
echo "$CLAIM" | head -c 150; echo
ID=$(echo "$CLAIM" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
EXCERPT=$(curl -s -X POST "$BASE/api/v1/excerpts/" -H "Authorization: Token $TOKEN" -H 'Content-Type: application/json' -d '{"source": 1, "quote": "it has no plans to impose any sanctions"}')
echo "$EXCERPT" | head -c 150; echo
EX=$(echo "$EXCERPT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -s -X POST "$BASE/api/v1/claims/$ID/evidence/" -H "Authorization: Token $TOKEN" -H 'Content-Type: application/json' -d "{\"excerpt\": $EX, \"stance\": \"supports\", \"version\": 1}" | head -c 100; echo
curl -s -X POST "$BASE/api/v1/claims/$ID/submit/" -H "Authorization: Token $TOKEN" | head -c 100; echo
RTOKEN=$(curl -s -X POST -u reviewer:reviewer-demo "$BASE/api/v1/auth/login/" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
curl -s -X POST "$BASE/api/v1/claims/$ID/publish/" -H "Authorization: Token $RTOKEN" | head -c 100; echo
curl -s -o /dev/null -w "%{http_code}\n" -X POST "$BASE/api/v1/auth/logout/" -H "Authorization: Token $TOKEN"
