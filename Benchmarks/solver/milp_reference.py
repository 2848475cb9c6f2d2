#!/usr/bin/env python3
"""Exact reference for the placement solver's quality benchmark.

Reads the instances that `mkpolicy-bench quality` exports (the placement
problem after housekeeping, with mkpolicy's and the kubelet walk's objective),
solves each exactly as a MILP with scipy.optimize.milp (HiGHS) on the same
objective (docs/objective.md), and reports mkpolicy's gap to the optimum, its
false-infeasible rate, its time against the MILP's, and the same gap for the
re-implemented Kubernetes static CPU manager walk.

Python is used only here, never by mkpolicy.
"""
import json
import sys
import time

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix


class Model:
    def __init__(self):
        self.lb, self.ub, self.integrality, self.cost = [], [], [], []
        self.rows = []  # (dict col->coef, lo, hi)

    def var(self, lo=0.0, hi=np.inf, integer=False, cost=0.0):
        self.lb.append(lo)
        self.ub.append(hi)
        self.integrality.append(1 if integer else 0)
        self.cost.append(cost)
        return len(self.lb) - 1

    def row(self, coefs, lo=-np.inf, hi=np.inf):
        merged = {}
        for col, c in coefs:
            merged[col] = merged.get(col, 0.0) + c
        self.rows.append((merged, lo, hi))

    def solve(self, time_limit):
        data, ri, ci, lo, hi = [], [], [], [], []
        for r, (coefs, l, h) in enumerate(self.rows):
            for col, c in coefs.items():
                ri.append(r)
                ci.append(col)
                data.append(c)
            lo.append(l)
            hi.append(h)
        a = coo_matrix((data, (ri, ci)), shape=(len(self.rows), len(self.lb))).tocsr()
        return milp(
            c=np.array(self.cost),
            constraints=[LinearConstraint(a, lo, hi)] if self.rows else [],
            integrality=np.array(self.integrality),
            bounds=Bounds(np.array(self.lb), np.array(self.ub)),
            options={"time_limit": time_limit, "disp": False},
        )


def build(inst):
    w8 = inst["weights"]
    alpha, beta, gamma, delta = w8["alpha"], w8["beta"], w8["gamma"], w8["delta"]
    llcs, nodes, wls = inst["llcs"], inst["nodes"], inst["workloads"]
    X = inst["remote"]
    dev_nodes = inst["deviceNodes"]
    m = Model()
    N = len(nodes)
    t, cores, half, y, z = {}, {}, {}, {}, {}
    for w, wl in enumerate(wls):
        n = wl["threads"]
        for l, llc in enumerate(llcs):
            tpc, cap = llc["threadsPerCore"], llc["cores"]
            if wl["unit"] == "wholeCore":
                k = m.var(0, cap, True)
                t[w, l] = [(k, tpc)]
                cores[w, l] = [(k, 1)]
            elif wl["unit"] == "threadPerCore":
                k = m.var(0, cap, True)
                t[w, l] = [(k, 1)]
                cores[w, l] = [(k, 1)]
            else:
                f = m.var(0, cap, True)
                if tpc == 2:
                    h = m.var(0, 1, True)
                    half[w, l] = h
                    t[w, l] = [(f, 2), (h, 1)]
                    cores[w, l] = [(f, 1), (h, 1)]
                else:
                    t[w, l] = [(f, tpc)]
                    cores[w, l] = [(f, 1)]
            y[w, l] = m.var(0, 1, True)
            m.row(t[w, l] + [(y[w, l], -max(n, 1))], hi=0)
        # gamma per real LLC domain used: the entries of one domain (cores of
        # different thread counts in one L3) are one cache, as in mkpolicy.
        used = {}
        for l, llc in enumerate(llcs):
            key = (llc["node"], llc["domain"])
            if key not in used:
                used[key] = m.var(0, 1, True, gamma)
            m.row([(y[w, l], 1), (used[key], -1)], hi=0)
        m.row([c for l in range(len(llcs)) for c in t[w, l]], n, n)
        for a in range(N):
            z[w, a] = m.var(0, 1, True, delta)
        for l, llc in enumerate(llcs):
            m.row([(y[w, l], 1), (z[w, llc["node"]], -1)], hi=0)
        if wl["numa"] == "single":
            m.row([(z[w, a], 1) for a in range(N)], hi=1)
        if wl["numa"] == "spread" and n > 0:
            # CPUs on at least min(2, granules, nodes) nodes, counts on the
            # nodes used equal within one granule.
            g = 2 if wl["unit"] == "wholeCore" else 1
            per = {a: [c for l, llc in enumerate(llcs) if llc["node"] == a for c in t[w, l]] for a in range(N)}
            for a in range(N):
                m.row(per[a] + [(z[w, a], -1)], lo=0)  # a node used holds a CPU
            m.row([(z[w, a], 1) for a in range(N)], lo=min(2, n // g, N))
            for a in range(N):
                for b in range(N):
                    if a != b:
                        m.row(per[a] + [(c, -k) for c, k in per[b]] + [(z[w, a], n), (z[w, b], n)], hi=g + 2 * n)
    # Sibling pairs of odd threads.
    pair_cost = 0
    for l, llc in enumerate(llcs):
        terms = [c for w in range(len(wls)) for c in cores[w, l]]
        hs = [w for w in range(len(wls)) if (w, l) in half]
        pairs = []
        for i, a in enumerate(hs):
            for b in hs[i + 1:]:
                q = m.var(0, 1, True, wls[a]["lambda"] + wls[b]["lambda"])
                pairs.append((a, b, q))
                terms.append((q, -1))
        for w in hs:
            m.row([(q, 1) for a, b, q in pairs if w in (a, b)] + [(half[w, l], -1)], hi=0)
        m.row(terms, hi=llc["cores"])
    # LLC rules, over the real cache domain: the entries of one domain
    # (cores of different thread counts in one L3) are one cache.
    domain = {}
    for l, llc in enumerate(llcs):
        domain.setdefault((llc["node"], llc["domain"]), []).append(l)
    for w, wl in enumerate(wls):
        others = set(wl["avoid"])
        if wl["llcExclusive"]:
            others |= set(range(len(wls))) - {w}
        for v in others:
            for entries in domain.values():
                for l in entries:
                    for k in entries:
                        m.row([(y[w, l], 1), (y[v, k], 1)], hi=1)
    # Memory, transport and device traffic.
    mem = {}
    for w, wl in enumerate(wls):
        M, n = wl["memoryGiB"], wl["threads"]
        for b in range(N):
            mem[w, b] = m.var(0, M)
            m.row([(mem[w, b], 1), (z[w, b], -M)], hi=0)
        m.row([(mem[w, b], 1) for b in range(N)], M, M)
        if n > 0 and M > 0:
            F = {(a, b): m.var(0, np.inf, False, alpha * X[a][b]) for a in range(N) for b in range(N)}
            for a in range(N):
                cpu = [(col, -coef * M / n) for l, llc in enumerate(llcs) if llc["node"] == a for col, coef in t[w, l]]
                m.row([(F[a, b], 1) for b in range(N)] + cpu, 0, 0)
            for b in range(N):
                m.row([(F[a, b], 1) for a in range(N)] + [(mem[w, b], -1)], 0, 0)
    for b in range(N):
        m.row([(mem[w, b], 1) for w in range(len(wls))], hi=nodes[b]["memoryGiB"])
    use = {}
    per_device = {}
    for w, wl in enumerate(wls):
        n = wl["threads"]
        for s, cands in enumerate(wl["slots"]):
            xs = []
            for d in cands:
                x = m.var(0, 1, True)
                xs.append((x, 1))
                per_device.setdefault(d, []).append((x, 1))
                use.setdefault((w, d), []).append((x, 1))
            m.row(xs, 1, 1)
        for (ww, d), xs in list(use.items()):
            if ww != w or dev_nodes[d] < 0 or n == 0:
                continue
            dn = dev_nodes[d]
            for a in range(N):
                if X[a][dn] == 0:
                    continue
                g = m.var(0, np.inf, False, beta * X[a][dn])
                cpu = [(col, coef / n) for l, llc in enumerate(llcs) if llc["node"] == a for col, coef in t[w, l]]
                # g >= cpu_share(a) + used(d) - 1
                m.row([(g, 1)] + [(c, -k) for c, k in cpu] + [(c, -k) for c, k in xs], lo=-1)
        if wl["nearDevices"]:
            for a in range(N):
                near = [(c, -k) for (ww, d), xs in use.items() if ww == w and dev_nodes[d] == a for c, k in xs]
                m.row([(z[w, a], 1)] + near, hi=0)
    for d, xs in per_device.items():
        m.row(xs, hi=1)
    return m


class Result:
    """What the report needs of a MILP solve (also read back from the cache)."""

    def __init__(self, status, fun, bound, feasible):
        self.status = status
        self.fun = fun
        self.mip_dual_bound = bound
        self.x = True if feasible else None


def percentile(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    k = min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))
    return v[k]


def main():
    records = json.load(open(sys.argv[1]))
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else 60
    # Optional cache of MILP results (the instances do not change with mkpolicy).
    cache_path = sys.argv[3] if len(sys.argv) > 3 else None
    cache = {}
    if cache_path:
        try:
            cache = json.load(open(cache_path))
        except (OSError, ValueError):
            cache = {}
    rows = []
    for r in records:
        inst = r["instance"]
        if inst is None:
            continue
        key = json.dumps(inst, sort_keys=True)
        if key in cache:
            c = cache[key]
            res = Result(c["status"], c["fun"], c["bound"], c["feasible"])
            ms = c["ms"]
        else:
            model = build(inst)
            start = time.perf_counter()
            raw = model.solve(limit)
            ms = (time.perf_counter() - start) * 1000
            res = Result(raw.status, raw.fun, getattr(raw, "mip_dual_bound", None), raw.x is not None)
            cache[key] = {"status": res.status, "fun": res.fun, "bound": res.mip_dual_bound, "feasible": res.x is not None, "ms": ms}
        rows.append((r, res, ms))
        print(f"seed {r['seed']} {r['mix']} status {res.status} {ms:.0f} ms", file=sys.stderr, flush=True)
    if cache_path:
        json.dump(cache, open(cache_path, "w"))
    gaps, kgaps, times, ratios, mixes, bound_gaps = [], [], [], [], {}, []
    false_infeasible = feasible = unproven = below = placed_infeasible = 0
    kube_infeasible = kube_violations = 0
    for r, res, ms in rows:
        proven = res.status == 0
        if res.status == 2:  # infeasible
            if r["mkpolicy"]["feasible"]:
                placed_infeasible += 1
            continue
        if res.x is None:
            continue
        feasible += 1
        opt = res.fun
        mk = r["mkpolicy"]
        if not mk["feasible"]:
            false_infeasible += 1
            continue
        if not proven:
            # No proven optimum in the time limit: compare with the dual bound.
            unproven += 1
            bound = getattr(res, "mip_dual_bound", None) or opt
            bound_gaps.append((mk["total"] - bound) / max(bound, 1e-9))
            continue
        gap = (mk["total"] - opt) / max(opt, 1e-9) if mk["total"] > opt + 1e-6 else 0.0
        if mk["total"] < opt - 1e-6:
            below += 1
        gaps.append(gap)
        mixes.setdefault(r["mix"], []).append(gap)
        times.append((mk["milliseconds"], ms))
        ratios.append(ms / max(mk["milliseconds"], 1e-3))
        k = r["kubelet"]
        if k["feasible"]:
            kgaps.append((k["total"] - opt) / max(opt, 1e-9) if k["total"] > opt else 0.0)
            if k["ruleViolations"]:
                kube_violations += 1
        else:
            kube_infeasible += 1
    n = len(gaps)
    within = sum(1 for g in gaps if g <= 0.02)
    print(f"instances: {len(rows)}; MILP-feasible: {feasible}; proven optimal: {feasible - unproven - false_infeasible} (time limit {limit:.0f}s)")
    print(f"mkpolicy false-infeasible: {false_infeasible}/{feasible} ({100 * false_infeasible / max(feasible, 1):.1f}%)")
    print(
        f"mkpolicy gap to optimum: median {100 * percentile(gaps, 50):.2f}%, p95 {100 * percentile(gaps, 95):.2f}%, "
        f"worst {100 * max(gaps, default=0):.2f}%; within 2%: {within}/{n} ({100 * within / max(n, 1):.1f}%)"
    )
    for mix in sorted(mixes):
        g = mixes[mix]
        inside = sum(1 for x in g if x <= 0.02)
        print(
            f"  {mix:17s} n={len(g):3d} median {100 * percentile(g, 50):6.2f}%  p95 {100 * percentile(g, 95):6.2f}%  "
            f"worst {100 * max(g):6.2f}%  within 2%: {inside}/{len(g)} ({100 * inside / max(len(g), 1):.1f}%)"
        )
    violated = sum(1 for r, _, _ in rows if r["mkpolicy"].get("ruleViolations"))
    print(f"mkpolicy plans breaking a rule: {violated}")
    print(
        f"kubelet static walk gap: median {100 * percentile(kgaps, 50):.2f}%, p95 {100 * percentile(kgaps, 95):.2f}%, "
        f"worst {100 * max(kgaps, default=0):.2f}%; failed to place {kube_infeasible}, broke a placement rule on {kube_violations}"
    )
    mk_ms = [a for a, _ in times]
    milp_ms = [b for _, b in times]
    print(
        f"time: mkpolicy median {percentile(mk_ms, 50):.2f} ms (p95 {percentile(mk_ms, 95):.2f}), "
        f"MILP median {percentile(milp_ms, 50):.1f} ms (p95 {percentile(milp_ms, 95):.1f}); "
        f"MILP/mkpolicy median ratio {percentile(ratios, 50):.0f}x"
    )
    if bound_gaps:
        print(
            f"unproven instances: mkpolicy above the MILP dual bound by median {100 * percentile(bound_gaps, 50):.2f}%, "
            f"worst {100 * max(bound_gaps):.2f}% (an upper bound on its gap)"
        )
    if below:
        print(f"warning: mkpolicy below the MILP optimum on {below} instances (model mismatch)")
    if placed_infeasible:
        print(f"warning: mkpolicy placed {placed_infeasible} instances the MILP calls infeasible (model mismatch)")


if __name__ == "__main__":
    main()
