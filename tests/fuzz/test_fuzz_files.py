"""A few hundred fuzz cases of the model file and "my digits" readers, every CI run.

bench/fuzz.py runs tens of thousands; the seeds here are fixed, so a failure repeats.
"""

from __future__ import annotations

import json

from fuzz.harness import figures, run_many

#: Cases per target: about 0.1 s each, and 2 s for a file on which libhdf5 loops
#: (the read is abandoned then, as the app abandons it).
COUNTS = {
    "model_bytes": 100,
    "model_hostile": 48,
    "store_bytes": 16,
    "store_hostile": 16,
    "special_paths": 12,
}


def test_fuzzing_model_files_and_stores_finds_no_crash_hang_or_memory_blowup():
    results = run_many("fuzz.targets_files", COUNTS, workers=2)
    found = figures(results)
    assert found["cases"] == sum(COUNTS.values())
    assert not found["defects"], json.dumps(found["defects"], indent=1)
    assert found["outcomes"]["refused"] > 0  # the mutations did reach the checks
