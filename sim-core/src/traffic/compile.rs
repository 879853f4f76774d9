//! A profile as written ([`ProfileSpec`]) to the [`Profile`] the engine uses,
//! refusing what makes no sense with the JSON path, what is wrong and a fix.

use super::Profile;
use crate::duration::{format_duration, parse_duration, Nanos, MAX_DURATION};
use crate::error::{num, quoted, InputError};
use crate::model::{ProfileSpec, Traffic, LIMITS};

/// Most points of a `steps` or `ramp` profile, or slots of a `table`: 16 bytes
/// each, so a profile holds at most 160 KB however long the file.
pub const MAX_POINTS: usize = 10_000;

const FORMS: &str = "steps, ramp, diurnal or table";

/// Checks a `traffic` object at JSON path `path` (`traffic`, or an entry
/// point's `services[0] "www".traffic`): its rate, or its profile, not both.
pub fn check(path: &str, t: &Traffic) -> Result<(), InputError> {
    if let Some(r) = t.rate {
        if !(r.is_finite() && r > 0.0 && r <= LIMITS.max_rate) {
            return Err(InputError::at(
                format!("{path}.rate"),
                format!(
                    "{} is out of range: it must be more than 0 and at most {} requests per second.",
                    num(r),
                    num(LIMITS.max_rate)
                ),
            )
            .hint("change the value to a sensible one, e.g. 100."));
        }
    }
    if let Some(p) = &t.profile {
        if t.rate.is_some() {
            return Err(InputError::at(
                format!("{path}.rate"),
                "both rate and profile are given; the profile gives the rate at every moment.",
            )
            .hint("remove \"rate\" (the run's rate option scales a profile so that its peak is that rate)."));
        }
        compile(&format!("{path}.profile"), p)?;
    }
    if let Some(k) = &t.keys {
        k.check(&format!("{path}.keys"))?;
    }
    Ok(())
}

/// Compiles the profile at JSON path `path` (e.g. `traffic.profile`).
pub fn compile(path: &str, spec: &ProfileSpec) -> Result<Profile, InputError> {
    let given: Vec<&str> = [
        ("steps", spec.steps.is_some()),
        ("ramp", spec.ramp.is_some()),
        ("diurnal", spec.diurnal.is_some()),
        ("table", spec.table.is_some()),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(k, _)| *k)
    .collect();
    if given.len() != 1 {
        let what = if given.is_empty() {
            "the profile has no shape".to_string()
        } else {
            format!(
                "the profile has {} shapes ({})",
                given.len(),
                given.join(", ")
            )
        };
        return Err(
            InputError::at(path, format!("{what}; it needs exactly one.")).hint(format!(
                "give one of {FORMS}, e.g. {{\"steps\": [[\"0s\", 100], [\"30s\", 400]]}}."
            )),
        );
    }
    let profile = if let Some(points) = &spec.steps {
        piecewise(&format!("{path}.steps"), points, false)?
    } else if let Some(points) = &spec.ramp {
        piecewise(&format!("{path}.ramp"), points, true)?
    } else if let Some(d) = &spec.diurnal {
        let p = format!("{path}.diurnal");
        let period = duration(&format!("{p}.period"), &d.period)?;
        if period == 0 {
            return Err(InputError::at(
                format!("{p}.period"),
                "the period is 0: a cycle must take some time.",
            )
            .hint("give the length of one compressed day, e.g. \"10m\"."));
        }
        rate(&format!("{p}.min"), d.min)?;
        rate(&format!("{p}.max"), d.max)?;
        if d.min > d.max {
            return Err(InputError::at(
                format!("{p}.min"),
                format!("min ({}) is above max ({}).", num(d.min), num(d.max)),
            )
            .hint("swap them: min is the quietest rate, max the busiest."));
        }
        let peak_at = match &d.peak_at {
            Some(t) => duration(&format!("{p}.peak_at"), t)?,
            None => period / 2,
        };
        if peak_at >= period {
            return Err(InputError::at(
                format!("{p}.peak_at"),
                format!(
                    "peak_at is {}, not within the period of {}.",
                    format_duration(peak_at),
                    format_duration(period)
                ),
            )
            .hint("give a time from 0 to just under the period, e.g. half of it (the default)."));
        }
        Profile::Diurnal {
            period,
            min: d.min,
            max: d.max,
            peak_at,
        }
    } else if let Some(t) = &spec.table {
        let p = format!("{path}.table");
        let every = duration(&format!("{p}.every"), &t.every)?;
        if every == 0 {
            return Err(InputError::at(
                format!("{p}.every"),
                "every is 0: each slot must last some time.",
            )
            .hint("give the interval the rates were measured at, e.g. \"10s\"."));
        }
        count(
            &format!("{p}.rates"),
            t.rates.len(),
            "rates",
            "[100, 120, 300]",
        )?;
        for (i, &r) in t.rates.iter().enumerate() {
            rate(&format!("{p}.rates[{i}]"), r)?;
        }
        Profile::Piecewise {
            // Past u64's range the slots are never reached; saturating keeps
            // the times non-decreasing.
            times: (0..t.rates.len() as Nanos)
                .map(|i| i.saturating_mul(every))
                .collect(),
            rates: t.rates.clone(),
            linear: false,
        }
    } else {
        unreachable!("exactly one form was checked")
    };
    if profile.peak() <= 0.0 {
        return Err(InputError::at(
            path,
            "every rate of the profile is 0, so no request would ever arrive.",
        )
        .hint("give the busy times a rate above 0, or remove the entry point's traffic."));
    }
    Ok(profile)
}

fn piecewise(path: &str, points: &[(String, f64)], linear: bool) -> Result<Profile, InputError> {
    count(path, points.len(), "points", "[[\"0s\", 100]]")?;
    let mut times = Vec::with_capacity(points.len());
    let mut rates = Vec::with_capacity(points.len());
    for (i, (text, r)) in points.iter().enumerate() {
        let t = duration(&format!("{path}[{i}][0]"), text)?;
        if i == 0 && t != 0 {
            return Err(InputError::at(
                format!("{path}[0][0]"),
                format!("the profile starts at {}, not at 0s.", quoted(text)),
            )
            .hint(format!(
                "add a first point [\"0s\", rate] for the rate before {}.",
                format_duration(t)
            )));
        }
        if let Some(&before) = times.last() {
            if t <= before {
                return Err(InputError::at(
                    format!("{path}[{i}][0]"),
                    format!(
                        "a profile going back in time: {} is not after the previous point's {}.",
                        quoted(text),
                        format_duration(before)
                    ),
                )
                .hint("sort the points by time, each later than the one before; for a sudden jump use steps."));
            }
        }
        rate(&format!("{path}[{i}][1]"), *r)?;
        times.push(t);
        rates.push(*r);
    }
    Ok(Profile::Piecewise {
        times,
        rates,
        linear,
    })
}

fn duration(path: &str, text: &str) -> Result<Nanos, InputError> {
    parse_duration(text).map_err(|mut e| {
        e.path = path.to_string();
        e
    })
}

fn rate(path: &str, r: f64) -> Result<(), InputError> {
    if r.is_finite() && (0.0..=LIMITS.max_rate).contains(&r) {
        return Ok(());
    }
    Err(InputError::at(
        path,
        format!(
            "the rate {} is out of range: it must be at least 0 and at most {} requests per second.",
            num(r),
            num(LIMITS.max_rate)
        ),
    )
    .hint("give requests per second, e.g. 400; 0 for no traffic at that time."))
}

fn count(path: &str, n: usize, what: &str, example: &str) -> Result<(), InputError> {
    if n == 0 {
        return Err(
            InputError::at(path, format!("the list of {what} is empty.")).hint(format!(
                "give at least one, e.g. {example}; for a constant rate use \"rate\" instead."
            )),
        );
    }
    if n > MAX_POINTS {
        return Err(InputError::at(
            path,
            format!("{n} {what}, more than the {MAX_POINTS} accepted."),
        )
        .hint(format!(
            "use coarser slots; {MAX_POINTS} slots of {} already cover 100 days.",
            format_duration(MAX_DURATION / MAX_POINTS as Nanos)
        )));
    }
    Ok(())
}
