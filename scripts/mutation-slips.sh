#!/usr/bin/env bash
# The one-line slips of issue 19 (and the slips the strengthened tests must see), each applied on its own:
# edit, build, run the test that must catch it, restore. Complements scripts/mutation.sh: Stryker.NET mutates C#
# only, while two of these rules live in SQL (the approximate public point and service_open_at, in migrations).
#
#   bash scripts/mutation-slips.sh            # every slip, one at a time (a build and a test run each)
#   bash scripts/mutation-slips.sh 7 9        # only these
#   bash scripts/mutation-slips.sh --together # every slip at once: one build, each test must fail (faster; sound
#                                             # because each test exercises only its own rule)
#
# Needs the test cluster (127.0.0.1:55432, as for dotnet test). Prints one line per slip, "caught" when the named
# test failed on the slip, and ends with "slips caught: N of M"; the test output is kept in artifacts/mutation-slips/.
# The source is restored after each slip, also on ^C.
set -euo pipefail

cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 MSBUILDTERMINALLOGGER=off
exec "$(command -v python3)" - "$@" <<'EOF'
import os, subprocess, sys

API = "src/Referral.Api/"
MIG = API + "Data/Migrations/"
# id, rule, file, text on today's code, the slip, the test that must fail on it
SLIPS = [
    ("3", "approximate point never within 1.5 km", MIG + "20261129064503_RefineApproximatePoint.cs",
     "< 1500 * 1500\\n", "< 1500\\n", "FullyQualifiedName~Approximate_SiteNearItsCellCentre_PublicPointAtLeast1500mAway"),
    ("4", "approximate distances never below 500 m", API + "Features/Referrals/NearestQueries.cs",
     "? Math.Max(ApproximateRoundingM, Math.Round(metres / ApproximateRoundingM) * ApproximateRoundingM)",
     "? Math.Round(metres / ApproximateRoundingM) * ApproximateRoundingM",
     "FullyQualifiedName~Approximate_SearchedFromBesideItsPublicPoint_IsNeverCloserThan500m"),
    ("5", "candidate margin before the ellipsoidal re-rank", API + "Features/Referrals/NearestQueries.cs",
     ".Take((limit * 3) + 10)", ".Take(limit)", "FullyQualifiedName~Nearest_ManySitesAlmostEquallyFar_LimitOne_TheEllipsoidDecides"),
    ("6", "tie-break by id", API + "Features/Referrals/NearestQueries.cs",
     ".OrderBy(h => h.DistanceM).ThenBy(h => h.ServiceAtLocationId)", ".OrderBy(h => h.DistanceM)",
     "FullyQualifiedName~Nearest_TiesAreBrokenDeterministically"),
    ("7", "age range inclusive", API + "Features/Services/ServiceFilters.cs",
     "s.MinimumAge <= age", "s.MinimumAge < age", "FullyQualifiedName~Nearest_AgeEqualToMinimumOrMaximum_IsEligible"),
    ("8", "gender=any", API + "Features/Services/ServiceFilters.cs",
     'if (f.Gender is { } gender && gender != "any")', "if (f.Gender is { } gender)",
     "FullyQualifiedName~Nearest_GenderAny_KeepsServicesForEveryGender"),
    ("9", "closes_at 23:59 means until midnight", MIG + "20261129061405_AddSearchAndOpeningHours.cs",
     " OR x.closes_at = '23:59'", "", "FullyQualifiedName~At_ClosesAt2359_OpenUntilMidnight"),
    ("10", "weighted median: smallest distance with at least half the weight", API + "Features/Gaps/GapAggregator.cs",
     "cumulative[g] >= 0.5 * totalWeight[g]", "cumulative[g] > 0.5 * totalWeight[g]",
     "FullyQualifiedName~Median_ExactlyHalfTheWeightAtOneDistance_IsThatDistance"),
    ("11", "within X km includes X", API + "Features/Gaps/GapAggregator.cs",
     "d <= thresholds[t] ? w : 0", "d < thresholds[t] ? w : 0", "FullyQualifiedName~Within_DistanceEqualToTheThreshold_CountsAsWithin"),
    ("12", "gap when the served share is below the target", API + "Features/Gaps/GapAggregator.cs",
     "sv < o.TargetShare", "sv <= o.TargetShare", "FullyQualifiedName~Gap_ServedShareExactlyTheTarget_IsNoGap"),
    ("w1", "nested service fields batch-loaded (one batch, not one per key)", API + "GraphQL/BatchLoader.cs",
     "_pending ??= new Batch(this);", "_pending = new Batch(this);", "FullyQualifiedName~NearestServices_NestedServiceFields_AreBatchLoaded"),
    ("w2", "gap distances to approximate sites never below 500 m", API + "Features/Gaps/GapSession.cs",
     "greatest(500, round(ST_Distance({s}.pt, d.point) / 500) * 500)", "round(ST_Distance({s}.pt, d.point) / 500) * 500",
     "FullyQualifiedName~Outputs_NeverPlaceAHiddenSite_AndAnApproximateOneOnlyThroughItsPublicPoint"),
    ("w3", "ndjson list filtered by taxonomy term", API + "Features/Services/ServiceQueries.cs",
     "a.TaxonomyTermId == termId", "a.TaxonomyTermId != termId", "FullyQualifiedName~ListServices_NdjsonWithFilter_StreamsOnlyMatches"),
]

def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

def build():
    r = run(["dotnet", "build", "tests/Referral.Api.Tests", "-c", "Release", "-nologo", "-v", "quiet", "-p:BuildGraphiQL=false"])
    if r.returncode != 0:
        sys.exit("build failed:\n" + r.stdout[-3000:])

together = "--together" in sys.argv[1:]
wanted = set(a for a in sys.argv[1:] if a != "--together")
chosen = [x for x in SLIPS if not wanted or x[0] in wanted]
originals = {}
caught = 0

def apply(slips):
    for sid, rule, path, old, new, test in slips:
        text = open(path, encoding="utf-8").read()
        if old not in text:
            sys.exit(f"slip {sid}: '{old}' not found in {path}: the rule changed, update this list")
        originals.setdefault(path, text)
        # The first occurrence: for a migration, its Up().
        open(path, "w", encoding="utf-8").write(text.replace(old, new, 1))

def restore():
    for path, text in originals.items():
        open(path, "w", encoding="utf-8").write(text)
    originals.clear()

def failing(tests, log):
    r = run(["dotnet", "test", "tests/Referral.Api.Tests", "-c", "Release", "--no-build", "--filter", "|".join(tests)])
    os.makedirs(os.path.dirname(log), exist_ok=True)
    open(log, "w", encoding="utf-8").write(r.stdout)
    failed_lines = [l.strip() for l in r.stdout.splitlines() if l.strip().startswith("Failed Referral.Api.Tests.")]
    return {t for t in tests if any("." + t.split("~")[1] in l for l in failed_lines)}

try:
    batches = [chosen] if together else [[x] for x in chosen]
    for batch in batches:
        apply(batch)
        build()
        log = f"artifacts/mutation-slips/{'together' if together else batch[0][0]}.log"
        failed = failing([x[5] for x in batch], log)
        restore()
        for sid, rule, path, old, new, test in batch:
            hit = test in failed
            caught += hit
            print(f"slip {sid} ({rule}): {'caught' if hit else 'NOT caught'} by {test.split('~')[1]}", flush=True)
finally:
    restore()
build()
print(f"slips caught: {caught} of {len(chosen)}")
sys.exit(0 if caught == len(chosen) else 1)
EOF
