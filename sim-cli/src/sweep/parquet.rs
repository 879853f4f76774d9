//! A sweep's rows as Parquet, with the `parquet` crate's column writer (no
//! Arrow, no compression: the file is small and the build stays light).
//!
//! One row group; columns as in runs.csv. Types: `run`, `seed` and counts
//! are INT64; other figures DOUBLE; names UTF-8 strings; a path's values are
//! INT64 when all are whole numbers, DOUBLE when all are numbers, and text
//! otherwise (a string as it is, anything else as JSON). A missing value (a
//! figure the summary lacks, a path a list entry leaves to the file, a run
//! without a scenario) is null.

use std::sync::Arc;

use parquet::basic::{LogicalType, Repetition, Type as Physical};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use sim_core::sweep::row::{figure_kind, param, Kind};
use sim_core::sweep::Row;

/// One column's values and presence.
enum Column {
    Int(Vec<i64>, Vec<i16>),
    Real(Vec<f64>, Vec<i16>),
    Text(Vec<ByteArray>, Vec<i16>),
}

impl Column {
    fn physical(&self) -> Physical {
        match self {
            Column::Int(..) => Physical::INT64,
            Column::Real(..) => Physical::DOUBLE,
            Column::Text(..) => Physical::BYTE_ARRAY,
        }
    }
}

/// A column from optional values: the values present, and a definition
/// level (1 present, 0 null) per row.
fn column<T>(it: impl Iterator<Item = Option<T>>, make: fn(Vec<T>, Vec<i16>) -> Column) -> Column {
    let (mut v, mut d) = (Vec::new(), Vec::new());
    for x in it {
        d.push(i16::from(x.is_some()));
        v.extend(x);
    }
    make(v, d)
}

fn ints(it: impl Iterator<Item = Option<i64>>) -> Column {
    column(it, Column::Int)
}

fn reals(it: impl Iterator<Item = Option<f64>>) -> Column {
    column(it, Column::Real)
}

fn texts(it: impl Iterator<Item = Option<String>>) -> Column {
    column(
        it.map(|x| x.map(|s| ByteArray::from(s.into_bytes()))),
        Column::Text,
    )
}

/// A path's values (JSON text): whole numbers, numbers (read with Rust's
/// exact parser, as the CSV's text reads), or text.
fn params(rows: &[Row], c: usize) -> Column {
    let values = || rows.iter().map(move |r| r.params[c].as_deref());
    let number = |t: &str| {
        (!t.starts_with('"'))
            .then(|| t.parse::<f64>().ok())
            .flatten()
    };
    if values().flatten().all(|t| t.parse::<i64>().is_ok()) {
        ints(values().map(|v| v.and_then(|t| t.parse().ok())))
    } else if values().flatten().all(|t| number(t).is_some()) {
        reals(values().map(|v| v.and_then(number)))
    } else {
        texts(values().map(|v| v.map(param)))
    }
}

/// The Parquet file of `rows` under `columns` (as runs.csv's).
pub fn write(columns: &[String], rows: &[Row], paths: usize) -> Result<Vec<u8>, String> {
    let mut cols = vec![
        ints(rows.iter().map(|r| Some(r.run as i64))),
        texts(rows.iter().map(|r| Some(r.id.clone()))),
        texts(rows.iter().map(|r| Some(r.architecture.clone()))),
        texts(rows.iter().map(|r| r.scenario.clone())),
        ints(rows.iter().map(|r| Some(r.seed as i64))),
    ];
    cols.extend((0..paths).map(|c| params(rows, c)));
    let figures = columns.len() - cols.len();
    for f in 0..figures {
        let it = rows.iter().map(move |r| r.figures[f]);
        cols.push(match figure_kind(f) {
            Kind::Count => ints(it.map(|x| x.map(|x| x as i64))),
            Kind::Real => reals(it),
        });
    }
    let fields = columns
        .iter()
        .zip(&cols)
        .map(|(name, c)| {
            let b = Type::primitive_type_builder(name, c.physical())
                .with_repetition(Repetition::OPTIONAL);
            let b = if matches!(c, Column::Text(..)) {
                b.with_logical_type(Some(LogicalType::String))
            } else {
                b
            };
            b.build().map(Arc::new)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let schema = Type::group_type_builder("sweep")
        .with_fields(fields)
        .build()
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let props = Arc::new(WriterProperties::builder().build());
    let mut w =
        SerializedFileWriter::new(&mut out, Arc::new(schema), props).map_err(|e| e.to_string())?;
    let mut group = w.next_row_group().map_err(|e| e.to_string())?;
    let mut it = cols.iter();
    while let Some(mut cw) = group.next_column().map_err(|e| e.to_string())? {
        let c = it.next().expect("one column per field");
        let written = match c {
            Column::Int(v, d) => cw.typed::<Int64Type>().write_batch(v, Some(d), None),
            Column::Real(v, d) => cw.typed::<DoubleType>().write_batch(v, Some(d), None),
            Column::Text(v, d) => cw.typed::<ByteArrayType>().write_batch(v, Some(d), None),
        };
        written.map_err(|e| e.to_string())?;
        cw.close().map_err(|e| e.to_string())?;
    }
    group.close().map_err(|e| e.to_string())?;
    w.close().map_err(|e| e.to_string())?;
    Ok(out)
}
