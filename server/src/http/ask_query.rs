//! `GET /api/v1/ask`'s query string read directly when it is the widget's (`q`, and `site`).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::api::AskParams;
use super::error::ApiError;
use super::extract::ApiQuery;

/// [`AskParams`] from the query string. One that holds only `q` and `site`, each at most once,
/// is read directly (what the widget sends: deserializing it was most of a thousand
/// instructions an ask); any other goes through [`ApiQuery`], so its rules and errors are
/// exactly those of every other query string.
pub struct AskQuery(pub AskParams);

impl<S: Send + Sync> FromRequestParts<S> for AskQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<AskQuery, ApiError> {
        if let Some(params) = plain(parts.uri.query().unwrap_or_default()) {
            return Ok(AskQuery(params));
        }
        let ApiQuery(params) = ApiQuery::<AskParams>::from_request_parts(parts, state).await?;
        Ok(AskQuery(params))
    }
}

/// The parameters of a query string of `q` and `site` only, each at most once, decoded as
/// `serde_urlencoded` decodes them (it reads pairs with the same `form_urlencoded`); `None`
/// for any other.
fn plain(query: &str) -> Option<AskParams> {
    let mut params = AskParams {
        q: None,
        site: None,
        limit: None,
    };
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let place = match &*key {
            "q" => &mut params.q,
            "site" => &mut params.site,
            _ => return None,
        };
        if place.is_some() {
            return None;
        }
        *place = Some(value.into_owned());
    }
    Some(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What axum's `Query` (behind [`ApiQuery`]) makes of the same query string.
    fn deserialized(query: &str) -> Option<(Option<String>, Option<String>, Option<usize>)> {
        let uri: axum::http::Uri = format!("/api/v1/ask?{query}").parse().ok()?;
        let axum::extract::Query(p) = axum::extract::Query::<AskParams>::try_from_uri(&uri).ok()?;
        Some((p.q, p.site, p.limit))
    }

    #[test]
    fn the_widgets_query_strings_read_as_serde_reads_them_and_others_are_left_to_it() {
        let read_directly = [
            "",
            "q=what%20is%20parsol",
            "q=who+led+it%3F&site=camden",
            "site=a&q=",
            "q",
            "q=%FF%FEcaf%C3%A9",
            "&&q=a%2Bb&",
            "%71=encoded%20key",
        ];
        for query in read_directly {
            let direct = plain(query).unwrap_or_else(|| panic!("{query:?} is read directly"));
            assert_eq!(
                Some((direct.q, direct.site, direct.limit)),
                deserialized(query),
                "{query:?}"
            );
        }
        for query in [
            "q=a&q=b",
            "q=a&limit=2",
            "limit=x",
            "q=a&other=1",
            "site=a&site=b",
        ] {
            assert!(plain(query).is_none(), "{query:?}");
        }
    }
}
