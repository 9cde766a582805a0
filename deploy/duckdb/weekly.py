#!/usr/bin/env python3
"""Runs weekly.sql over calls.jsonl files with DuckDB's Python package and prints CSV.

usage: weekly.py 'results/merged/calls.jsonl'       (one merged file)
       weekly.py 'results/shard-*/calls.jsonl'      (every shard's file, a glob)
Needs `pip install duckdb`.
"""
import csv
import pathlib
import sys

import duckdb


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    sql = (pathlib.Path(__file__).with_name("weekly.sql")).read_text()
    con = duckdb.connect()
    pattern = sys.argv[1].replace("'", "''")
    con.execute(
        "CREATE VIEW records AS SELECT * FROM "
        f"read_json_auto('{pattern}', format = 'newline_delimited')"
    )
    result = con.execute(sql)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow([d[0] for d in result.description])
    out.writerows(result.fetchall())
    return 0


if __name__ == "__main__":
    sys.exit(main())
