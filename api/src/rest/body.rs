//! JSON request bodies that name the offending field (issue 11: REST problems carry the same
//! `code` and `field` as GraphQL).
//!
//! actix-web's `Json` reports serde's message, which has no path and may quote the value the
//! client sent (a name, say) back into the error. [`Body`] deserializes through
//! `serde_path_to_error`, so a problem says which field (`newCitizen.name`) and what was wrong
//! with it in words of our own, never the value.

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::http::problem::ApiError;

/// A JSON body of type `T`, refused with a `VALIDATION` problem naming the field at fault.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T> Body<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
        // The body's size limit is the app's `PayloadConfig`.
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !json {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "VALIDATION",
                    "the request body must be application/json",
                )
                .into());
            }
            let bytes = bytes.await.map_err(|_| {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "VALIDATION",
                    "the request body is too large or could not be read",
                )
            })?;
            parse(&bytes).map(Body).map_err(Into::into)
        })
    }
}

/// `bytes` as a `T`, or the problem that names the field at fault.
///
/// # Errors
/// A `VALIDATION` problem (400).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| refusal(&e))?;
    de.end()
        .map_err(|_| ApiError::bad_request("the request body is not valid JSON"))?;
    Ok(value)
}

fn refusal(err: &serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let inner = err.inner();
    if !inner.is_data() {
        return ApiError::bad_request("the request body is not valid JSON");
    }
    let path = err.path().to_string();
    let message = inner.to_string();
    // serde's own wording, reduced to what was expected; the value sent is never repeated.
    let (field, detail) = if let Some(name) = between(&message, "missing field `", "`") {
        (join(&path, name), "is required".to_owned())
    } else if message.starts_with("unknown field") {
        // The path already ends with the unknown field.
        (path, "is not a field of this request".to_owned())
    } else if message.starts_with("unknown variant") {
        let expected = message
            .split_once("expected ")
            .map(|(_, rest)| rest)
            .map_or(String::new(), |rest| {
                rest.split(" at line")
                    .next()
                    .unwrap_or_default()
                    .replace('`', "")
            });
        (path, format!("must be {expected}"))
    } else if let Some((_, expected)) = message.split_once(", expected ") {
        let expected = expected.split(" at line").next().unwrap_or_default();
        (path, format!("must be {expected}"))
    } else {
        (path, "is not valid".to_owned())
    };
    let field = if field == "." || field.is_empty() {
        "body".to_owned()
    } else {
        field
    };
    ApiError::bad_request(format!("{field} {detail}")).with_field(field)
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = text.split_once(start)?.1;
    Some(rest.split_once(end)?.0)
}

fn join(path: &str, name: &str) -> String {
    if path == "." || path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::parse;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    #[allow(dead_code)]
    struct Input {
        new_citizen: Citizen,
        kind: Kind,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Citizen {
        name: String,
        born: Option<u16>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    enum Kind {
        Ngo,
        Other,
    }

    fn refused(body: &str) -> (Option<String>, String) {
        let problem = parse::<Input>(body.as_bytes()).unwrap_err().problem();
        (problem.field, problem.detail)
    }

    #[test]
    fn a_refusal_names_the_field_and_never_the_value() {
        let (field, detail) =
            refused(r#"{"newCitizen":{"name":"Kirsten Hemmelig","born":"1980"},"kind":"NGO"}"#);
        assert_eq!(field.as_deref(), Some("newCitizen.born"));
        assert!(!detail.contains("1980"), "{detail}");
        assert!(detail.starts_with("newCitizen.born must be"), "{detail}");
        let (field, detail) = refused(r#"{"newCitizen":{},"kind":"NGO"}"#);
        assert_eq!(field.as_deref(), Some("newCitizen.name"));
        assert_eq!(detail, "newCitizen.name is required");
        let (field, detail) = refused(r#"{"newCitizen":{"name":"x"},"kind":"Hemmelig"}"#);
        assert_eq!(field.as_deref(), Some("kind"));
        assert!(!detail.contains("Hemmelig"), "{detail}");
        assert_eq!(detail, "kind must be NGO or OTHER");
        let (field, _) = refused(r#"{"newCitizen":{"name":"x"},"kind":"NGO","secret":1}"#);
        assert_eq!(field.as_deref(), Some("secret"));
        let (field, detail) = refused(r#"{"newCitizen":"#);
        assert_eq!(field, None);
        assert_eq!(detail, "the request body is not valid JSON");
        let (field, _) = refused("[]");
        assert_eq!(field.as_deref(), Some("body"));
    }
}
