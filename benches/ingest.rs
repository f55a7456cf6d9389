//! Ingest speed of the loader (read + encode) on a generated numeric CSV, in MB/s.
//!
//! `cargo bench --bench ingest` runs the criterion benchmarks on a CSV generated in memory: every
//! row read and parsed (`numeric_16MB`), and the same file sampled to 10,000 rows
//! (`sampled_16MB`), where most rows are only scanned. The `formats` group loads the same table
//! as that CSV and as Parquet (snappy, one row group, as pandas writes a table this size), from
//! memory, every row and sampled, in rows per second.
//! Two more modes, used to measure a large file (see docs/data.md):
//! `... -- --generate PATH MB` writes a numeric CSV of about MB megabytes to PATH, and
//! `... -- --file PATH [--all]` loads PATH once (sampled to the default `max_rows`, or every row
//! with `--all`) and prints its size, the rows kept, the time taken and the MB/s.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use arrow_array::{ArrayRef, Float64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use criterion::{Criterion, Throughput};
use lrfind::data::csv::ReadOptions;
use lrfind::data::{load, load_reader, EncodeOptions};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

/// Feature columns of the generated CSV (plus one numeric label).
const FEATURES: usize = 20;

/// Writes about `bytes` bytes of a numeric CSV: `FEATURES` columns of uniform numbers with six
/// decimals, and a label `y` that depends on them, from a fixed-seed generator.
fn generate(out: &mut impl Write, bytes: usize) -> std::io::Result<()> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let header: Vec<String> = (0..FEATURES).map(|i| format!("x{i}")).collect();
    let mut written = 0;
    let mut line = format!("{},y\n", header.join(","));
    while written < bytes {
        written += line.len();
        out.write_all(line.as_bytes())?;
        line.clear();
        let mut y = 0.0;
        for i in 0..FEATURES {
            let v = next() * 200.0 - 100.0;
            y += v * (i as f64 + 1.0);
            line.push_str(&format!("{v:.6},"));
        }
        line.push_str(&format!("{y:.4}\n"));
    }
    Ok(())
}

/// The generated CSV as a Parquet file: every column float64, snappy-compressed.
fn to_parquet(csv: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(csv).expect("the generated CSV is text");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let mut columns = vec![Vec::new(); header.len()];
    for line in lines {
        for (column, field) in columns.iter_mut().zip(line.split(',')) {
            column.push(field.parse::<f64>().expect("a number"));
        }
    }
    let fields: Vec<Field> = header
        .iter()
        .map(|h| Field::new(*h, DataType::Float64, false))
        .collect();
    let arrays: Vec<ArrayRef> = columns
        .into_iter()
        .map(|c| Arc::new(Float64Array::from(c)) as ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).expect("a batch");
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut out = Vec::new();
    let mut writer =
        ArrowWriter::try_new(&mut out, batch.schema(), Some(properties)).expect("a writer");
    writer.write(&batch).expect("writing to memory");
    writer.close().expect("writing to memory");
    out
}

fn bench(c: &mut Criterion) {
    let mut csv = Vec::new();
    generate(&mut csv, 16 << 20).expect("writing to memory");
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Bytes(csv.len() as u64));
    group.sample_size(10);
    for (name, max_rows) in [("numeric_16MB", None), ("sampled_16MB", Some(10_000))] {
        let read = ReadOptions {
            max_rows,
            ..ReadOptions::default()
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                load_reader(
                    csv.as_slice(),
                    Path::new("bench.csv"),
                    &read,
                    &EncodeOptions::default(),
                )
                .expect("the generated CSV loads")
            })
        });
    }
    group.finish();

    let parquet = to_parquet(&csv);
    let rows = csv.iter().filter(|&&b| b == b'\n').count() - 1;
    let mut group = c.benchmark_group("formats");
    group.throughput(Throughput::Elements(rows as u64));
    group.sample_size(10);
    for (format, bytes) in [("csv", &csv), ("parquet", &parquet)] {
        for (rows, max_rows) in [("all", None), ("sampled", Some(10_000))] {
            let read = ReadOptions {
                max_rows,
                ..ReadOptions::default()
            };
            group.bench_function(format!("{format}_{rows}"), |b| {
                b.iter(|| {
                    load_reader(
                        bytes.as_slice(),
                        Path::new("bench"),
                        &read,
                        &EncodeOptions::default(),
                    )
                    .expect("the generated table loads")
                })
            });
        }
    }
    group.finish();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| args.iter().position(|a| a == name).map(|i| &args[i + 1..]);
    if let Some([path, mb, ..]) = flag("--generate") {
        let mb: usize = mb.parse().expect("--generate PATH MB");
        let file = std::fs::File::create(path).expect("creating the CSV");
        let mut out = std::io::BufWriter::new(file);
        generate(&mut out, mb << 20).expect("writing the CSV");
        out.flush().expect("writing the CSV");
        return;
    }
    if let Some([path, ..]) = flag("--file") {
        let size = std::fs::metadata(path).expect("the CSV exists").len() as f64 / 1e6;
        let read = ReadOptions {
            max_rows: if args.iter().any(|a| a == "--all") {
                None
            } else {
                ReadOptions::default().max_rows
            },
            ..ReadOptions::default()
        };
        let start = Instant::now();
        let d = load(Path::new(path), &read, &EncodeOptions::default()).expect("the CSV loads");
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{path}: {size:.1} MB, {} rows in the file, {} kept{} x {} features in {secs:.2} s = {:.0} MB/s; f32 matrix {:.1} MB",
            d.summary.rows_in_file,
            d.rows(),
            if d.summary.sampled { " (sampled)" } else { "" },
            d.features(),
            size / secs,
            (d.x.len() * 4) as f64 / 1e6
        );
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
