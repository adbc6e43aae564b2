#!/usr/bin/env bash
# Mutation check of the rule files with Stryker.NET (a local dotnet tool, .config/dotnet-tools.json).
#
#   bash scripts/mutation.sh                 # every group below, then the summary and the score
#   bash scripts/mutation.sh access gaps     # only these groups (the summary covers the groups run)
#   MUTATION_CONCURRENCY=2 bash scripts/mutation.sh
#   bash scripts/mutation.sh --survivors     # test again only the mutants that survived the newest runs (after new tests)
#
# Each group mutates only the rules it names (whole files, or the members named below, found by their
# signature so edits elsewhere in a file do not shift them) and runs only the test classes that cover them.
# The tests need the PostgreSQL/PostGIS cluster the test factory uses (ConnectionStrings__Referral, default
# 127.0.0.1:55432); start it first (scripts/localdb.sh start) if it is not running. Not part of .ci/run: it
# takes about an hour on a 2-core machine (README "Mutation testing").
#
# Output: bench/results/mutation-<date>.md (score, per-file figures, every surviving mutant) and
# bench/results/mutation-<date>.json (the same, machine-readable); Stryker's own reports stay in
# artifacts/mutation/. The last line printed is "mutation score: N % (killed K of M)".
set -euo pipefail

cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 MSBUILDTERMINALLOGGER=off
CONCURRENCY=${MUTATION_CONCURRENCY:-1}
# Extra milliseconds a mutant's tests may take beyond 1.5x their unmutated time before it counts as a timeout (raise it on
# a loaded machine so that load is not mistaken for an endless loop; timeouts are listed apart in the report).
ADDITIONAL_TIMEOUT=${MUTATION_ADDITIONAL_TIMEOUT:-5000}
OUT=artifacts/mutation
DATE=$(date -u +%Y-%m-%d)
API=src/Referral.Api
PY=$(command -v python3)

# span FILE 'signature regex' ... -> "{start..end}" for each member: from the line matching the regex to the end of
# its body (brace matching, or the end of an expression-bodied member at the first line ending in ';').
span() {
  local file=$1
  shift
  "$PY" - "$file" "$@" <<'EOF'
import re, sys
path, patterns = sys.argv[1], sys.argv[2:]
lines = open(path, encoding="utf-8").read().split("\n")
out = []
for pattern in patterns:
    starts = [i for i, l in enumerate(lines) if re.search(pattern, l)]
    if not starts:
        sys.exit(f"mutation.sh: no member matching {pattern!r} in {path}")
    for start in starts:
        depth, opened, end = 0, False, None
        for i in range(start, len(lines)):
            code = re.sub(r'"([^"\\]|\\.)*"', '""', lines[i])
            while re.search(r"\{[^{}]*\}", code):  # braces opened and closed on one line (patterns, initialisers)
                code = re.sub(r"\{[^{}]*\}", "", code)
            depth += code.count("{") - code.count("}")
            opened = opened or "{" in code
            if (opened and depth <= 0) or (not opened and code.rstrip().endswith(";")):
                end = i
                break
        out.append(f"{{{start + 1}..{end + 1}}}")
print("".join(out))
EOF
}

# The groups: name | files (with spans) to mutate | test classes (dotnet test filter).
group_files() {
  case $1 in
    access)
      # Who sees exact places and who writes what (Actor), and the checks that apply it to writes.
      echo "$API/Features/Access/Actor.cs$(span $API/Features/Access/Actor.cs 'class Actor$')"
      echo "$API/Features/Services/ServiceWriter.cs$(span $API/Features/Services/ServiceWriter.cs 'MayWrite\(')"
      echo "$API/Features/Organizations/OrganizationWriter.cs$(span $API/Features/Organizations/OrganizationWriter.cs 'MayWrite\(')"
      ;;
    confidentiality)
      # What the public is shown of a location, and the distances it is told.
      echo "$API/Features/Locations/LocationMapping.cs$(span $API/Features/Locations/LocationMapping.cs 'static LocationDocument\? ToDocument\(')"
      echo "$API/Features/Referrals/NearestQueries.cs$(span $API/Features/Referrals/NearestQueries.cs 'double PublicDistance\(')"
      ;;
    nearest)
      # Nearest ranking (candidates, ellipsoidal re-rank, tie-break, limit), open-now selection, remote channels.
      echo "$API/Features/Referrals/NearestQueries.cs$(span $API/Features/Referrals/NearestQueries.cs 'Task<List<NearestHit>> HitsAsync\(' 'Task<List<NearestHit>> CandidatesAsync\(' 'Task<List<NearestHit>> ProposedAsync\(' 'Task<List<RemoteService>> RemoteAsync\(' 'Task<List<RemoteService>> ToRemoteAsync\(' 'int AreaRank\(')"
      # The in-process index's filters and deltas (issue 15): what it proposes must be what the SQL path would find.
      echo "$API/Features/Referrals/NearestIndex.cs$(span $API/Features/Referrals/NearestIndex.cs 'static bool Matches\(' 'static bool In\(' 'public NearestGeneration\? With\(' 'public IEnumerable<Guid> Nearest\(')"
      ;;
    eligibility)
      # Which services fit the child: status, categories, language, age, gender, mode, cost, audience, freshness.
      echo "$API/Features/Services/ServiceFilters.cs"
      echo "$API/Features/Referrals/ServiceFilter.cs$(span $API/Features/Referrals/ServiceFilter.cs 'ServiceFilter Parse\(')"
      ;;
    gaps)
      # Gap aggregation: weighted percentiles, shares within thresholds, served share and the gap flag, worst order.
      echo "$API/Features/Gaps/GapAggregator.cs$(span $API/Features/Gaps/GapAggregator.cs 'Percentiles\(double\[\]' 'Dictionary<Key, Raw> RawFigures\(' 'GapMetrics ToMetrics\(' 'int CompareWorst\(')"
      ;;
    *) echo "mutation.sh: unknown group '$1'" >&2; exit 2 ;;
  esac
}

group_tests() {
  case $1 in
    access) echo "FullyQualifiedName~Features.Access.ActorRuleTests|FullyQualifiedName~Features.Access.AccessTests|FullyQualifiedName~Features.Access.SafetyTests|FullyQualifiedName~Features.Access.JwtTests|FullyQualifiedName~Features.Access.ExactnessMatrixTests|FullyQualifiedName~Features.Access.CrossOrganizationTests|FullyQualifiedName~ConfidentialityTests|FullyQualifiedName~Features.Services.ServiceEndpointsTests|FullyQualifiedName~Features.Organizations|FullyQualifiedName~Features.Gaps.PlanningOwnershipTests" ;;
    confidentiality) echo "FullyQualifiedName~ConfidentialityTests|FullyQualifiedName~Features.Access.SafetyTests|FullyQualifiedName~Features.Access.ExactnessMatrixTests|FullyQualifiedName~Features.Referrals.NearestTests" ;;
    nearest) echo "FullyQualifiedName~Features.Referrals.NearestTests|FullyQualifiedName~Features.Referrals.NearestIndexTests|FullyQualifiedName~Features.Referrals.NearestGenerationTests|FullyQualifiedName~Features.Referrals.NearestConfidentialityTests|FullyQualifiedName~Features.Referrals.OpenNowTests|FullyQualifiedName~GraphQL.GraphQLReferralTests" ;;
    eligibility) echo "FullyQualifiedName~Features.Referrals.NearestTests|FullyQualifiedName~Features.Referrals.NearestIndexTests|FullyQualifiedName~Features.Referrals.FreshnessTests|FullyQualifiedName~Features.Referrals.OpenNowTests|FullyQualifiedName~Features.Referrals.SearchTests|FullyQualifiedName~Features.Referrals.BorderTests" ;;
    gaps) echo "FullyQualifiedName~Features.Gaps.GapHandComputedTests|FullyQualifiedName~Features.Gaps.GapRuleEdgeTests|FullyQualifiedName~Features.Gaps.GapAccessTests" ;;
  esac
}

# Arguments: groups to run (default: all, each in its own Stryker run, fastest first), "--together" to run the given
# groups in one Stryker run (one build and one initial test run), "--combine" to only rebuild the overall report.
TOGETHER=0
COMBINE_ONLY=0
RETEST=0
GROUPS_TO_RUN=()
for arg in "$@"; do
  case $arg in
    --together) TOGETHER=1 ;;
    --combine) COMBINE_ONLY=1 ;;
    --survivors) RETEST=1 ;;
    *) group_tests "$arg" >/dev/null; GROUPS_TO_RUN+=("$arg") ;;
  esac
done
if [ ${#GROUPS_TO_RUN[@]} -eq 0 ]; then
  GROUPS_TO_RUN=(gaps eligibility confidentiality access nearest)
fi

# --survivors: one Stryker run over the lines of the mutants that survived (or were not covered) in the newest combined
# report, found again by their text (new `// Stryker disable` comments may have moved them), with the tests of their
# groups; combine then puts the new statuses in place of the old ones. "group path{a..b}" per surviving mutant.
SURVIVOR_LINES=""
if [ $RETEST -eq 1 ]; then
  export MUTATION_RETEST=1
  report=$(ls bench/results/mutation-????-??-??.json 2>/dev/null | sort | tail -1)
  [ -n "$report" ] || { echo "mutation.sh: --survivors needs a combined report (bench/results/mutation-<date>.json)" >&2; exit 2; }
  SURVIVOR_LINES=$("$PY" - "$report" "$API" <<'EOF'
import json, sys
report, api = json.load(open(sys.argv[1], encoding="utf-8")), sys.argv[2]
seen = set()
for m in report["survivors"]:
    lines = open(f"{api}/{m['file']}", encoding="utf-8-sig").read().split("\n")
    at = [i + 1 for i, l in enumerate(lines) if l.strip() == m["code"]]
    if not at:
        sys.exit(f"mutation.sh: {m['file']}:{m['line']} `{m['code']}` is no longer in the file; run the groups again instead")
    line = min(at, key=lambda i: abs(i - m["line"]))
    key = (m["group"], m["file"], line)
    if key not in seen:
        seen.add(key)
        print(f"{m['group']} {api}/{m['file']}{{{line}..{line + m.get('end_line', m['line']) - m['line']}}}")
EOF
)
  [ -n "$SURVIVOR_LINES" ] || { echo "mutation.sh: no surviving mutants in $report"; exit 0; }
  mapfile -t GROUPS_TO_RUN < <(cut -d' ' -f1 <<<"$SURVIVOR_LINES" | awk '!seen[$0]++')
  TOGETHER=1
fi
survivor_files() { grep "^$1 " <<<"$SURVIVOR_LINES" | cut -d' ' -f2- || true; }

# The web app and GraphiQL bundles play no part in the rules (MSBuild reads these as properties, also in Stryker's build).
export BuildWebApp=false BuildGraphiQL=false

# run_stryker GROUP... -> one Stryker run over the groups' members and the union of their test classes (with per-test
# coverage each mutant runs only the tests that reach it), then its report bench/results/mutation-<date>-<groups>.md/.json.
run_stryker() {
  local tag dir mutate tests started elapsed files_by_group
  tag=$(IFS=+; echo "$*")
  [ $RETEST -eq 0 ] || tag="retest-$tag"
  dir=$ROOT/$OUT/$tag
  rm -rf "$dir" && mkdir -p "$dir"
  mutate=$(for group in "$@"; do if [ $RETEST -eq 1 ]; then survivor_files "$group"; else group_files "$group"; fi; done | "$PY" -c '
import json, re, sys
# Stryker.NET reads "{a..b}" after a file pattern as a character span (Roslyn TextSpan), not as lines: turn the
# lines into the characters from the start of its first line to the end of its last.
spans = {}
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    file, _, rest = line.partition("{")
    name = "**/" + file.split("src/Referral.Api/", 1)[1]
    if not rest:
        spans.setdefault(name, []).append("")
        continue
    starts, offset = [], 0
    for text in open(file, encoding="utf-8-sig").read().split("\n"):
        starts.append(offset)
        offset += len(text.encode("utf-16-le")) // 2 + 1
    starts.append(offset)
    for a, b in re.findall(r"\{(\d+)\.\.(\d+)\}", "{" + rest):
        spans.setdefault(name, []).append(f"{{{starts[int(a) - 1]}..{starts[int(b)] - 1}}}")
# A file named whole in one group is mutated whole; otherwise the union of its members.
print(json.dumps([name + ("" if "" in s else "".join(s)) for name, s in spans.items()]))')
  tests=$(for group in "$@"; do group_tests "$group"; done | tr '|' '\n' | awk '!seen[$0]++' | paste -sd '|')
  cat >"$dir/stryker-config.json" <<EOF
{
  "stryker-config": {
    "project": "Referral.Api.csproj",
    "configuration": "Release",
    "mutate": $mutate,
    "test-case-filter": "$tests",
    "coverage-analysis": "perTest",
    "concurrency": $CONCURRENCY,
    "additional-timeout": $ADDITIONAL_TIMEOUT,
    "reporters": ["dots", "json", "markdown"],
    "ignore-methods": ["*Log*", "*.Add"],
    "thresholds": { "high": 90, "low": 80, "break": 0 }
  }
}
EOF
  echo "[$tag] mutating: $(echo "$mutate" | tr -d '[]"' | tr ',' ' ')"
  echo "[$tag] progress: $OUT/$tag/stryker.log (one character per mutant tested: . killed, S survived, T timeout)"
  started=$(date +%s)
  (cd tests/Referral.Api.Tests && dotnet stryker --config-file "$dir/stryker-config.json" --output "$dir" --skip-version-check --log-to-file) \
    >"$dir/stryker.log" 2>&1 || { tail -40 "$dir/stryker.log"; echo "mutation.sh: Stryker failed (log: $OUT/$tag/stryker.log)" >&2; return 1; }
  elapsed=$(( $(date +%s) - started ))
  files_by_group=$(for group in "$@"; do group_files "$group" | sed "s|^|$group |"; done)
  "$PY" - "$dir" "bench/results/mutation-$DATE-$tag" "$elapsed" "$files_by_group" "$(uptime)" <<'EOF'
import json, os, sys
import re
out, target, elapsed, load = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[5]
# The group of each mutated line, from lines "group path{a..b}{c..d}" (a path without spans is the whole file).
members = []
for line in sys.argv[4].splitlines():
    g, spec = line.split(" ", 1)
    path = spec.split("{", 1)[0].split("src/Referral.Api/", 1)[1]
    ranges = [(int(a), int(b)) for a, b in re.findall(r"\{(\d+)\.\.(\d+)\}", spec)] or [(1, 10**9)]
    members.append((g, path, ranges))
def group_of(path, line):
    for g, p, ranges in members:
        if p == path and any(a <= line <= b for a, b in ranges):
            return g
    return "?"
data = json.load(open(os.path.join(out, "reports", "mutation-report.json"), encoding="utf-8"))
mutants = []
for path, f in sorted(data["files"].items()):
    name = path.split("src/Referral.Api/", 1)[-1]
    src = f["source"].split("\n")
    for m in f["mutants"]:
        line = m["location"]["start"]["line"]
        mutants.append({"group": group_of(name, line), "file": name, "line": line, "end_line": m["location"]["end"]["line"],
                        "column": m["location"]["start"]["column"], "status": m["status"],
                        "reason": m.get("statusReason", ""), "mutator": m["mutatorName"],
                        "replacement": m.get("replacement", ""), "code": src[line - 1].strip()})
summary = {"groups": list(dict.fromkeys(g for g, _, _ in members)), "seconds": elapsed, "load": load,
           "retest": os.environ.get("MUTATION_RETEST") == "1", "mutants": mutants}
os.makedirs(os.path.dirname(target), exist_ok=True)
json.dump(summary, open(target + ".json", "w", encoding="utf-8"), indent=2)
print(f"run report: {target}.json ({elapsed} s)")
EOF
}

# combine -> bench/results/mutation-<date>.md/.json: the newest run report of each group (bench/results/mutation-*-<group>.json
# or a run of several groups), the score per group and overall, every surviving and every ignored mutant.
combine() {
  "$PY" - "bench/results" "bench/results/mutation-$DATE" access confidentiality nearest eligibility gaps <<'EOF'
import glob, json, os, re, sys
results, target, wanted = sys.argv[1], sys.argv[2], sys.argv[3:]
runs = {}
retests = []
for path in sorted(glob.glob(os.path.join(results, "mutation-????-??-??-*.json"))):
    run = json.load(open(path, encoding="utf-8"))
    date = re.search(r"mutation-(\d{4}-\d{2}-\d{2})-", path).group(1)
    if run.get("retest"):
        retests.append(((date, os.path.getmtime(path)), os.path.basename(path), run))
        continue
    for g in run["groups"]:
        if g in wanted and (g not in runs or (date, os.path.getmtime(path)) >= runs[g][0]):
            runs[g] = ((date, os.path.getmtime(path)), os.path.basename(path), run)
# A retest (--survivors) newer than a group's run replaces the statuses of the mutants it tested again: the same file,
# line text, column, mutator and replacement (line numbers may have moved with the new `// Stryker disable` comments).
retested = {}
for when, name, retest in sorted(retests, key=lambda r: r[0]):
    for g in retest["groups"]:
        if g not in runs or when < runs[g][0]:
            continue
        base = runs[g][2]
        for m in retest["mutants"]:
            if m["group"] != g:
                continue
            for b in base["mutants"]:
                if (b["group"] == g and b["file"] == m["file"] and b["code"] == m["code"] and b["mutator"] == m["mutator"]
                        and b["replacement"] == m["replacement"] and b.get("column", m.get("column")) == m.get("column")
                        and b["status"] in ("Survived", "NoCoverage")):
                    b["status"], b["reason"] = m["status"], m["reason"]
                    retested.setdefault(g, []).append(name)
                    break
detected = {"Killed", "Timeout"}
counted = detected | {"Survived", "NoCoverage"}
rows, survivors, ignored, totals, per_group = [], [], [], {}, {}
for g in wanted:
    if g not in runs:
        rows.append({"group": g, "file": "(not run)", "killed": 0, "total": 0, "score": None, "statuses": {}, "run": None})
        continue
    _, name, run = runs[g]
    files = {}
    for m in run["mutants"]:
        if m["group"] != g:
            continue
        counts = files.setdefault(m["file"], {})
        counts[m["status"]] = counts.get(m["status"], 0) + 1
        totals[m["status"]] = totals.get(m["status"], 0) + 1
        pg = per_group.setdefault(g, {"killed": 0, "total": 0, "seconds": run["seconds"], "load": run.get("load", ""),
                                      "run": " + ".join([name] + sorted(set(retested.get(g, []))))})
        pg["killed"] += m["status"] in detected
        pg["total"] += m["status"] in counted
        if m["status"] in ("Survived", "NoCoverage"):
            survivors.append(m)
        elif m["status"] == "Ignored":
            ignored.append(m)
    for f, counts in sorted(files.items()):
        k = sum(v for s, v in counts.items() if s in detected)
        n = sum(v for s, v in counts.items() if s in counted)
        rows.append({"group": g, "file": f, "killed": k, "total": n, "score": round(100 * k / n, 1) if n else None,
                     "statuses": counts, "run": name})
killed = sum(v for s, v in totals.items() if s in detected)
total = sum(v for s, v in totals.items() if s in counted)
score = round(100 * killed / total, 1) if total else 0.0
for pg in per_group.values():
    pg["score"] = round(100 * pg["killed"] / pg["total"], 1) if pg["total"] else None
summary = {"score_percent": score, "killed": killed, "total": total, "statuses": totals, "groups": per_group,
           "files": rows, "survivors": survivors, "ignored": ignored}
json.dump(summary, open(target + ".json", "w", encoding="utf-8"), indent=2)
fmt = lambda s: f"{s // 60} min {s % 60} s"
with open(target + ".md", "w", encoding="utf-8") as md:
    md.write(f"# Mutation testing of the rule files (Stryker.NET)\n\nScore **{score} %**: {killed} of {total} mutants killed "
             f"(killed or timed out, of killed + survived + not covered; compile errors and mutants ignored with a "
             f"`// Stryker disable` comment, which gives the reason, do not count). Reproduce: `bash scripts/mutation.sh` "
             f"(each group its own Stryker run; `bash scripts/mutation.sh --combine` rebuilds this report from the runs).\n\n"
             f"Statuses: {', '.join(f'{k} {v}' for k, v in sorted(totals.items()))}. Without timeouts counted as killed the score "
             f"would be {round(100 * totals.get('Killed', 0) / total, 1) if total else 0.0} %.\n\n")
    md.write("| group | score | killed | of | run time | load at the end | run report |\n|---|---:|---:|---:|---:|---|---|\n")
    for g in wanted:
        pg = per_group.get(g)
        if pg:
            md.write(f"| {g} | {pg['score']} % | {pg['killed']} | {pg['total']} | {fmt(pg['seconds'])} | "
                     f"{pg['load'].split('load average:')[-1].strip()} | {pg['run']} |\n")
        else:
            md.write(f"| {g} | not run | | | | | |\n")
    md.write("\n| group | file (mutated members) | killed | of | score | statuses |\n|---|---|---:|---:|---:|---|\n")
    for r in rows:
        md.write(f"| {r['group']} | {r['file']} | {r['killed']} | {r['total']} | {r['score']} % | "
                 f"{', '.join(f'{k} {v}' for k, v in sorted(r['statuses'].items()))} |\n")
    md.write("\n## Surviving mutants\n\n")
    if not survivors:
        md.write("None.\n")
    for s in survivors:
        md.write(f"- {s['group']} · {s['file']}:{s['line']} · {s['status']} · {s['mutator']}: `{s['code'][:140]}` → `{s['replacement'][:140]}`\n")
    md.write("\n## Mutants ignored as equivalent (`// Stryker disable` with the reason)\n\n")
    if not ignored:
        md.write("None.\n")
    for s in ignored:
        md.write(f"- {s['group']} · {s['file']}:{s['line']} · {s['mutator']}: `{s['code'][:140]}` — {s['reason']}\n")
print(f"report: {target}.md")
print(f"mutation score: {score} % (killed {killed} of {total})")
EOF
}

if [ $COMBINE_ONLY -eq 0 ]; then
  dotnet tool restore >/dev/null
  dotnet build Referral.sln -c Release -nologo -v quiet >/dev/null
  if [ $TOGETHER -eq 1 ]; then
    run_stryker "${GROUPS_TO_RUN[@]}"
  else
    for group in "${GROUPS_TO_RUN[@]}"; do run_stryker "$group"; done
  fi
fi
combine
