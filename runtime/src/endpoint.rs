//! Endpoint resolution: an interpreter of the model's endpoint rule set (Smithy rules engine,
//! the functions botocore rule sets use for this service family) over botocore's partition data.
//!
//! The generated crate hands both JSON documents over as text; they are parsed once per client.

use std::collections::HashMap;
use std::fmt;

use serde_json::{Map, Value};

/// The parameters the AWS rule sets take from client configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndpointParams {
    pub region: Option<String>,
    pub use_fips: bool,
    pub use_dual_stack: bool,
    /// An endpoint given explicitly; the rules still check it against the other flags.
    pub endpoint: Option<String>,
    /// Parameters an operation sets (the model's static and input context parameters), by
    /// the rule set's names; they take precedence over the configuration.
    pub context: Vec<(&'static str, Value)>,
}

/// Why no endpoint could be chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointError {
    /// A rule of the rule set ended in an error, e.g. FIPS with a custom endpoint.
    Rule(String),
    /// The rule set or partition data is not what this interpreter understands.
    Invalid(String),
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointError::Rule(message) => write!(f, "cannot choose an endpoint: {message}"),
            EndpointError::Invalid(message) => write!(f, "invalid endpoint rules: {message}"),
        }
    }
}

impl std::error::Error for EndpointError {}

/// A parsed rule set and partition table.
#[derive(Debug, Clone)]
pub struct EndpointResolver {
    rules: Value,
    partitions: Vec<Partition>,
}

#[derive(Debug, Clone)]
struct Partition {
    regex: regex_lite::Regex,
    regions: Map<String, Value>,
    outputs: Map<String, Value>,
}

impl EndpointResolver {
    /// Parses `endpoint-rule-set-1.json` and botocore's `partitions.json`.
    pub fn new(rules: &str, partitions: &str) -> Result<Self, EndpointError> {
        let invalid = |what: &str| EndpointError::Invalid(what.to_owned());
        let rules: Value = serde_json::from_str(rules)
            .map_err(|e| EndpointError::Invalid(format!("rule set: {e}")))?;
        let table: Value = serde_json::from_str(partitions)
            .map_err(|e| EndpointError::Invalid(format!("partitions: {e}")))?;
        let partitions = table["partitions"]
            .as_array()
            .ok_or_else(|| invalid("partitions: no `partitions` array"))?
            .iter()
            .map(|p| {
                let regex = p["regionRegex"]
                    .as_str()
                    .ok_or_else(|| invalid("partition without regionRegex"))?;
                Ok(Partition {
                    regex: regex_lite::Regex::new(regex)
                        .map_err(|e| EndpointError::Invalid(format!("{regex}: {e}")))?,
                    regions: p["regions"].as_object().cloned().unwrap_or_default(),
                    outputs: p["outputs"]
                        .as_object()
                        .cloned()
                        .ok_or_else(|| invalid("partition without outputs"))?,
                })
            })
            .collect::<Result<Vec<_>, EndpointError>>()?;
        if !rules["rules"].is_array() {
            return Err(invalid("rule set: no `rules` array"));
        }
        Ok(EndpointResolver { rules, partitions })
    }

    /// The endpoint URL for `params`.
    pub fn resolve(&self, params: &EndpointParams) -> Result<String, EndpointError> {
        let mut scope = HashMap::new();
        // Each parameter from the configuration its `builtIn` names (or, for rule sets that
        // name none, its usual name), else its default; a required one must end up set.
        let declared = self.rules["parameters"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let given = |name: &str, built_in: Option<&str>| -> Value {
            if let Some((_, value)) = params.context.iter().find(|(n, _)| *n == name) {
                return value.clone();
            }
            match built_in.unwrap_or(name) {
                "AWS::Region" | "Region" => params.region.clone().map_or(Value::Null, Value::from),
                "AWS::UseFIPS" | "UseFIPS" => Value::Bool(params.use_fips),
                "AWS::UseDualStack" | "UseDualStack" => Value::Bool(params.use_dual_stack),
                "SDK::Endpoint" | "Endpoint" => {
                    params.endpoint.clone().map_or(Value::Null, Value::from)
                }
                _ => Value::Null,
            }
        };
        for (name, spec) in &declared {
            let mut value = given(name, spec["builtIn"].as_str());
            if value.is_null() {
                value = spec.get("default").cloned().unwrap_or(Value::Null);
            }
            if value.is_null() && spec["required"] == Value::Bool(true) {
                return Err(EndpointError::Rule(format!(
                    "the {name} parameter is required"
                )));
            }
            if !value.is_null() {
                scope.insert(name.clone(), value);
            }
        }
        if declared.is_empty() {
            for name in ["Region", "UseFIPS", "UseDualStack", "Endpoint"] {
                let value = given(name, None);
                if !value.is_null() {
                    scope.insert(name.to_owned(), value);
                }
            }
        }
        match self.rules_of(&self.rules, &mut scope)? {
            Some(url) => Ok(url),
            None => Err(EndpointError::Rule("no rule matched".to_owned())),
        }
    }

    /// The first rule whose conditions hold decides; `None` when none does.
    fn rules_of(
        &self,
        node: &Value,
        scope: &mut HashMap<String, Value>,
    ) -> Result<Option<String>, EndpointError> {
        for rule in node["rules"].as_array().into_iter().flatten() {
            let mut inner = scope.clone();
            if !self.conditions_hold(rule, &mut inner)? {
                continue;
            }
            return match rule["type"].as_str() {
                Some("endpoint") => {
                    let url = rule["endpoint"]["url"].clone();
                    match self.evaluate(&url, &inner)? {
                        Value::String(url) => Ok(Some(url)),
                        _ => Err(EndpointError::Invalid(
                            "endpoint url is not a string".to_owned(),
                        )),
                    }
                }
                Some("error") => match self.evaluate(&rule["error"], &inner)? {
                    Value::String(message) => Err(EndpointError::Rule(message)),
                    _ => Err(EndpointError::Invalid(
                        "error rule without a message".to_owned(),
                    )),
                },
                // A tree whose conditions hold must decide: there is no falling through.
                Some("tree") => match self.rules_of(rule, &mut inner)? {
                    Some(url) => Ok(Some(url)),
                    None => Err(EndpointError::Rule(
                        "no rule of a matching tree matched".to_owned(),
                    )),
                },
                other => Err(EndpointError::Invalid(format!("rule type {other:?}"))),
            };
        }
        Ok(None)
    }

    fn conditions_hold(
        &self,
        rule: &Value,
        scope: &mut HashMap<String, Value>,
    ) -> Result<bool, EndpointError> {
        for condition in rule["conditions"].as_array().into_iter().flatten() {
            let value = self.evaluate(condition, scope)?;
            if matches!(value, Value::Null | Value::Bool(false)) {
                return Ok(false);
            }
            if let Some(name) = condition["assign"].as_str() {
                scope.insert(name.to_owned(), value);
            }
        }
        Ok(true)
    }

    /// Evaluates an expression: a literal, a template string, a `ref` or a function call.
    /// Unset values are `Null`.
    fn evaluate(
        &self,
        expr: &Value,
        scope: &HashMap<String, Value>,
    ) -> Result<Value, EndpointError> {
        match expr {
            Value::String(template) => Ok(Value::String(self.template(template, scope)?)),
            Value::Object(object) if object.contains_key("ref") => {
                let name = object["ref"].as_str().unwrap_or_default();
                Ok(scope.get(name).cloned().unwrap_or(Value::Null))
            }
            Value::Object(object) if object.contains_key("fn") => {
                let args = object
                    .get("argv")
                    .and_then(Value::as_array)
                    .map(|argv| {
                        argv.iter()
                            .map(|a| self.evaluate(a, scope))
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .transpose()?
                    .unwrap_or_default();
                self.call(object["fn"].as_str().unwrap_or_default(), &args)
            }
            other => Ok(other.clone()),
        }
    }

    fn call(&self, function: &str, args: &[Value]) -> Result<Value, EndpointError> {
        let arg = |i: usize| args.get(i).unwrap_or(&Value::Null);
        Ok(match function {
            "isSet" => Value::Bool(!arg(0).is_null()),
            "not" => Value::Bool(arg(0) == &Value::Bool(false)),
            "booleanEquals" | "stringEquals" => Value::Bool(!arg(0).is_null() && arg(0) == arg(1)),
            "getAttr" => get_attr(arg(0), arg(1).as_str().unwrap_or_default()),
            "isValidHostLabel" => {
                let allow_dots = arg(1) == &Value::Bool(true);
                Value::Bool(
                    arg(0)
                        .as_str()
                        .is_some_and(|label| valid_host_label(label, allow_dots)),
                )
            }
            "aws.partition" => match arg(0).as_str() {
                Some(region) => self.partition(region),
                None => Value::Null,
            },
            "parseURL" => arg(0).as_str().map_or(Value::Null, parse_url),
            "substring" => match (arg(0).as_str(), arg(1).as_u64(), arg(2).as_u64()) {
                (Some(input), Some(start), Some(stop)) => substring(
                    input,
                    start as usize,
                    stop as usize,
                    arg(3) == &Value::Bool(true),
                ),
                _ => Value::Null,
            },
            "uriEncode" => arg(0)
                .as_str()
                .map_or(Value::Null, |s| Value::from(uri_encode(s))),
            "aws.parseArn" => arg(0).as_str().map_or(Value::Null, parse_arn),
            other => {
                return Err(EndpointError::Invalid(format!(
                    "unsupported function `{other}`"
                )));
            }
        })
    }

    /// The partition a region belongs to: listed by name, else matching a partition's pattern,
    /// else `aws`, as the AWS SDKs decide.
    fn partition(&self, region: &str) -> Value {
        let chosen = self
            .partitions
            .iter()
            .find(|p| p.regions.contains_key(region))
            .or_else(|| self.partitions.iter().find(|p| p.regex.is_match(region)))
            .or_else(|| {
                self.partitions
                    .iter()
                    .find(|p| p.outputs.get("name") == Some(&Value::from("aws")))
            });
        let Some(partition) = chosen else {
            return Value::Null;
        };
        let mut outputs = partition.outputs.clone();
        if let Some(Value::Object(overrides)) = partition.regions.get(region) {
            outputs.extend(
                overrides
                    .iter()
                    .filter(|(k, _)| *k != "description")
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
        }
        Value::Object(outputs)
    }

    /// Replaces `{Name}` and `{Name#path}` in a template; `{{` and `}}` are literal braces.
    fn template(
        &self,
        template: &str,
        scope: &HashMap<String, Value>,
    ) -> Result<String, EndpointError> {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(i) = rest.find(['{', '}']) {
            out.push_str(&rest[..i]);
            let tail = &rest[i..];
            if tail.starts_with("{{") || tail.starts_with("}}") {
                out.push_str(&tail[..1]);
                rest = &tail[2..];
                continue;
            }
            let end = tail.find('}').filter(|_| tail.starts_with('{'));
            let Some(end) = end else {
                return Err(EndpointError::Invalid(format!(
                    "unbalanced template `{template}`"
                )));
            };
            let reference = &tail[1..end];
            let value = match reference.split_once('#') {
                Some((name, path)) => get_attr(scope.get(name).unwrap_or(&Value::Null), path),
                None => scope.get(reference).cloned().unwrap_or(Value::Null),
            };
            match value {
                Value::String(s) => out.push_str(&s),
                Value::Bool(b) => out.push_str(if b { "true" } else { "false" }),
                other => {
                    return Err(EndpointError::Invalid(format!(
                        "`{reference}` is {other} in `{template}`"
                    )));
                }
            }
            rest = &tail[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// `parseURL`: the parts of an `http(s)` URL without a query, else `Null`.
fn parse_url(text: &str) -> Value {
    let Ok(url) = reqwest::Url::parse(text) else {
        return Value::Null;
    };
    if !matches!(url.scheme(), "http" | "https") || url.query().is_some() || url.cannot_be_a_base()
    {
        return Value::Null;
    }
    let Some(host) = url.host_str() else {
        return Value::Null;
    };
    // The authority as written: the default port is kept when the URL states it.
    let after_scheme = &text[url.scheme().len() + 3..];
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or(host)
        .to_owned();
    let path = match url.path() {
        "/" if !after_scheme.contains('/') => "",
        path => path,
    };
    let normalized = if path.ends_with('/') {
        path.to_owned()
    } else {
        format!("{path}/")
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    serde_json::json!({
        "scheme": url.scheme(),
        "authority": authority,
        "path": path,
        "normalizedPath": normalized,
        "isIp": bare.parse::<std::net::IpAddr>().is_ok(),
    })
}

/// `substring`: `input[start..stop]` (counted from the end when `reverse`), for ASCII input and
/// a range inside it; else `Null`.
fn substring(input: &str, start: usize, stop: usize, reverse: bool) -> Value {
    if !input.is_ascii() || start >= stop || stop > input.len() {
        return Value::Null;
    }
    let (start, stop) = match reverse {
        true => (input.len() - stop, input.len() - start),
        false => (start, stop),
    };
    Value::from(&input[start..stop])
}

/// Every byte but RFC 3986's unreserved characters (letters, digits, `-._~`): what `uriEncode`
/// and SigV4's canonical forms percent-encode.
pub(crate) const RESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `uriEncode`: percent-encoding of everything but RFC 3986's unreserved characters.
fn uri_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, RESERVED).to_string()
}

/// `aws.parseArn`: `arn:partition:service:region:account:resource`, the resource split on `:`
/// and `/`; `Null` when it is no ARN.
fn parse_arn(text: &str) -> Value {
    let mut parts = text.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Value::Null;
    };
    if partition.is_empty() || service.is_empty() || resource.is_empty() {
        return Value::Null;
    }
    let resource_id: Vec<&str> = resource.split([':', '/']).collect();
    serde_json::json!({
        "partition": partition,
        "service": service,
        "region": region,
        "accountId": account,
        "resourceId": resource_id,
    })
}

/// `a.b[2]`-style paths into an object.
fn get_attr(value: &Value, path: &str) -> Value {
    let mut current = value;
    for part in path.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((key, index)) => (key, index.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        if !key.is_empty() {
            current = current.get(key).unwrap_or(&Value::Null);
        }
        if let Some(index) = index {
            current = current.get(index).unwrap_or(&Value::Null);
        }
    }
    current.clone()
}

/// An RFC 1123 label (letters, digits, hyphens, not starting with a hyphen, 1-63 long), or
/// several joined by dots when `allow_dots`.
fn valid_host_label(label: &str, allow_dots: bool) -> bool {
    let valid = |part: &str| {
        (1..=63).contains(&part.len())
            && !part.starts_with('-')
            && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if allow_dots {
        label.split('.').all(valid)
    } else {
        valid(label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_library_functions() {
        let url = parse_url("https://example.com:8443/a/b");
        assert_eq!(url["authority"], "example.com:8443");
        assert_eq!(url["path"], "/a/b");
        assert_eq!(url["normalizedPath"], "/a/b/");
        assert_eq!(url["isIp"], false);
        let bare = parse_url("http://127.0.0.1");
        assert_eq!(
            (bare["path"].as_str(), bare["isIp"].as_bool()),
            (Some(""), Some(true))
        );
        assert_eq!(bare["normalizedPath"], "/");
        assert!(parse_url("https://example.com/?q=1").is_null());
        assert!(parse_url("ftp://example.com").is_null());
        assert!(parse_url("not a url").is_null());

        assert_eq!(substring("abcdefg", 0, 4, false), "abcd");
        assert_eq!(substring("abcdefg", 0, 4, true), "defg");
        assert!(substring("abc", 1, 5, false).is_null());
        assert!(substring("abc", 2, 2, false).is_null());
        assert!(substring("ab\u{e9}", 0, 1, false).is_null());

        assert_eq!(uri_encode("a b/c~d"), "a%20b%2Fc~d");

        let arn = parse_arn("arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_X");
        assert_eq!(arn["service"], "cognito-idp");
        assert_eq!(arn["accountId"], "123456789012");
        assert_eq!(
            arn["resourceId"],
            serde_json::json!(["userpool", "eu-west-1_X"])
        );
        assert!(parse_arn("arn::s3:::bucket").is_null());
        assert!(parse_arn("urn:aws:s3:::bucket").is_null());
    }

    #[test]
    fn parameters_take_their_defaults_and_required_ones_are_checked() {
        let rules = r#"{"version":"1.0","parameters":{
            "Region":{"type":"String","builtIn":"AWS::Region","required":true},
            "Stage":{"type":"String","default":"prod"}},
            "rules":[{"conditions":[],"type":"endpoint",
                "endpoint":{"url":"https://{Stage}.{Region}.example.com"}}]}"#;
        let partitions = r#"{"partitions":[]}"#;
        let resolver = EndpointResolver::new(rules, partitions).unwrap();
        let params = EndpointParams {
            region: Some("eu-west-1".into()),
            ..EndpointParams::default()
        };
        assert_eq!(
            resolver.resolve(&params).unwrap(),
            "https://prod.eu-west-1.example.com"
        );
        let missing = resolver.resolve(&EndpointParams::default()).unwrap_err();
        assert!(missing.to_string().contains("Region"), "{missing}");
    }

    #[test]
    fn context_parameters_take_precedence() {
        // As kinesis's rules use them: a static OperationType, a StreamARN from the input.
        let rules = r#"{"version":"1.0","parameters":{
            "Region":{"type":"String","builtIn":"AWS::Region","required":true},
            "OperationType":{"type":"String"},
            "StreamARN":{"type":"String"}},
            "rules":[
              {"conditions":[{"fn":"isSet","argv":[{"ref":"StreamARN"}]},
                             {"fn":"aws.parseArn","argv":[{"ref":"StreamARN"}],"assign":"arn"}],
               "type":"endpoint",
               "endpoint":{"url":"https://{arn#accountId}.{OperationType}-kinesis.{Region}.example.com"}},
              {"conditions":[],"type":"endpoint",
               "endpoint":{"url":"https://kinesis.{Region}.example.com"}}]}"#;
        let resolver = EndpointResolver::new(rules, r#"{"partitions":[]}"#).unwrap();
        let mut params = EndpointParams {
            region: Some("eu-west-1".into()),
            ..EndpointParams::default()
        };
        assert_eq!(
            resolver.resolve(&params).unwrap(),
            "https://kinesis.eu-west-1.example.com"
        );
        params.context = vec![
            ("OperationType", Value::from("control")),
            (
                "StreamARN",
                Value::from("arn:aws:kinesis:eu-west-1:123456789012:stream/s"),
            ),
            // A context parameter overrides what the configuration says.
            ("Region", Value::from("us-east-2")),
        ];
        assert_eq!(
            resolver.resolve(&params).unwrap(),
            "https://123456789012.control-kinesis.us-east-2.example.com"
        );
    }

    const RULES: &str = include_str!("../../model/cognito-idp/2016-04-18/endpoint-rule-set-1.json");
    const PARTITIONS: &str = include_str!("../../model/partitions.json");

    fn resolve(
        region: Option<&str>,
        fips: bool,
        dual: bool,
        endpoint: Option<&str>,
    ) -> Result<String, EndpointError> {
        let resolver = EndpointResolver::new(RULES, PARTITIONS).unwrap();
        resolver.resolve(&EndpointParams {
            region: region.map(str::to_owned),
            use_fips: fips,
            use_dual_stack: dual,
            endpoint: endpoint.map(str::to_owned),
            context: Vec::new(),
        })
    }

    #[test]
    fn aws_partition_variants() {
        let ok = |region, fips, dual| resolve(Some(region), fips, dual, None).unwrap();
        assert_eq!(
            ok("eu-west-1", false, false),
            "https://cognito-idp.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            ok("eu-west-1", true, false),
            "https://cognito-idp-fips.eu-west-1.amazonaws.com"
        );
        // In the `aws` partition the standard names are dual-stack already, the rules say.
        assert_eq!(
            ok("eu-west-1", false, true),
            "https://cognito-idp.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            ok("eu-west-1", true, true),
            "https://cognito-idp-fips.eu-west-1.api.aws"
        );
        // The rule set's own special cases for FIPS and dual-stack in the US regions.
        assert_eq!(
            ok("us-east-1", true, true),
            "https://cognito-idp-fips.us-east-1.amazonaws.com"
        );
        assert_eq!(
            ok("us-east-1", true, false),
            "https://cognito-idp-fips.us-east-1.amazonaws.com"
        );
        // A region the partition table does not list yet, matched by its pattern.
        assert_eq!(
            ok("ap-southeast-9", false, false),
            "https://cognito-idp.ap-southeast-9.amazonaws.com"
        );
    }

    #[test]
    fn other_partitions() {
        assert_eq!(
            resolve(Some("cn-north-1"), false, false, None).unwrap(),
            "https://cognito-idp.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            resolve(Some("cn-north-1"), false, true, None).unwrap(),
            "https://cognito-idp.cn-north-1.api.amazonwebservices.com.cn"
        );
        assert_eq!(
            resolve(Some("us-gov-west-1"), false, false, None).unwrap(),
            "https://cognito-idp.us-gov-west-1.amazonaws.com"
        );
    }

    #[test]
    fn explicit_endpoint_wins_and_is_checked() {
        assert_eq!(
            resolve(
                Some("us-east-1"),
                false,
                false,
                Some("http://127.0.0.1:5000")
            )
            .unwrap(),
            "http://127.0.0.1:5000"
        );
        assert_eq!(
            resolve(None, false, false, Some("http://127.0.0.1:5000")).unwrap(),
            "http://127.0.0.1:5000"
        );
        let fips = resolve(
            Some("us-east-1"),
            true,
            false,
            Some("http://127.0.0.1:5000"),
        )
        .unwrap_err();
        assert!(
            matches!(fips, EndpointError::Rule(ref m) if m.contains("FIPS")),
            "{fips}"
        );
        let no_region = resolve(None, false, false, None).unwrap_err();
        assert!(
            matches!(no_region, EndpointError::Rule(ref m) if m.contains("Region")),
            "{no_region}"
        );
    }

    #[test]
    fn templates_and_bad_input() {
        let resolver = EndpointResolver::new(RULES, PARTITIONS).unwrap();
        let scope = HashMap::from([
            ("A".to_owned(), Value::from("x")),
            ("P".to_owned(), serde_json::json!({"d": ["y"]})),
        ]);
        assert_eq!(
            resolver.template("{{lit}}{A}.{P#d[0]}", &scope).unwrap(),
            "{lit}x.y"
        );
        assert!(resolver.template("{A", &scope).is_err());
        assert!(resolver.template("{Missing}", &scope).is_err());
        assert!(EndpointResolver::new("{}", PARTITIONS).is_err());
        assert!(EndpointResolver::new(RULES, "[]").is_err());
        assert!(
            valid_host_label("a-b", false)
                && !valid_host_label("-a", false)
                && valid_host_label("a.b", true)
        );
    }
}
