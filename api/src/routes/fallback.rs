//! What requests that match no route get: 405 with `Allow` when the path is
//! a documented one under other methods, 404 otherwise. Actix's routing
//! macros guard on the method per route, so without this a wrong method would
//! look like an unknown path.

use actix_web::{web, HttpRequest, HttpResponse};
use utoipa::openapi::OpenApi;

use crate::error::ApiError;

/// The documented path templates and the methods each accepts.
#[derive(Debug, Clone, Default)]
pub struct KnownRoutes {
    routes: Vec<(Vec<String>, Vec<String>)>,
}

impl KnownRoutes {
    pub fn from_document(document: &OpenApi) -> KnownRoutes {
        let routes = document
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let segments = template.split('/').map(str::to_owned).collect();
                let methods = serde_json::to_value(item)
                    .ok()
                    .and_then(|v| v.as_object().map(|o| o.keys().map(|k| k.to_uppercase()).collect::<Vec<_>>()))
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|m| matches!(m.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS"))
                    .collect();
                (segments, methods)
            })
            .collect();
        KnownRoutes { routes }
    }

    /// The methods of the template `path` matches (`{param}` matches any one
    /// non-empty segment), or `None` when no template matches.
    pub fn methods_for(&self, path: &str) -> Option<Vec<String>> {
        let parts: Vec<&str> = path.split('/').collect();
        self.routes
            .iter()
            .find(|(template, _)| {
                template.len() == parts.len()
                    && template.iter().zip(&parts).all(|(t, p)| {
                        if t.starts_with('{') && t.ends_with('}') {
                            !p.is_empty()
                        } else {
                            t == p
                        }
                    })
            })
            .map(|(_, methods)| methods.clone())
    }
}

pub async fn fallback(req: HttpRequest, known: web::Data<KnownRoutes>) -> Result<HttpResponse, ApiError> {
    Err(match known.methods_for(req.path()) {
        Some(methods) if !methods.is_empty() => ApiError::method_not_allowed(&methods.join(", ")),
        _ => ApiError::not_found(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_whole_segments() {
        let known = KnownRoutes::from_document(&crate::openapi::document());
        assert_eq!(known.methods_for("/api/v1/regions"), Some(vec!["GET".to_owned()]));
        let mut methods = known.methods_for("/api/v1/organizations/abc").expect("template");
        methods.sort();
        assert_eq!(methods, ["GET", "PATCH"]);
        assert_eq!(known.methods_for("/api/v1/organizations/abc/x"), None);
        assert_eq!(known.methods_for("/api/v1/organizations/"), None);
        assert_eq!(known.methods_for("/nowhere"), None);
    }
}
