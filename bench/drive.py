#!/usr/bin/env python3
"""Drives a running peerbro with wrk and reports (called by bench/run, which sets the
environment). Standard library only."""

import base64
import json
import os
import re
import subprocess
import time
import urllib.request

URL = os.environ["BENCH_URL"]
WORK = os.environ["BENCH_WORK"]
PID = os.environ["BENCH_SERVER_PID"]
CONNECTIONS = os.environ["BENCH_CONNECTIONS"]
DURATION = os.environ["BENCH_DURATION"]
REFERRER = os.environ["BENCH_REFERRER"]
COORDINATOR = os.environ["BENCH_COORDINATOR"]
ADMIN_URL = os.environ["BENCH_ADMIN_URL"]
POSTGRAPHILE = os.environ.get("BENCH_POSTGRAPHILE_URL")

STATUS = "query($id: ID!) { referralStatus(id: $id) { id state feedback outcome } }"
AUDITED = ("query($id: ID!) { referral(id: $id, purpose: REFERRAL_HANDLING) "
           "{ id state reason } }")
LIST = ("query { referralWorklist(first: 50) { edges { node { id state contactOverdue "
        "referrerOrganisation { name } } } } }")
NESTED = ("query { referralWorklist(first: 50) { edges { node { id state "
          "submittedAt contactOverdue referrerOrganisation { name kind } "
          "transitions { action at } } } } }")
# The same reads through PostGraphile 4 on the same tables (bench/run starts it).
PGL_POINT = ("query($tenant: UUID!, $id: UUID!) { referralByTenantIdAndId(tenantId: $tenant, "
             "id: $id) { id state feedback outcome } }")
PGL_LIST = ("query($tenant: UUID!) { allReferrals(first: 50, condition: {tenantId: $tenant}, "
            "orderBy: PRIMARY_KEY_ASC) { nodes { id state "
            "organisationByTenantIdAndReferrerOrganisationId { name } } } }")
SUBMIT = ("mutation($input: SubmitReferralInput!) { submitReferral(input: $input) "
          "{ referral { id state } } }")


def gql(token, query, variables=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    req = urllib.request.Request(URL + "/graphql", body, {
        "content-type": "application/json", "authorization": "Bearer " + token})
    with urllib.request.urlopen(req) as res:
        out = json.load(res)
    if out.get("errors"):
        raise SystemExit(f"bench: {out['errors']}")
    return out["data"]


def counters():
    with urllib.request.urlopen(URL + "/metrics") as res:
        text = res.read().decode()
    def value(name):
        m = re.search(r"^" + name + r" (\S+)$", text, re.M)
        return float(m.group(1)) if m else 0.0
    return value("peerbro_db_transactions_total"), value("peerbro_db_round_trips_total")


def rss_mb():
    status = open(f"/proc/{PID}/status").read()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
    return rss / 1024, hwm / 1024


def lua(token, query, ids=None, submit=False, tenant=None):
    """A wrk script: POST GraphQL; a random id from `ids` (with `tenant` as a variable too,
    for PostGraphile), or a new citizen per request."""
    q = json.dumps(query)
    lines = [
        'wrk.method = "POST"',
        'wrk.headers["content-type"] = "application/json"',
    ]
    if token:
        lines.append(f'wrk.headers["authorization"] = "Bearer {token}"')
    extra = f',\\"tenant\\":\\"{tenant}\\"' if tenant else ""
    if ids:
        lines.append("local ids = {" + ",".join(json.dumps(i) for i in ids) + "}")
        lines.append("request = function() local id = ids[math.random(#ids)]\n"
                     f"  return wrk.format(nil, nil, nil, '{{\"query\":' .. {json.dumps(q)} .. "
                     "',\"variables\":{\"id\":\"' .. id .. '\"" + extra + "}}') end")
    elif tenant:
        lines.append("wrk.body = " + json.dumps(json.dumps(
            {"query": query, "variables": {"tenant": tenant}})))
    elif submit:
        lines.append("local n = 0")
        lines.append("local tag = tostring(math.random(1, 1000000000))")
        lines.append(
            "request = function() n = n + 1\n"
            "  local input = '{\"newCitizen\":{\"name\":\"Bench ' .. tag .. ' ' .. n .. "
            "'\",\"municipality\":\"Helsingør\"},\"reason\":\"Ønsker støtte\","
            "\"consentEvidence\":\"VERBAL_TO_REFERRER\",\"idempotencyKey\":\"b' .. tag .. '-' .. n .. '\"}'\n"
            f"  return wrk.format(nil, nil, nil, '{{\"query\":' .. {json.dumps(q)} .. "
            "',\"variables\":{\"input\":' .. input .. '}}') end")
        lines.append("init = function(args) math.randomseed(os.time() + math.floor(os.clock() * 1e6)); "
                     "tag = tostring(math.random(1, 1000000000)) end")
    else:
        lines.append(f"wrk.body = {json.dumps(json.dumps({'query': query}))}")
    lines.append(
        "done = function(summary, latency, requests)\n"
        "  io.write(string.format('BENCH %d %d %d %d %d\\n', summary.requests, "
        "summary.errors.status + summary.errors.connect + summary.errors.read + "
        "summary.errors.write + summary.errors.timeout, latency:percentile(50), "
        "latency:percentile(99), summary.duration))\nend")
    path = os.path.join(WORK, "script.lua")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def wrk(script, url=URL):
    out = subprocess.run(
        ["wrk", "-t2", "-c" + CONNECTIONS, "-d" + DURATION, "-s", script, url + "/graphql"],
        capture_output=True, text=True, check=True).stdout
    m = re.search(r"^BENCH (\d+) (\d+) (\d+) (\d+) (\d+)$", out, re.M)
    requests, errors, p50, p99, micros = map(int, m.groups())
    return requests, errors, p50 / 1000, p99 / 1000, requests / (micros / 1e6)


def hey_fixed_rate(token, query, variables, rate):
    """`rate` requests a second for DURATION, spread over CONNECTIONS workers (hey -q is per
    worker): (achieved rps, p50 ms, p99 ms, non-200 responses)."""
    body = os.path.join(WORK, "body.json")
    with open(body, "w") as f:
        json.dump({"query": query, "variables": variables}, f)
    workers = int(CONNECTIONS)
    per_worker = max(1, round(rate / workers))
    out = subprocess.run(
        ["hey", "-z", DURATION, "-c", str(workers), "-q", str(per_worker), "-m", "POST",
         "-T", "application/json", "-H", "authorization: Bearer " + token, "-D", body,
         URL + "/graphql"], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = float(re.search(r"50%+ in ([\d.]+) secs", out).group(1)) * 1000
    p99 = float(re.search(r"99%+ in ([\d.]+) secs", out).group(1)) * 1000
    codes = dict((int(c), int(n)) for c, n in re.findall(r"\[(\d+)\]\s+(\d+) responses", out))
    return rps, p50, p99, sum(n for c, n in codes.items() if c != 200)


def pgbench(tenant, rid):
    path = os.path.join(WORK, "raw.sql")
    with open(path, "w") as f:
        f.write("BEGIN;\n"
                f"SELECT set_config('app.tenant_id', '{tenant}', true);\n"
                "SELECT id, state, submitted_at, first_contact_at, feedback, outcome FROM referrals "
                f"WHERE tenant_id = '{tenant}' AND id = '{rid}';\n"
                "COMMIT;\n")
    out = subprocess.run(
        ["pgbench", "-n", "-c", CONNECTIONS, "-j", "2", "-T", DURATION.rstrip("s"), "-f", path,
         ADMIN_URL], capture_output=True, text=True, check=True).stdout
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    lat = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))
    return tps, lat


def raw_uuid(global_id):
    """The UUID inside a GraphQL global id (ADR 0027), for PostGraphile, which speaks UUIDs."""
    text = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    return text.split(":", 1)[1]


def main():
    rows = gql(COORDINATOR, "query { referralWorklist(first: 100) { edges { node { id } } } }")
    ids = [e["node"]["id"] for e in rows["referralWorklist"]["edges"]]
    tenant = gql(COORDINATOR, "query { tenant { id } }")["tenant"]["id"]
    results = []
    # One script file, written afresh for each scenario.
    makers = {
        "referral status (point)": lambda: lua(REFERRER, STATUS, ids=ids),
        "audited referral (point)": lambda: lua(COORDINATOR, AUDITED, ids=ids),
        "worklist, 50 rows": lambda: lua(COORDINATOR, LIST),
        "nested worklist, 50 rows": lambda: lua(COORDINATOR, NESTED),
        "submit a referral": lambda: lua(REFERRER, SUBMIT, submit=True),
    }
    for name, make in makers.items():
        script = make()
        before = counters()
        requests, errors, p50, p99, rps = wrk(script)
        after = counters()
        tx = (after[0] - before[0]) / max(requests, 1)
        rt = (after[1] - before[1]) / max(requests, 1)
        rss, hwm = rss_mb()
        results.append((name, rps, p50, p99, errors, tx, rt, rss, hwm))
        time.sleep(1)
    submit_max = results[-1][1]
    raw_ids = [raw_uuid(i) for i in ids]
    tenant = raw_uuid(tenant)
    pgl = []
    if POSTGRAPHILE:
        for name, script in [
                ("PostGraphile 4: point read", lua(None, PGL_POINT, ids=raw_ids, tenant=tenant)),
                ("PostGraphile 4: 50-row list", lua(None, PGL_LIST, tenant=tenant))]:
            check = subprocess.run(["curl", "-fs", "-X", "POST", "-H",
                                    "content-type: application/json", "-d", json.dumps(
                {"query": PGL_POINT if "point" in name else PGL_LIST,
                 "variables": {"tenant": tenant, "id": raw_ids[0]}}), POSTGRAPHILE + "/graphql"],
                capture_output=True, text=True)
            answer = json.loads(check.stdout or "{}")
            if answer.get("errors") or not answer.get("data"):
                raise SystemExit(f"bench: PostGraphile answered {check.stdout[:500]}")
            requests, errors, p50, p99, rps = wrk(script, POSTGRAPHILE)
            pgl.append((name, rps, p50, p99, errors))
            time.sleep(1)
    fixed = hey_fixed_rate(REFERRER, SUBMIT, {"input": {
        "newCitizen": {"name": "Bench Fast", "municipality": "Helsingør"},
        "reason": "Ønsker støtte", "consentEvidence": "VERBAL_TO_REFERRER"}}, 0.7 * submit_max)
    raw_tps, raw_lat = pgbench(tenant, raw_ids[0])
    lines = [
        f"peerbro load benchmark: {os.environ['BENCH_TENANTS']} tenants, "
        f"{os.environ['BENCH_REFERRALS']} referrals, wrk {CONNECTIONS} connections x {DURATION} "
        f"per scenario, {os.environ.get('BENCH_PROFILE', 'release')} build, "
        f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}",
        "",
        "| scenario | rps | p50 ms | p99 ms | errors | transactions/req | round trips/req | RSS MB (peak) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, rps, p50, p99, errors, tx, rt, rss, hwm in results:
        lines.append(f"| {name} | {rps:.0f} | {p50:.1f} | {p99:.1f} | {errors} | {tx:.2f} | "
                     f"{rt:.2f} | {rss:.0f} ({hwm:.0f}) |")
    lines.append(f"| raw SQL point read (pgbench, same row, same transaction shape) | "
                 f"{raw_tps:.0f} | {raw_lat:.1f} (mean) | | | 1 | 4 | |")
    for name, rps, p50, p99, errors in pgl:
        lines.append(f"| {name} | {rps:.0f} | {p50:.1f} | {p99:.1f} | {errors} | | | |")
    lines.append(f"| submit at a fixed {fixed[0]:.0f} rps (70% of its maximum, hey) | "
                 f"{fixed[0]:.0f} | {fixed[1]:.1f} | {fixed[2]:.1f} | {fixed[3]} | | | |")
    status, audited, listing = results[0][1], results[1][1], results[2][1]
    lines += [
        "",
        "Transactions and round trips per request are the server's own counters over each run, "
        "background work (webhook worker, audit sealer) included.",
        "",
        "Ratios (targets from issue 10):",
        f"- point read / raw SQL: {status / raw_tps:.2f} (target 0.40-0.50)",
    ] + ([
        f"- point read / PostGraphile: {status / pgl[0][1]:.2f}x (target >= 3x)",
        f"- 50-row list / PostGraphile: {listing / pgl[1][1]:.2f}x (target >= 2x)",
    ] if pgl else ["- PostGraphile: not run (BENCH_POSTGRAPHILE=0 or no npm)"]) + [
        f"- audited / unaudited point read: {status / audited:.2f}x slower (target <= 1.5x)",
        f"- submit p99 at 70% of its maximum rate: {fixed[2]:.1f} ms (target < 50 ms)",
        f"- peak RSS: {max(r[8] for r in results):.0f} MB (target <= 100 MB)",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    with open(os.path.join(WORK, "report.md"), "w") as f:
        f.write(report)


if __name__ == "__main__":
    main()
