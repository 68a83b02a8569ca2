"""The worst quote misses we can construct, timed: a miss answers with the nearest passage, and
its cost must stay bounded whatever the quote and the source (issue 13).

Usage: .venv/bin/python benchmarks/anchoring_misses.py
Each case runs on a cold cache (the source's normalisation included), three times; the best and
the worst time are printed.
"""

import contextlib
import random
import string
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims.rules import anchoring  # noqa: E402


def cases() -> dict[str, tuple[str, str]]:
    rng = random.Random(1)
    seed = max((ROOT / "seeds").glob("*.txt"), key=lambda path: path.stat().st_size).read_text()
    noise = "".join(rng.choice(string.ascii_lowercase + " ") for _ in range(1_000_000))
    return {
        "2,000 chars of ' the', largest seed": (seed, " the" * 500 + "x"),
        "4,998 chars, largest seed": (seed, (seed[:2_498] + "z") * 2),
        "20,000 chars (the API's limit), largest seed": (seed, " the" * 5_000),
        "2,001 chars, 1 MB of 'a'": ("a" * 1_000_000, "a" * 2_000 + "b"),
        "mistyped sentence, 1 MB of seed text": (
            seed * 41,
            "Magnitsky died after a savage beatting by prison guardz in a Moscow detention center",
        ),
        "copied passage with every 'e' changed, 1 MB of noise": (
            noise,
            noise[500_000:502_000].replace("e", "x"),
        ),
        "repeated block with a marker, 1 MB": (
            "".join(f"M{n:06d}" + "a" * 500 for n in range(2_000)),
            "M000100" + "a" * 398 + "b",
        ),
        "CRLF lines and doubled spaces, 1 MB": ("ab  cd\r\n" * 125_000, "ab cd ab cd ab ce"),
    }


def main() -> None:
    print(f"{'case':58} {'source':>10} {'quote':>7} {'best':>7} {'worst':>7}")
    for name, (text, quote) in cases().items():
        times = []
        for _ in range(3):
            anchoring.normalise.cache_clear()
            started = time.perf_counter()
            with contextlib.suppress(anchoring.AnchoringError):
                anchoring.anchor(text, quote)
            times.append(time.perf_counter() - started)
        print(
            f"{name:58} {len(text):>10,} {len(quote):>7,} {min(times):>6.3f}s {max(times):>6.3f}s"
        )


if __name__ == "__main__":
    main()
