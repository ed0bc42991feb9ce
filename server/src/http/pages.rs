//! The embedded front end: the widget script and the demo page, compiled into the binary so
//! the widget and the API it calls always come from the same build.

use axum::http::header;
use axum::response::{Html, IntoResponse};

pub const WIDGET_JS: &str = include_str!("../../../widget/signpost.js");
pub const DEMO_HTML: &str = include_str!("../../../widget/demo.html");

pub async fn widget_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        WIDGET_JS,
    )
}

pub async fn demo() -> Html<&'static str> {
    Html(DEMO_HTML)
}
