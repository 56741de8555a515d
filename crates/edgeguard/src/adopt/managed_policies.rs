//! AWS managed cache and origin request policies whose contents AWS documents, so `edgeguard
//! attach` can tell offline whether a behavior's policy puts `Referer` in the cache key (or
//! forwards it to the origin) instead of warning about every policy ID.
//!
//! Sources (read 2026-12): "Use managed cache policies" and "Use managed origin request
//! policies", Amazon CloudFront Developer Guide,
//! <https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html>,
//! <https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html>
//! (also in the archived `awsdocs/amazon-cloudfront-developer-guide`, `doc_source/`). Headers
//! named by an origin request policy go to the origin but never into the cache key
//! ("Controlling origin requests", same guide). Policies not listed here get a warning.

/// A documented managed policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManagedPolicy {
    /// Its ID as the API returns it.
    pub id: &'static str,
    /// Its name in the CloudFront console.
    pub name: &'static str,
    /// Whether it includes the `Referer` header (in the cache key for a cache policy, in origin
    /// requests for an origin request policy).
    pub includes_referer: bool,
}

/// Managed cache policies. None puts `Referer` in the cache key.
pub const CACHE_POLICIES: &[ManagedPolicy] = &[
    // No headers (only the normalised Accept-Encoding), no cookies, no query strings.
    ManagedPolicy {
        id: "658327ea-f89d-4fab-a63d-7e88639e58f6",
        name: "Managed-CachingOptimized",
        includes_referer: false,
    },
    // Like CachingOptimized without compression: no headers.
    ManagedPolicy {
        id: "b2884449-e4de-46a7-ac36-70bc7f1ddd6d",
        name: "Managed-CachingOptimizedForUncompressedObjects",
        includes_referer: false,
    },
    // TTL 0, nothing in the cache key.
    ManagedPolicy {
        id: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        name: "Managed-CachingDisabled",
        includes_referer: false,
    },
    // Headers: Origin only.
    ManagedPolicy {
        id: "08627262-05a9-4f76-9ded-b50ca2e3a84f",
        name: "Managed-Elemental-MediaPackage",
        includes_referer: false,
    },
    // Headers: Authorization, CloudFront-Viewer-Country, Host.
    ManagedPolicy {
        id: "2e54312d-136d-493c-8eb9-b001f22f67d2",
        name: "Managed-Amplify",
        includes_referer: false,
    },
];

/// Managed origin request policies.
pub const ORIGIN_REQUEST_POLICIES: &[ManagedPolicy] = &[
    // All viewer headers, cookies and query strings.
    ManagedPolicy {
        id: "216adef6-5c7f-47e4-b989-5492eafa07d3",
        name: "Managed-AllViewer",
        includes_referer: true,
    },
    // All viewer headers plus CloudFront headers released by June 2022.
    ManagedPolicy {
        id: "33f36d7e-f396-46d9-90e0-52428a34d9dc",
        name: "Managed-AllViewerAndCloudFrontHeaders-2022-06",
        includes_referer: true,
    },
    // Headers: User-Agent, Referer.
    ManagedPolicy {
        id: "acba4595-bd28-49b8-b9fe-13317c0390fa",
        name: "Managed-UserAgentRefererHeaders",
        includes_referer: true,
    },
    // Headers: Origin.
    ManagedPolicy {
        id: "59781a5b-3903-41f3-afcb-af62929ccde1",
        name: "Managed-CORS-CustomOrigin",
        includes_referer: false,
    },
    // Headers: Origin, Access-Control-Request-Headers, Access-Control-Request-Method.
    ManagedPolicy {
        id: "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
        name: "Managed-CORS-S3Origin",
        includes_referer: false,
    },
    // Headers: Origin, Access-Control-Request-*, User-Agent, X-Forwarded-For.
    ManagedPolicy {
        id: "775133bc-15f2-49f9-abea-afb2e0bf67d2",
        name: "Managed-Elemental-MediaTailor-PersonalizedManifests",
        includes_referer: false,
    },
];

/// Looks a policy ID up in one of the tables.
pub fn find(table: &'static [ManagedPolicy], id: &str) -> Option<&'static ManagedPolicy> {
    table.iter().find(|p| p.id == id)
}
