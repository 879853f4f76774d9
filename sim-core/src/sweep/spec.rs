//! The sweep file as written: its types (serde and schemars, so `microsim
//! schema --sweep` publishes what the parser accepts), and overrides kept in
//! the order the file gives them.

use schemars::JsonSchema;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A sweep as written.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// What the sweep asks, in one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Architectures: built-in names (`microsim list`) or files, relative to
    /// the sweep file (1 to 100).
    pub architectures: Vec<String>,
    /// Scenarios: built-in names (`microsim list --scenarios`) or files
    /// relative to the sweep file; `null` is a run without one (the
    /// architecture's spigo `victim`, if any). Default: `[null]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenarios: Vec<Option<String>>,
    /// Seeds of every parameter set: a list `[1, 2, 3]`, or `{"first": 1, "count": 30}`.
    pub seeds: Seeds,
    /// Run options as the server's `start` takes them (`duration`, `rate`,
    /// `scale`, `regions`, `failures`, …; not `seed`: the sweep's `seeds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<serde_json::Map<String, Value>>,
    /// Every combination of these values: a path (`services.api.count`,
    /// `/services/3/count`, `options.rate`) and its values, numbers or
    /// strings (any JSON but null). The first path varies slowest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<std::collections::BTreeMap<String, Vec<Value>>>")]
    pub grid: Option<Overrides<Vec<Value>>>,
    /// Parameter sets given one by one: `[{"services.api.count": 2,
    /// "services.db.count": 3}, …]`. With a grid too, each set is combined
    /// with every grid combination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Vec<std::collections::BTreeMap<String, Value>>>")]
    pub list: Option<Vec<Overrides<Value>>>,
    /// More figures for each row, by their dotted path in summary.json
    /// (`services.db.failed`); `….success` is ok / requests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub figures: Vec<String>,
    /// The chart `microsim sweep` draws from the means: a figure (`y`,
    /// default `success`) against a path (`x`, default the grid's first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<ChartSpec>,
}

/// Seeds, listed or counted.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Seeds {
    /// These seeds, in this order.
    List(Vec<u64>),
    /// `count` seeds from `first` on.
    Range {
        /// The first seed.
        first: u64,
        /// How many.
        count: u64,
    },
}

/// The chart of a sweep.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChartSpec {
    /// The path along the x axis (one of the overrides; numbers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// The figure up the y axis, a column of the rows (`success`, `latency_p99_ms`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// A level to draw across the chart, e.g. 0.9999 for four nines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
}

/// Paths and what is set at each, in the order written (JSON objects are
/// unordered to serde_json's maps; a sweep's columns are not).
#[derive(Debug, Clone, PartialEq)]
pub struct Overrides<T>(pub Vec<(String, T)>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Overrides<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Ordered<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Ordered<T> {
            type Value = Overrides<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of paths")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut v = Vec::new();
                while let Some((k, x)) = m.next_entry::<String, T>()? {
                    v.push((k, x));
                }
                Ok(Overrides(v))
            }
        }
        d.deserialize_map(Ordered(std::marker::PhantomData))
    }
}

impl<T: Serialize> Serialize for Overrides<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}
