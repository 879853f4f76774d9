//! Names and numbers as messages show them: names that would break a terminal,
//! SVG or XML are refused, and a huge value gives a short message.

use crate::model::load_arch;

fn err(text: &str) -> String {
    load_arch(text).unwrap_err().to_string()
}

#[test]
fn refuses_architecture_names_that_break_terminals_or_xml() {
    for bad in ["a\\u001b[2Jb", "a\\nb", "a\\u202eb", "a\\u0000"] {
        let e = err(&format!(
            r#"{{"arch":"{bad}","services":[{{"name":"a","package":"karyon","count":1}}]}}"#
        ));
        assert!(
            e.starts_with("at arch: bad architecture name"),
            "{bad}: {e}"
        );
        assert!(!e.chars().any(crate::error::breaks_text), "escaped: {e:?}");
    }
    // spigo's own files name architectures after paths: dots and slashes stay fine.
    assert!(load_arch(
        r#"{"arch":"../compose/test.yml","services":[{"name":"a","package":"karyon","count":1}]}"#
    )
    .is_ok());
}

#[test]
fn a_megabyte_of_name_gives_a_short_message() {
    let long = "n".repeat(1 << 20);
    for text in [
        format!(r#"{{"arch":"x","services":[{{"name":"{long}","package":"karyon","count":1}}]}}"#),
        format!(r#"{{"arch":"{long}","services":[{{"name":"a","package":"karyon","count":1}}]}}"#),
        format!(
            r#"{{"arch":"x","victim":"{long}","services":[{{"name":"a","package":"karyon","count":1}}]}}"#
        ),
        format!(
            r#"{{"arch":"x","services":[{{"name":"a","package":"karyon","count":1,"dependencies":["{long}"]}}]}}"#
        ),
    ] {
        let e = err(&text);
        assert!(e.len() < 600, "{} bytes: {}", e.len(), &e[..200]);
        assert!(e.contains("(1048576 characters)"), "{e}");
    }
}

#[test]
fn huge_numbers_print_in_exponent_form() {
    let e = err(
        r#"{"arch":"x","services":[{"name":"a","package":"karyon","count":1,"service_time":{"dist":"exponential","mean_ms":1e308}}]}"#,
    );
    assert!(e.contains("1e308 is out of range"), "{e}");
}
