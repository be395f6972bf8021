#!/usr/bin/env python3
"""Large synthetic linkage benchmark: N people, each in the left file and, with typos, in the right.

Usage: python3 bench/link/synthetic.py N [PROBITY_BINARY] [--no-splink]
Writes left.csv/right.csv (person_id is the truth, never given to the linkers), then runs
probity link and Splink (DuckDB) on them and prints seconds, peak RSS, precision, recall, F1.
"""
import csv
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GIVEN = ["wei", "fang", "li", "min", "jing", "lei", "jun", "yan", "hui", "qiang", "james", "mary", "john",
         "patricia", "robert", "jennifer", "michael", "linda", "william", "elizabeth", "david", "barbara",
         "richard", "susan", "joseph", "jessica", "thomas", "sarah", "charles", "karen", "chris", "nancy"]
SURNAMES = ["wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma",
            "zhu", "hu", "guo", "he", "lin", "luo", "gao", "smith", "johnson", "williams", "brown", "jones",
            "garcia", "miller", "davis", "rodriguez", "martinez", "hernandez", "lopez", "gonzalez", "wilson"]
STREETS = ["main", "oak", "pine", "maple", "cedar", "elm", "view", "lake", "hill", "park", "river", "spring"]
KINDS = ["street", "road", "avenue", "lane", "drive", "court"]
CITIES = [f"city{i}" for i in range(400)]


def typo(s, rng):
    if len(s) < 2:
        return s
    i = rng.randrange(len(s) - 1)
    op = rng.random()
    if op < 0.4:
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]          # transposition
    if op < 0.7:
        return s[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + s[i + 1:]  # substitution
    return s[:i] + s[i + 1:]                                  # deletion


def person(pid, rng):
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.3 else "")
    return {
        "rec_id": f"L{pid}", "person_id": pid, "given_name": given, "surname": rng.choice(SURNAMES),
        "dob": f"{rng.randint(1940, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
        "street": f"{rng.randint(1, 300)} {rng.choice(STREETS)} {rng.choice(KINDS)}",
        "city": rng.choice(CITIES), "postcode": f"{rng.randint(100000, 999999)}",
    }


def noisy(p, rng):
    q = dict(p)
    q["rec_id"] = "R" + p["rec_id"][1:]
    for field, rate in [("given_name", 0.2), ("surname", 0.15), ("street", 0.2), ("city", 0.05)]:
        if rng.random() < rate:
            q[field] = typo(q[field], rng)
    if rng.random() < 0.1:
        d = q["dob"]
        i = rng.randrange(7)
        q["dob"] = d[:i] + d[i + 1] + d[i] + d[i + 2:]
    if rng.random() < 0.05:
        q["postcode"] = typo(q["postcode"], rng)
    for field in ["given_name", "street", "city", "postcode"]:
        if rng.random() < 0.03:
            q[field] = ""
    q["street"] = q["street"].replace(" street", " st").replace(" road", " rd") if rng.random() < 0.3 else q["street"]
    return q


def write(n, work):
    rng = random.Random(20261124)
    cols = ["rec_id", "given_name", "surname", "dob", "street", "city", "postcode"]
    left_path, right_path = os.path.join(work, "left.csv"), os.path.join(work, "right.csv")
    with open(left_path, "w", newline="") as lf, open(right_path, "w", newline="") as rf:
        lw, rw = csv.DictWriter(lf, cols, extrasaction="ignore"), csv.DictWriter(rf, cols, extrasaction="ignore")
        lw.writeheader(); rw.writeheader()
        rights = []
        for pid in range(n):
            p = person(pid, rng)
            lw.writerow(p)
            rights.append(noisy(p, rng))
        rng.shuffle(rights)
        for q in rights:
            rw.writerow(q)
    return left_path, right_path


CONFIG = """left_id = "rec_id"
right_id = "rec_id"
one_to_one = true
[[field]]
left = "given_name"
right = "given_name"
kind = "name"
[[field]]
left = "surname"
right = "surname"
kind = "name"
[[field]]
left = "dob"
right = "dob"
kind = "date"
[[field]]
left = "street"
right = "street"
kind = "address"
[[field]]
left = "city"
right = "city"
kind = "text"
[[field]]
left = "postcode"
right = "postcode"
kind = "postcode"
"""

SPLINK = r'''
import json, sys
import pandas as pd
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.backends.duckdb import DuckDBAPI
a = pd.read_csv(sys.argv[1], dtype=str).fillna("")
b = pd.read_csv(sys.argv[2], dtype=str).fillna("")
for df in (a, b):
    df["unique_id"] = df["rec_id"]
    df.replace("", None, inplace=True)
settings = SettingsCreator(
    link_type="link_only",
    blocking_rules_to_generate_predictions=[
        block_on("surname", "dob"), block_on("given_name", "dob"), block_on("postcode"),
        block_on("surname", "city"),
    ],
    comparisons=[
        cl.NameComparison("given_name"), cl.NameComparison("surname"),
        cl.DateOfBirthComparison("dob", input_is_string=True, datetime_format="%Y%m%d"),
        cl.JaroWinklerAtThresholds("street"), cl.ExactMatch("city"), cl.ExactMatch("postcode"),
    ],
    retain_intermediate_calculation_columns=False,
)
api = DuckDBAPI()
linker = Linker([api.register(a, table_name="a"), api.register(b, table_name="b")], settings)
linker.training.estimate_probability_two_random_records_match([block_on("postcode", "dob")], recall=0.8)
linker.training.estimate_u_using_random_sampling(max_pairs=1e7)
linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname", "given_name"))
df = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
json.dump([[l, r] for l, r in zip(df["unique_id_l"], df["unique_id_r"])], sys.stdout)
'''


def score(pairs, n):
    tp = sum(1 for l, r in pairs if l[1:] == r[1:])
    p = tp / len(pairs) if pairs else 1.0
    r = tp / n
    return {"pairs": len(pairs), "precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def timed(cmd):
    done = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + cmd, capture_output=True, text=True, check=True)
    seconds, kib = done.stderr.strip().splitlines()[-1].split()
    return done.stdout, float(seconds), round(int(kib) / 1024)


def main():
    n = int(sys.argv[1])
    binary = sys.argv[2] if len(sys.argv) > 2 and not sys.argv[2].startswith("--") else os.path.join(HERE, "../../target/release/probity")
    with tempfile.TemporaryDirectory() as work:
        left, right = write(n, work)
        config = os.path.join(work, "config.toml")
        open(config, "w").write(CONFIG)
        out = os.path.join(work, "links.csv")
        _, s, mib = timed([binary, "--quiet", "link", "--left", left, "--right", right, "--config", config, "--out", out])
        with open(out) as f:
            pairs = [(r["left_id"], r["right_id"]) for r in csv.DictReader(f)]
        rows = [{"linker": "probity link", "n": n, "seconds": s, "peak_rss_mib": mib, **score(pairs, n)}]
        if "--no-splink" not in sys.argv:
            script = os.path.join(work, "splink_run.py")
            open(script, "w").write(SPLINK)
            stdout, s, mib = timed([sys.executable, script, left, right])
            pairs = [tuple(p) if p[0].startswith("L") else (p[1], p[0]) for p in json.loads(stdout)]
            rows.append({"linker": "splink (duckdb)", "n": n, "seconds": s, "peak_rss_mib": mib, **score(pairs, n)})
        print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
