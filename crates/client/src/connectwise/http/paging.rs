//! Reading every page of a list: `pageSize=1000`, then the page the `Link` header names as
//! `rel="next"`, while pages come back full.

use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use url::Url;

use crate::connectwise::ConnectWise;
use crate::connectwise::error::Error;

use super::request::Call;
use super::response::decode;

/// Largest page ConnectWise serves.
pub(crate) const PAGE_SIZE: usize = 1000;
/// Safety stop for paging (1,000,000 records).
const MAX_PAGES: usize = 1000;

impl ConnectWise {
    /// Reads every page of a list: `pageSize=1000`, then the `Link rel="next"` page while pages
    /// come back full. One request when everything fits on one page.
    pub(crate) async fn list_all<T: DeserializeOwned>(&self, call: Call) -> Result<Vec<T>, Error> {
        let label = call.label();
        let mut items = Vec::new();
        let mut paging: Vec<(String, String)> = Vec::new();
        for _ in 0..MAX_PAGES {
            let mut query = vec![("pageSize".to_owned(), PAGE_SIZE.to_string())];
            query.extend(paging.iter().cloned());
            let raw = self.send(&call, &query).await?;
            let page: Vec<T> = decode(&raw, &label, call.secret_response)?;
            let count = page.len();
            items.extend(page);
            if count < PAGE_SIZE {
                break;
            }
            match next_link(&raw.headers).and_then(|link| page_params(&link)) {
                Some(next) if next != paging => paging = next,
                _ => break,
            }
        }
        Ok(items)
    }
}

/// The target of the `Link` entry with `rel="next"`, if any (RFC 8288 syntax).
pub(crate) fn next_link(headers: &HeaderMap) -> Option<String> {
    for value in headers.get_all(reqwest::header::LINK) {
        let Ok(text) = value.to_str() else { continue };
        let mut rest = text;
        while let Some(start) = rest.find('<') {
            let after = &rest[start + 1..];
            let Some(end) = after.find('>') else { break };
            let target = &after[..end];
            let params_and_more = &after[end + 1..];
            let params_end = params_and_more.find('<').unwrap_or(params_and_more.len());
            let params = params_and_more[..params_end].trim().trim_end_matches(',');
            let is_next = params.split(';').any(|param| {
                let mut kv = param.splitn(2, '=');
                let key = kv.next().unwrap_or("").trim();
                let value = kv.next().unwrap_or("").trim().trim_matches('"');
                key.eq_ignore_ascii_case("rel")
                    && value
                        .split_whitespace()
                        .any(|rel| rel.eq_ignore_ascii_case("next"))
            });
            if is_next && !target.trim().is_empty() {
                return Some(target.trim().to_owned());
            }
            rest = &params_and_more[params_end..];
        }
    }
    None
}

/// The `page` / `pageId` query values of a next-page link. Only these are taken from the link:
/// the client keeps its own host, path and conditions, so a link cannot redirect credentials.
pub(crate) fn page_params(link: &str) -> Option<Vec<(String, String)>> {
    let url = Url::parse(link)
        .or_else(|_| Url::parse("http://link.invalid/").and_then(|base| base.join(link)))
        .ok()?;
    let params: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k.eq_ignore_ascii_case("page") || k.eq_ignore_ascii_case("pageId"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if params.is_empty() {
        None
    } else {
        Some(params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn link_header_parsing() {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::LINK,
            HeaderValue::from_static(
                r#"<https://api-na.myconnectwise.net/v4_6_release/apis/3.0/system/members?pageSize=50&page=2>; rel="next", <https://api-na.myconnectwise.net/v4_6_release/apis/3.0/system/members?pageSize=50&page=4>; rel="last""#,
            ),
        );
        let link = next_link(&headers).unwrap();
        assert!(link.ends_with("page=2"), "{link}");
        assert_eq!(
            page_params(&link).unwrap(),
            vec![("page".to_owned(), "2".to_owned())]
        );

        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::LINK,
            HeaderValue::from_static(
                r#"<https://h/x?page=1>; rel="first", <https://h/x?page=3>; rel="prev""#,
            ),
        );
        assert_eq!(next_link(&headers), None);

        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::LINK,
            HeaderValue::from_static(r#"</apis/3.0/x?pageSize=1000&pageId=77>;rel=next"#),
        );
        let link = next_link(&headers).unwrap();
        assert_eq!(
            page_params(&link).unwrap(),
            vec![("pageId".to_owned(), "77".to_owned())]
        );
        assert_eq!(next_link(&HeaderMap::new()), None);
        assert_eq!(page_params("https://h/x?pageSize=5"), None);
    }
}
