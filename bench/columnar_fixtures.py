#!/usr/bin/env python3
"""Parquet and Arrow fixtures for lrfind's columnar reader (tests/columnar.rs); CI needs no Python.

Writes, under tests/fixtures/columnar/, each table as a CSV (pandas' `to_csv`, index left out) and
in the columnar formats, so that the Rust tests can check that every copy reads to the same data
set as the CSV:

- `mixed.*`: iris (data/iris.csv) with columns of every kind a tabular user keeps: floats with
  missing values (`sepal_length`), float32 (`sepal_width`), a nullable integer (`count`), a
  pandas `category` (dictionary-encoded, with a missing value: `size`), a boolean
  (`long_petal`), strings with missing values (`colour`), and the label `species`. Written as Parquet in row groups of 40 rows (4 groups) with snappy (pandas' default),
  gzip, lz4 and no compression; as Feather v2 (the Arrow IPC file) in record batches of 64 rows
  with lz4 (pyarrow's default) and uncompressed; as an Arrow IPC stream; and the snappy Parquet
  file gzipped (`mixed.parquet.gz`).
- `mixed_zstd.parquet`, `mixed_zstd.feather`: zstd, which lrfind does not read (it would need C).
- `mixed_v1.feather`: Feather v1, which lrfind refuses.
- `many.*`: 2,000 rows (a float, an integer, a category and a 3-class label from a seeded
  generator), Parquet in row groups of 250 rows, Feather in batches of 300 and a stream, for
  reading a sample of a file larger than `max_rows`.
- `infinite.csv`, `infinite.parquet`: a float column with an infinity on its sixth row, which
  lrfind refuses in both, naming the row (Parquet) or line (CSV).
- `types.parquet`, `types.feather`: a column of each type that is not plainly a number or text: a
  date, a timestamp, a list, a struct, binary, a decimal, a large string, strings holding numbers,
  an int8 and a category of integers (a dictionary of int64, with a category no row holds); with a
  numeric feature and a label. (No CSV: the test says what each becomes.)

Run from the repository root:  bench/.venv/bin/python bench/columnar_fixtures.py   (a second)
Versions: bench/requirements.txt (pyarrow, pandas, numpy).

`--convert CSV PREFIX` instead writes CSV (any size, read with pyarrow's CSV reader, numbers as
float64 and integer columns as int64) as PREFIX.parquet (snappy, pyarrow's default row groups of
1,048,576 rows) and PREFIX.feather (lz4, pyarrow's default record batches of 65,536 rows), for
bench/columnar.sh.
"""
import argparse
import datetime
import decimal
import gzip
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv
import pyarrow.feather as feather
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "columnar"


def mixed() -> pd.DataFrame:
    iris = pd.read_csv(ROOT / "data" / "iris.csv")
    n = len(iris)
    rows = np.arange(n)
    df = pd.DataFrame()
    length = iris["sepal_length"].copy()
    length[rows % 17 == 3] = np.nan
    df["sepal_length"] = length
    df["sepal_width"] = iris["sepal_width"].astype("float32")
    df["petal_length"] = iris["petal_length"]
    count = pd.array((rows * 7) % 11, dtype="Int64")
    count[rows % 23 == 5] = pd.NA
    df["count"] = count
    size = pd.cut(iris["petal_length"], [0, 2, 5, 10], labels=["small", "medium", "large"])
    size[rows % 29 == 7] = np.nan
    df["size"] = size
    df["long_petal"] = iris["petal_length"] > 4.5
    colour = pd.Series(np.array(["red", "green", "blue"])[(rows * 3 + rows // 7) % 3], dtype=object)
    colour[rows % 19 == 11] = None
    df["colour"] = colour
    df["species"] = iris["species"]
    return df


def many() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 2000
    x = rng.normal(size=n).round(4)
    k = rng.integers(0, 50, size=n)
    c = pd.Categorical(np.array(["a", "b", "c", "d"])[rng.integers(0, 4, size=n)])
    y = np.where(x + k / 50 > 1.0, "high", np.where(x > -0.5, "mid", "low"))
    return pd.DataFrame({"x": x, "k": k, "c": c, "y": y})


def types() -> pa.Table:
    n = 12
    rows = list(range(n))
    return pa.table(
        {
            "day": pa.array([datetime.date(2024, 1, 1 + i) for i in rows], pa.date32()),
            "when": pa.array(
                [datetime.datetime(2024, 1, 1, i) for i in rows], pa.timestamp("us")
            ),
            "tags": pa.array([[i, i + 1] for i in rows], pa.list_(pa.int64())),
            "point": pa.array([{"a": i, "b": -i} for i in rows]),
            "blob": pa.array([bytes([i]) for i in rows], pa.binary()),
            "price": pa.array(
                [decimal.Decimal(f"{i}.{i % 10}5") for i in rows], pa.decimal128(9, 2)
            ),
            "note": pa.array(["long", "short", "tall"] * 4, pa.large_string()),
            "zip": pa.array([str(10000 + i % 3) for i in rows], pa.string()),
            "small": pa.array([i % 5 - 2 for i in rows], pa.int8()),
            "grade": pa.DictionaryArray.from_arrays(
                pa.array([i % 3 for i in rows], pa.int8()), pa.array([1, 2, 3, 4], pa.int64())
            ),
            "x": pa.array([float(i * i % 7) for i in rows], pa.float64()),
            "y": pa.array(["a", "b", "c"] * 4, pa.string()),
        }
    )


def stream(table: pa.Table, path: Path, rows: int) -> None:
    with ipc.new_stream(path, table.schema) as writer:
        for batch in table.to_batches(max_chunksize=rows):
            writer.write_batch(batch)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    df = mixed()
    df.to_csv(OUT / "mixed.csv", index=False)
    table = pa.Table.from_pandas(df, preserve_index=False)
    for name, codec in [("", "snappy"), ("_gzip", "gzip"), ("_lz4", "lz4"), ("_none", "none")]:
        pq.write_table(table, OUT / f"mixed{name}.parquet", row_group_size=40, compression=codec)
    pq.write_table(table, OUT / "mixed_zstd.parquet", row_group_size=40, compression="zstd")
    feather.write_feather(table, OUT / "mixed.feather", chunksize=64)
    feather.write_feather(table, OUT / "mixed_none.feather", chunksize=64, compression="uncompressed")
    feather.write_feather(table, OUT / "mixed_zstd.feather", chunksize=64, compression="zstd")
    # Feather v1 holds no categories or nullable integers: plain columns only. (pyarrow warns
    # that v1 is deprecated: that is the point.)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        v1 = df[["sepal_length", "petal_length", "species"]]
        feather.write_feather(v1, OUT / "mixed_v1.feather", version=1)
    stream(table, OUT / "mixed.arrows", 50)
    # mtime=0: the same bytes on every run.
    with open(OUT / "mixed.parquet", "rb") as f, open(OUT / "mixed.parquet.gz", "wb") as out:
        out.write(gzip.compress(f.read(), mtime=0))

    df = many()
    df.to_csv(OUT / "many.csv", index=False)
    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, OUT / "many.parquet", row_group_size=250)
    feather.write_feather(table, OUT / "many.feather", chunksize=300)
    stream(table, OUT / "many.arrows", 300)

    df = pd.DataFrame({"x": [float(i % 4) for i in range(12)], "y": ["a", "b"] * 6})
    df.loc[5, "x"] = np.inf
    df.to_csv(OUT / "infinite.csv", index=False)
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), OUT / "infinite.parquet")

    pq.write_table(types(), OUT / "types.parquet")
    feather.write_feather(types(), OUT / "types.feather")
    for path in sorted(OUT.iterdir()):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size} bytes")


def convert(csv: Path, prefix: str) -> None:
    table = pyarrow.csv.read_csv(csv)
    pq.write_table(table, f"{prefix}.parquet")
    feather.write_feather(table, f"{prefix}.feather")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--convert", nargs=2, metavar=("CSV", "PREFIX"))
    args = parser.parse_args()
    if args.convert:
        convert(Path(args.convert[0]), args.convert[1])
    else:
        main()
