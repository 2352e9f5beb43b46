"""Record the registry responses the refresh tests replay, and regenerate rules/tables/releases.json.

    python tests/registry/record.py          # network: reads PyPI (a few hundred requests)

1. runs the refresh live through a RecordingFetcher: every JSON API document and PEP 658 metadata file
   it reads lands in tests/registry/recorded/ (index.json + gzip bodies, trimmed to the fields the
   refresh reads; a 404 is recorded as such);
2. replays the recording and writes rules/tables/releases.json from it with the command's own writer.
tests/test_knowledge_refresh.py checks that the shipped release file is exactly what the recorded
responses give, so the table and the fixtures are always refreshed together, by this script.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RECORDED = REPO / "tests" / "registry" / "recorded"


def main() -> int:
    from envadvisor.fsutil import write_atomic
    from envadvisor.knowledge import load_from_dir
    from envadvisor.knowledge.coverage import tables_lines
    from envadvisor.knowledge.fetch import HttpFetcher, RecordedFetcher, RecordingFetcher
    from envadvisor.knowledge.refresh import DEFAULT_LINES, refresh, release_file_text
    from envadvisor.knowledge.releases import TRACKED_PACKAGES

    tables = load_from_dir(REPO / "rules").tables
    if RECORDED.exists():
        shutil.rmtree(RECORDED)
    known = tables_lines(tables)
    extra = {name: known(name) for name in TRACKED_PACKAGES}
    recorder = RecordingFetcher(HttpFetcher(), RECORDED)
    live = refresh(recorder, lines=DEFAULT_LINES, extra_lines=lambda name: extra[name])
    recorder.save_index({"lines": DEFAULT_LINES, "extra_lines": extra})
    recorded = RecordedFetcher(RECORDED)
    replayed = refresh(recorded, lines=DEFAULT_LINES, extra_lines=recorded.extra_lines)
    text = release_file_text(replayed)
    if text != release_file_text(live):
        print("replay differs from the live read", file=sys.stderr)
        return 1
    write_atomic(REPO / "rules" / "tables" / "releases.json", text, force=True)
    count = sum(len(p.releases.releases) + len(p.releases.prereleases) for p in replayed.packages)
    print(f"recorded {len(recorder.index)} responses; {count} releases of {len(replayed.packages)} packages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
