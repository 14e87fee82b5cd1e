//! Stable property tests: the fuzz targets' properties (`tests/properties/checks.rs`) over a
//! bounded number of generated inputs, deterministic (a fixed seed, so a failure reproduces),
//! plus every input the fuzzers ever crashed on (`fuzz/regressions/<target>/`). The libFuzzer
//! targets in `fuzz/` search further on nightly; these run in every `cargo test`.

#[path = "properties/checks.rs"]
mod checks;

use std::collections::BTreeMap;
use std::path::Path;

use tfplugin::value::to_msgpack;
use tfplugin::{Type, Value};

/// Inputs per property: enough to cover every token and schema type many times over, few
/// enough to stay within a few seconds in a debug build.
const CASES: usize = 20_000;

/// xorshift64*: small, deterministic, good enough to pick tokens.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// Pieces of what users type: numbers at the edges of i32/u64, duration units, catalogue
/// names, URL parts, blanks and a few non-ASCII characters.
const TOKENS: &[&str] = &[
    "0",
    "1",
    "7",
    "150",
    "-",
    "+",
    "-3",
    "2147483647",
    "2147483648",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775807",
    "5124095576030432h",
    "h",
    "m",
    "s",
    "ms",
    "us",
    "µs",
    "ns",
    "d",
    "w",
    "y",
    "min",
    "hour",
    "hours",
    "1m30s",
    "30s",
    "99999999999999999999s",
    "/",
    "//",
    " ",
    "\t",
    "\n",
    ".",
    "..",
    ":",
    "::",
    "@",
    "#",
    "?",
    "[",
    "]",
    "%",
    "é",
    "ß",
    "\u{0}",
    "Umbrella",
    "PSA",
    "System",
    "Table Setup",
    "/System/Table Setup",
    "Companies",
    "/Companies/Company Maintenance",
    "Service Desk",
    "(customize)",
    " (customize)",
    "http://",
    "https://",
    "HTTP://",
    "ftp://",
    "localhost",
    "127.0.0.1",
    "127.255.0.9",
    "128.0.0.1",
    "10.0.0.5",
    "[::1]",
    "[::2]",
    "[",
    "::1",
    "api-na.myconnectwise.net",
    "cw.example.com",
    "-cw",
    "cw-",
    "_",
    "user:pw@",
    ":8080",
    ":0",
    ":99999",
    "example.com",
    "psa@",
    "3f1c2a7e",
    "-9b4d",
    "-4c8e",
    "-a2f1",
    "-6d5e4c3b2a19",
    "g",
    "{",
    "}",
];

/// A string of 0 to 7 tokens, now and then with a random character.
fn user_string(rng: &mut Rng) -> String {
    let mut s = String::new();
    for _ in 0..rng.below(8) {
        if rng.chance(10) {
            s.push(char::from_u32(rng.below(0x3000) as u32).unwrap_or('x'));
        } else {
            let token = rng.pick(TOKENS);
            s.push_str(token);
        }
    }
    s
}

#[test]
fn user_typed_strings_parse_consistently() {
    let mut rng = Rng(0x1305_0009_0000_0001);
    for _ in 0..CASES {
        checks::import_ids(user_string(&mut rng).as_bytes());
    }
}

/// A value of type `ty`, sometimes null or unknown, nested at most `depth` deep.
fn value_of(rng: &mut Rng, ty: &Type, depth: usize) -> Value {
    if rng.chance(8) {
        return if rng.chance(2) {
            Value::Null
        } else {
            Value::Unknown
        };
    }
    let n = if depth == 0 { 0 } else { rng.below(4) };
    match ty {
        Type::String => Value::string(user_string(rng)),
        Type::Bool => Value::Bool(rng.chance(2)),
        Type::Number => match rng.below(4) {
            0 => Value::int(rng.next() as i64),
            1 => Value::int(rng.below(1000) as i64 - 500),
            2 => Value::Number(tfplugin::value::Number::Float(*rng.pick(&[
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::MAX,
                -0.0,
            ]))),
            _ => Value::Number(tfplugin::value::Number::Float(
                (rng.below(1 << 20) as f64) / 64.0 - 1000.0,
            )),
        },
        Type::List(e) => Value::List((0..n).map(|_| value_of(rng, e, depth - 1)).collect()),
        Type::Set(e) => {
            let mut items: Vec<Value> = Vec::new();
            for _ in 0..n {
                let v = value_of(rng, e, depth - 1);
                if !items.iter().any(|i| i.same_as(&v)) {
                    items.push(v);
                }
            }
            Value::Set(items)
        }
        Type::Map(e) => Value::Map(
            (0..n)
                .map(|_| (user_string(rng), value_of(rng, e, depth - 1)))
                .collect::<BTreeMap<_, _>>(),
        ),
        Type::Object(attrs) => Value::Object(
            attrs
                .iter()
                .map(|(k, t)| (k.clone(), value_of(rng, t, depth.saturating_sub(1))))
                .collect(),
        ),
    }
}

/// `bytes` with a few random edits: a byte changed, a cut, a byte inserted or removed.
fn mutate(rng: &mut Rng, mut bytes: Vec<u8>) -> Vec<u8> {
    for _ in 0..=rng.below(3) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(4) {
            0 if at < bytes.len() => bytes[at] = rng.next() as u8,
            1 => bytes.truncate(at),
            2 => bytes.insert(
                at,
                *rng.pick(&[0xc0, 0xc3, 0xd4, 0xc7, 0xdc, 0xde, 0xff, 0x7f]),
            ),
            _ if at < bytes.len() => {
                bytes.remove(at);
            }
            _ => {}
        }
    }
    bytes
}

#[test]
fn terraform_values_round_trip_and_damaged_ones_fail_cleanly() {
    let mut rng = Rng(0x1305_0009_0000_0002);
    let types = checks::schema_types();
    for _ in 0..CASES / 4 {
        let selector = rng.below(types.len());
        let ty = &types[selector];
        let value = value_of(&mut rng, ty, 3);
        let encoded = to_msgpack(&value, ty);
        let decoded = tfplugin::value::from_msgpack(&encoded, ty);
        // Equal, or for NaN (which equals nothing) the same bytes again.
        assert!(
            decoded
                .as_ref()
                .is_ok_and(|d| d.same_as(&value) || to_msgpack(d, ty) == encoded),
            "{value:?} does not round-trip: {decoded:?}"
        );
        let mut input = vec![selector as u8];
        input.extend(mutate(&mut rng, encoded));
        checks::value_decode(&input);
        // JSON where state from disk is expected: any shape, often the wrong one.
        let json = answer_body(&mut rng);
        checks::value_decode(&[&[selector as u8][..], &json].concat());
    }
}

/// A ConnectWise or Umbrella answer body: JSON of the vendors' shapes and of wrong shapes,
/// HTML, text, truncated or empty.
fn answer_body(rng: &mut Rng) -> Vec<u8> {
    const FIELDS: &[&str] = &[
        "id",
        "name",
        "code",
        "message",
        "error",
        "errors",
        "field",
        "resource",
        "identifier",
        "publicKey",
        "privateKey",
        "Codebase",
        "IsCloud",
        "customerId",
        "psaCompanyId",
        "connectionStatus",
        "siteUrl",
        "adminFlag",
        "_info",
        "statusCode",
    ];
    let scalar = |rng: &mut Rng| -> String {
        match rng.below(7) {
            0 => format!("{:?}", user_string(rng)),
            1 => (rng.next() as i64).to_string(),
            2 => "true".into(),
            3 => "null".into(),
            4 => "1e400".into(),
            5 => format!("{:?}", "x".repeat(rng.below(600))),
            _ => "[]".into(),
        }
    };
    let body = match rng.below(5) {
        0 => {
            let fields: Vec<String> = (0..rng.below(6))
                .map(|_| format!("{:?}: {}", rng.pick(FIELDS), scalar(rng)))
                .collect();
            format!("{{{}}}", fields.join(", "))
        }
        1 => {
            let errors: Vec<String> = (0..rng.below(4))
                .map(|_| {
                    format!(
                        "{{\"field\": {}, \"message\": {}}}",
                        scalar(rng),
                        scalar(rng)
                    )
                })
                .collect();
            format!(
                "{{\"code\": {}, \"message\": {}, \"errors\": [{}]}}",
                scalar(rng),
                scalar(rng),
                errors.join(",")
            )
        }
        2 => format!(
            "<!DOCTYPE html><html><body>{}</body></html>",
            "<p>gateway error</p>".repeat(rng.below(100))
        ),
        3 => user_string(rng),
        _ => String::new(),
    };
    let mut bytes = body.into_bytes();
    if rng.chance(3) {
        bytes = mutate(rng, bytes);
    }
    bytes
}

#[test]
fn server_answers_of_any_shape_decode_without_panic() {
    let mut rng = Rng(0x1305_0009_0000_0003);
    for _ in 0..CASES / 4 {
        let mut input = vec![rng.next() as u8];
        input.extend(answer_body(&mut rng));
        checks::response_decode(&input);
    }
}

/// A fuzz target's property over raw bytes.
type Property = fn(&[u8]);

/// Every input a fuzzer found a crash with, replayed against its target's property.
#[test]
fn fuzz_crashes_stay_fixed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let targets: [(&str, Property); 3] = [
        ("import_ids", checks::import_ids),
        ("value_decode", checks::value_decode),
        ("response_decode", checks::response_decode),
    ];
    let mut replayed = 0;
    for (target, property) in targets {
        let Ok(dir) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        for entry in dir.flatten() {
            let input = std::fs::read(entry.path()).expect("read a regression input");
            property(&input);
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no regression input under {}", root.display());
}
