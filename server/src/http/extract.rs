//! Extractors that turn axum's own rejections (bad JSON, wrong content type, bad query
//! string, oversized body) into [`ApiError`]s, so even malformed requests get the one shape.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// `Json<T>` with Signpost's error shape; the body must be a JSON object ([`Object`]).
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<Object<T>>::from_request(req, state).await {
            Ok(axum::Json(Object(value))) => Ok(ApiJson(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::UnsupportedMediaType),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::PayloadTooLarge)
            }
            Err(rejection) => Err(ApiError::MalformedJson(rejection.body_text())),
        }
    }
}

/// `Query<T>` with Signpost's error shape.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                Err(ApiError::BadQueryString(e.body_text()))
            }
            Err(other) => Err(ApiError::BadQueryString(other.body_text())),
        }
    }
}

/// `Path<T>` with Signpost's error shape: a parameter that does not decode (`%FF`, an
/// overlong `%c0%ae`) is 400 `bad_path`, shown as JSON or as the site's error page by the
/// route's policy.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                Err(ApiError::BadPath(e.body_text()))
            }
            Err(other) => Err(ApiError::BadPath(other.body_text())),
        }
    }
}

/// Deserializes an optional count in a JSON body the way JSON Schema reads an `integer`: `5`
/// and `5.0` are both five; a fraction, a negative number, a string or anything else is an
/// error. (`serde` alone refuses `5.0` for a `usize`, which the OpenAPI description allows.)
pub fn optional_count<'de, D>(deserializer: D) -> Result<Option<usize>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    deserializer.deserialize_option(Count { text: false })
}

/// A value that must come as a JSON object. `serde`'s derived `Deserialize` for a struct also
/// takes an array of its fields, so `["helpline"]` would pass for `{"q": "helpline"}` and
/// `"context": []` for an empty context, which the OpenAPI description does not allow.
pub struct Object<T>(pub T);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Object<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<T>(std::marker::PhantomData<T>);

        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
            type Value = Object<T>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Object)
            }
        }

        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

/// Deserializes an optional JSON object, such as a follow-up's `context`: an object or
/// `null`, nothing else ([`Object`]).
pub fn optional_object<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    let object: Option<Object<T>> = serde::Deserialize::deserialize(deserializer)?;
    Ok(object.map(|Object(value)| value))
}

/// The same for a query string, where every value is text: `5` and `5.0` are five.
pub fn optional_count_text<'de, D>(deserializer: D) -> Result<Option<usize>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    deserializer.deserialize_option(Count { text: true })
}

/// Reads a count; `text` says whether it may come as text (a query string).
struct Count {
    text: bool,
}

impl<'de> serde::de::Visitor<'de> for Count {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a whole number")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Self::Value, E> {
        usize::try_from(n)
            .map(Some)
            .map_err(|_| E::custom("the number is too large"))
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Self::Value, E> {
        u64::try_from(n)
            .map_err(|_| E::custom("expected a whole number of at least 0"))
            .and_then(|n| self.visit_u64(n))
    }

    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Self::Value, E> {
        if n.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&n) {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Ok(Some(n as usize))
        } else {
            Err(E::custom("expected a whole number"))
        }
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
        if !self.text {
            return Err(E::custom("expected a whole number, not text"));
        }
        let text = text.trim();
        if let Ok(n) = text.parse::<u64>() {
            return self.visit_u64(n);
        }
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => self.visit_f64(n),
            _ => Err(E::custom(format!("expected a whole number, got `{text}`"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "super::optional_count")]
        limit: Option<usize>,
    }

    #[derive(Debug, Deserialize)]
    struct Params {
        #[serde(default, deserialize_with = "super::optional_count_text")]
        limit: Option<usize>,
    }

    #[test]
    fn counts_read_as_json_schema_integers() {
        let json = |text: &str| serde_json::from_str::<Body>(text).map(|b| b.limit);
        assert_eq!(json(r#"{}"#).unwrap(), None);
        assert_eq!(json(r#"{"limit": null}"#).unwrap(), None);
        assert_eq!(json(r#"{"limit": 5}"#).unwrap(), Some(5));
        assert_eq!(json(r#"{"limit": 19.0}"#).unwrap(), Some(19));
        for bad in [
            r#"{"limit": 1.5}"#,
            r#"{"limit": -1}"#,
            r#"{"limit": "5"}"#,
            r#"{"limit": true}"#,
        ] {
            assert!(json(bad).is_err(), "{bad}");
        }
        let query = |text: &str| {
            axum::extract::Query::<Params>::try_from_uri(&format!("/?{text}").parse().unwrap())
                .map(|q| q.0.limit)
        };
        assert_eq!(query("").unwrap(), None);
        assert_eq!(query("limit=7").unwrap(), Some(7));
        assert_eq!(query("limit=7.0").unwrap(), Some(7));
        for bad in [
            "limit=7.5",
            "limit=-2",
            "limit=abc",
            "limit=1e400",
            "limit=NaN",
        ] {
            assert!(query(bad).is_err(), "{bad}");
        }
    }
}
